"""Hypothesis properties over the same targets as fuzz/ (fuzz/targets.py holds the
checks): random bytes, and inputs built from the grammar each parser expects, so the
search starts near the interesting cases. Runs in CI with a bounded number of examples."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import targets

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

XML_PIECES = st.sampled_from([
    "<testsuites>", "</testsuites>", "<testsuite name='s'>", "</testsuite>",
    "<testcase classname='c' name='t' time='1.5' line='3' file='a.py'>", "</testcase>",
    "<testcase name='t'/>", "<failure message='m' type='E'>", "</failure>", "<error>",
    "</error>", "<skipped/>", "<system-out>", "</system-out>", "<rerunFailure>",
    "</rerunFailure>", "<flakyFailure/>", "<![CDATA[x]]>", "&amp;", "&#27;[31m", "&#0;",
    "\x1b[0m", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "<?xml version='1.0' encoding='latin-1'?>",
    "&a;", "time='-1'", "line='0'", "é", "\ufffe", "\x00", "<a>", "</a>", "text ",
])
EDIT_PIECES = st.sampled_from([
    "pkg/calc.py\n", "tests/test_calc.py\n", "../x.py\n", ".git/config\n",
    ".github/workflows/ci.yml\n", "```python\n", "```diff\n", "```\n",
    "<<<<<<< SEARCH\n", "=======\n", ">>>>>>> REPLACE\n", "    return a - b\n",
    "    return a + b\n", "def add(a, b):\n", "# file: pkg/calc.py\n", "# file: /etc/x.py\n",
    "--- a/pkg/calc.py\n", "+++ b/pkg/calc.py\n", "--- a/../up.py\n", "+++ b/../up.py\n",
    "@@ -1,2 +1,2 @@\n", "-    return a - b\n", "+    return a + b\n", " def add(a, b):\n",
    "    assert add(1, 2) == 3\n", "@pytest.mark.skip\n", "import os\n",
])
YAML_PIECES = st.sampled_from([
    "model: m\n", "max_attempts: 3\n", "max_attempts: 0\n", "candidates: 99\n",
    "setup: ['a', 'b']\n", "setup: x\n", "docker:\n  cpus: 0\n", "docker:\n  pids: 8\n",
    "timeouts:\n  tests: -1\n", "a: &a [1, 2]\nb: [*a, *a]\n", "!!python/object:os.system x\n",
    "reports: [1]\n", "sandbox: vm\n", "- list\n", "unknown: 1\n", "\t", ": :\n",
])


@FAST
@given(st.binary(max_size=4096))
def test_report_parser_on_random_bytes(data: bytes) -> None:
    targets.report(data)


@FAST
@given(st.lists(XML_PIECES, max_size=40))
def test_report_parser_on_report_shaped_text(pieces: list[str]) -> None:
    targets.report("".join(pieces).encode("utf-8", "surrogatepass"))


@FAST
@given(st.text(max_size=2000))
def test_traceback_parser_never_fails(text: str) -> None:
    targets.traceback(text.encode("utf-8", "surrogatepass"))


@FAST
@given(st.lists(EDIT_PIECES, max_size=30))
def test_edits_never_let_an_unsafe_path_through(pieces: list[str]) -> None:
    targets.edits("".join(pieces).encode())


@FAST
@given(st.lists(YAML_PIECES, max_size=8))
def test_config_loader_accepts_or_names_the_file(pieces: list[str]) -> None:
    targets.config("".join(pieces).encode())


def payloads() -> st.SearchStrategy[bytes]:
    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
    value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
    run = st.fixed_dictionaries({}, optional={
        "id": value, "conclusion": st.sampled_from(["failure", "success"]) | value,
        "head_branch": st.sampled_from(["main", "redfix/x", ""]) | value,
        "head_sha": st.sampled_from(["a" * 40, "--upload-pack=x", ""]) | value,
        "pull_requests": value})
    payload = st.fixed_dictionaries({"action": st.sampled_from(["completed", "created"])},
                                    optional={
        "installation": st.fixed_dictionaries({"id": st.integers() | value}) | value,
        "repository": st.fixed_dictionaries({"full_name": st.just("o/r") | value,
                                             "clone_url": st.just("http://x") | value}) | value,
        "workflow_run": run, "check_run": run})
    return payload.map(lambda p: json.dumps(p).encode())


@FAST
@given(st.sampled_from([b"workflow_run", b"check_run", b"installation", b"ping"]),
       payloads(), st.booleans())
def test_webhook_handler_refuses_or_routes(event: bytes, body: bytes, signed: bool) -> None:
    targets.webhook(bytes([1 if signed else 0]) + event + b" d-1\n" + body)


@FAST
@given(st.binary(max_size=2048))
def test_webhook_handler_on_random_bytes(data: bytes) -> None:
    targets.webhook(data)
