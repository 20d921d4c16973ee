"""Workflow artifacts are written by the pull request under test: zip bombs, `../` and
absolute member names, symlinks, junk and oversized archives, downloaded from the GitHub
simulator over real HTTP by the real gateway. Each hostile member is skipped with a logged
reason; the genuine report beside it still arrives; memory stays within the budget."""

from __future__ import annotations

import io
import logging
import random
import stat
import zipfile

import pytest

from connectors.github import artifacts
from connectors.github import gateway as gateway_module
from connectors.github.artifacts import MAX_INFLATED_BYTES, declared_entries, matching_members
from tests.app.conftest import REPO
from tests.github_simulator.world import SimArtifact

GOOD = b"<testsuite name='s'><testcase classname='c' name='t'/></testsuite>"


def zip_of(*members: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def serve(simulator, red_repo, data: bytes, name: str = "hostile") -> int:
    repo, _ = red_repo
    run = simulator.world.add_run(repo, head_branch="main", reports={})
    run.artifacts.append(SimArtifact(simulator.world.next_id(), name, data))
    return run.run_id


def test_traversal_absolute_and_symlink_members_are_skipped_and_named(
    simulator, red_repo, gateway, caplog
):
    archive = zip_of(
        ("../../../etc/cron.d/evil.xml", GOOD),
        ("/etc/passwd.xml", GOOD),
        ("reports/../../up.xml", GOOD),
        symlink("reports/link.xml", "/etc/shadow"),
        ("C:/windows/win.xml", GOOD),
        ("reports/junit.xml", GOOD),
    )
    run_id = serve(simulator, red_repo, archive)
    with caplog.at_level(logging.WARNING, logger="redfix.github"):
        found = gateway.report_files(REPO, run_id, ("*.xml",))
    assert [(f.name, f.data) for f in found] == [("hostile/reports/junit.xml", GOOD)]
    logged = "\n".join(caplog.messages)
    assert "hostile/../../../etc/cron.d/evil.xml: skipped, it climbs out of the artifact" in logged
    assert "hostile//etc/passwd.xml: skipped, it has an absolute name" in logged
    assert "hostile/reports/../../up.xml: skipped, it climbs out" in logged
    assert "hostile/reports/link.xml: skipped, it is a symbolic link" in logged
    assert "hostile/C:/windows/win.xml: skipped, it has an absolute name" in logged


def test_a_zip_bomb_is_cut_at_the_budget_and_the_real_report_still_arrives(
    simulator, red_repo, gateway, caplog
):
    # 300 MB of zeros deflate to ~300 kB; the zip's declared size is true here, so the
    # bomb is refused before a byte is inflated.
    bomb = zip_of(("junit.xml", GOOD), ("bomb.xml", b"\0" * (MAX_INFLATED_BYTES + (44 << 20))))
    assert len(bomb) < 1 << 20
    run_id = serve(simulator, red_repo, bomb)
    with caplog.at_level(logging.WARNING, logger="redfix.github"):
        found = gateway.report_files(REPO, run_id, ("*.xml",))
    assert [f.name for f in found] == ["hostile/junit.xml"]
    assert "hostile/bomb.xml: skipped, it inflates past" in "\n".join(caplog.messages)


def lying_bomb(inflated: int) -> bytes:
    """A deflated member whose headers claim 100 bytes while it inflates to `inflated`."""
    archive = zip_of(("bomb.xml", b"\0" * inflated))
    claimed = (100).to_bytes(4, "little")
    real = inflated.to_bytes(4, "little")
    # uncompressed size: local header offset 22, central directory entry offset 24
    local = 22
    central = archive.rindex(b"PK\x01\x02") + 24
    patched = bytearray(archive)
    assert patched[local : local + 4] == real and patched[central : central + 4] == real
    patched[local : local + 4] = claimed
    patched[central : central + 4] = claimed
    return bytes(patched)


def test_a_bomb_lying_about_its_size_is_counted_while_it_inflates() -> None:
    extraction = matching_members("a", lying_bomb(8 << 20), ("*.xml",),
                                  max_inflated_bytes=1 << 20)
    assert extraction.files == []
    (reason,) = extraction.skipped
    assert reason.startswith("a/bomb.xml: skipped, it ")
    # zipfile itself notices the lie at the end of the member, or the budget stops it first
    assert "inflates past" in reason or "cannot be read" in reason


def test_members_share_one_budget_checked_first_against_declared_sizes(monkeypatch) -> None:
    inflated: list[str] = []
    original = artifacts._inflate

    def recording(archive, info, *, budget):
        inflated.append(info.filename)
        return original(archive, info, budget=budget)

    monkeypatch.setattr(artifacts, "_inflate", recording)
    data = zip_of(("a.xml", GOOD), ("b.xml", b"x" * 5000), ("c.xml", GOOD), ("d.xml", GOOD))
    extraction = matching_members("r", data, ("*.xml",), max_inflated_bytes=2 * len(GOOD) + 10)
    assert [f.name for f in extraction.files] == ["r/a.xml", "r/c.xml"]
    assert inflated == ["a.xml", "c.xml"], "b declares too much; d finds the budget spent"
    assert [reason.split(":")[0] for reason in extraction.skipped] == ["r/b.xml", "r/d.xml"]
    assert "inflates past the 76 bytes left" in extraction.skipped[0]


def test_an_archive_declaring_too_many_entries_is_skipped_before_it_is_listed(monkeypatch):
    listed: list[int] = []
    original = zipfile.ZipFile.infolist
    monkeypatch.setattr(zipfile.ZipFile, "infolist",
                        lambda self: listed.append(1) or original(self))
    data = zip_of(*[(f"r{i}.xml", GOOD) for i in range(50)])
    assert declared_entries(data) == 50
    extraction = matching_members("many", data, ("*.xml",), max_entries=10)
    assert extraction.files == [] and listed == []
    assert extraction.skipped == [
        "many: skipped, it declares 50 entries, over the limit of 10; upload the test "
        "reports as an artifact of their own"]
    assert len(matching_members("many", data, ("*.xml",), max_entries=50).files) == 50


def test_the_entry_count_is_read_from_zip64_end_records_too() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:
        archive.writestr("a.xml", GOOD)
    plain = buffer.getvalue()
    end = plain.rfind(b"PK\x05\x06")
    count_offset = end + 10
    # Rewrite as zip64: 0xFFFF in the end record, the real count in a zip64 end record.
    zip64_record = (b"PK\x06\x06" + (44).to_bytes(8, "little") + b"\x2d\x00\x2d\x00"
                    + b"\x00" * 8 + (70_000).to_bytes(8, "little") * 2 + b"\x00" * 16)
    record_at = end
    locator = (b"PK\x06\x07" + b"\x00" * 4 + record_at.to_bytes(8, "little")
               + (1).to_bytes(4, "little"))
    tail = bytearray(plain[end:])
    tail[count_offset - end : count_offset - end + 2] = b"\xff\xff"
    data = plain[:end] + zip64_record + locator + bytes(tail)
    assert declared_entries(data) == 70_000
    assert declared_entries(b"no zip here") is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"not a zip at all", "not a readable zip archive"),
     (b"PK\x03\x04" + b"\xff" * 200, "not a readable zip archive")],
)
def test_junk_artifacts_are_skipped_with_a_reason(simulator, red_repo, gateway, caplog,
                                                  data, problem):
    run_id = serve(simulator, red_repo, data)
    with caplog.at_level(logging.WARNING, logger="redfix.github"):
        assert gateway.report_files(REPO, run_id, ("*.xml",)) == []
    assert f"hostile: {problem}" in "\n".join(caplog.messages)


def test_an_oversized_artifact_is_skipped_not_fatal(simulator, red_repo, gateway, monkeypatch,
                                                     caplog):
    monkeypatch.setattr(gateway_module, "MAX_ARTIFACT_BYTES", 64 * 1024)
    big = zip_of(("big.xml", random.Random(0).randbytes(200_000)))  # incompressible
    repo, _ = red_repo
    run = simulator.world.add_run(repo, head_branch="main", reports={"junit.xml": GOOD})
    run.artifacts.insert(0, SimArtifact(simulator.world.next_id(), "huge", big))
    with caplog.at_level(logging.WARNING, logger="redfix.github"):
        found = gateway.report_files(REPO, run.run_id, ("*.xml",))
    assert [f.name for f in found] == ["test-results/junit.xml"]
    assert "downloading artifact huge: over 65536 bytes, skipped" in caplog.messages


def test_a_huge_job_log_keeps_its_tail(simulator, red_repo, gateway, monkeypatch):
    monkeypatch.setattr(gateway_module, "MAX_ARTIFACT_BYTES", 64 * 1024)
    repo, _ = red_repo
    log = "noise line\n" * 200_000 + "FAILED tests/test_x.py::test_y - boom\n"
    run = simulator.world.add_run(repo, head_branch="main", reports={}, log=log)
    logs = gateway.failed_job_logs(REPO, run.run_id)
    assert logs["tests"].endswith("FAILED tests/test_x.py::test_y - boom\n")
    assert len(logs["tests"]) == gateway_module.MAX_LOG_CHARS
