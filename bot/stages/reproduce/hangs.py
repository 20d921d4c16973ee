"""A test that never ends, named: pytest's faulthandler dump read back as a failing case.

A run that the sandbox had to stop writes no report. pytest, told to via
`faulthandler_timeout`, prints every thread's stack once a test has run that long; the
last such dump in a stopped run's output says which test hung and on which line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.core.results import Frame, Outcome, TestCase
from bot.stages.ingest.tracebacks import frames_in_repo

# Not anchored: under -q pytest prints it right after the progress dots.
_DUMP_HEADER = re.compile(r"Timeout \((?P<after>[^)]*)\)!\s*$", re.MULTILINE)
_DUMP_FRAME = re.compile(r'^\s+File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)\s*$')


def hang_after_s(timeout_s: float) -> int:
    """When pytest dumps the stacks of a test that is still running: a quarter of the
    run's limit, so a test that starts late in the run is still named before the stop."""
    return max(1, int(timeout_s // 4))


def find_hang(output: str, repo: Path, *, timeout_s: float) -> TestCase | None:
    """The test named by the last stack dump in `output`, as a failing case, or None when
    no dump names a test function of the repository (a hang in a fixture, or no dump)."""
    headers = list(_DUMP_HEADER.finditer(output))
    if not headers:
        return None
    dump = output[headers[-1].end() :]
    for stack in _thread_stacks(dump):
        in_repo = frames_in_repo(stack, repo)
        if in_repo:
            hang = _hang_of(in_repo, repo, after=headers[-1]["after"], timeout_s=timeout_s)
            if hang is not None:
                return hang
    return None


def _thread_stacks(dump: str) -> list[tuple[Frame, ...]]:
    """Each thread's frames, outermost first (the dump prints the innermost first)."""
    stacks: list[list[Frame]] = []
    reading = False
    for line in dump.splitlines():
        match = _DUMP_FRAME.match(line)
        if match:
            if not reading:
                stacks.append([])
            stacks[-1].append(Frame(match["path"], int(match["line"]), match["func"]))
            reading = True
        elif reading and line.strip() and not line.startswith(" "):
            reading = False
            if not line.startswith(("Thread ", "Current thread ")):
                break  # the dump is over; pytest's own output follows
    return [tuple(reversed(stack)) for stack in stacks]


def _hang_of(
    frames: tuple[Frame, ...], repo: Path, *, after: str, timeout_s: float
) -> TestCase | None:
    """The outermost repository frame is the test function pytest called."""
    test = frames[0]
    scope = _enclosing_scope(repo / test.path, test.line)
    if not scope or not scope[-1].startswith("test"):
        return None
    stuck = frames[-1]
    module = test.path.removesuffix(".py").replace("/", ".")
    return TestCase(
        classname=".".join([module, *scope[:-1]]),
        name=scope[-1],
        outcome=Outcome.FAILED,
        file=test.path,
        line=test.line,
        message=(
            f"did not finish: still running after {after} and stopped at the {timeout_s:g} s "
            f"limit; it was at {stuck.path}:{stuck.line} in {stuck.function}"
        ),
        traceback=_traceback(frames, timeout_s=timeout_s),
    )


def _enclosing_scope(path: Path, line: int) -> list[str]:
    """The classes and function around `line`, outermost first; empty when unreadable."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    scope: list[str] = []
    body: list[ast.stmt] = tree.body
    while (inner := _definition_at(body, line)) is not None:
        scope.append(inner.name)
        if not isinstance(inner, ast.ClassDef):
            break
        body = inner.body
    return scope


def _definition_at(
    body: list[ast.stmt], line: int
) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
    for node in body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            return node
    return None


def _traceback(frames: tuple[Frame, ...], *, timeout_s: float) -> str:
    lines = ["Traceback (most recent call last):"]
    lines += [f'  File "{f.path}", line {f.line}, in {f.function}' for f in frames]
    lines.append(f"Timeout: the test was still running when the run was stopped at {timeout_s:g} s")
    return "\n".join(lines)
