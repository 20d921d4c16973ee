"""How fast, and in how much memory, redfix reads a big JUnit report.

Writes a synthetic report (default ~50 MB: many passing cases, some failing with
long pytest tracebacks, a few with huge captured output) to a temp dir, parses it
(timed, best of --repeat since the machine is shared; then once under tracemalloc)
and prints a table.

    .venv/bin/python bench/bench_ingest.py [--megabytes 50] [--repeat 3]

Targets (from the ingest brief): under 2 s and under 400 MB peak for 50 MB.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.stages.ingest.junit import parse_report_file

_TRACEBACK_FRAME = """\
/home/runner/work/shop/shop/src/shop/pricing/engine_{n}.py:{line}: in apply_discounts
    total = self._apply(rule, basket, customer=customer, when=now)
"""
_TRACEBACK_TAIL = """\
    def test_discount_{n}(basket):
>       assert engine.total(basket) == Decimal("{n}.00")
E       AssertionError: assert Decimal('{m}.00') == Decimal('{n}.00')
E        +  where Decimal('{m}.00') = <bound method total of <Engine 0x7f3a{n:08x}>>(basket)

tests/test_pricing.py:{line}: AssertionError"""


def write_report(path: Path, *, target_bytes: int) -> tuple[int, int]:
    """Stream a report of about `target_bytes` to `path`; return (cases, failures)."""
    cases = failures = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n')
        while out.tell() < target_bytes:
            suite = cases // 1000
            out.write(f'<testsuite name="pytest-{suite}" tests="1000">\n')
            for _ in range(1000):
                failing = cases % 20 == 7
                out.write(_case_xml(cases, failing=failing))
                cases += 1
                failures += failing
            out.write("<system-out>suite finished</system-out>\n</testsuite>\n")
        out.write("</testsuites>\n")
    return cases, failures


def _case_xml(n: int, *, failing: bool) -> str:
    head = (
        f'<testcase classname="tests.test_pricing.TestDiscounts{n % 97}" '
        f'name="test_discount_{n}[case-{n}]" file="tests/test_pricing.py" '
        f'line="{n % 900 + 1}" time="0.{n % 1000:03d}">'
    )
    body = ""
    if failing:
        frames = "".join(_TRACEBACK_FRAME.format(n=i, line=i * 7 + 3) for i in range(25))
        trace = frames + _TRACEBACK_TAIL.format(n=n, m=n + 1, line=n % 900 + 3)
        message = f"AssertionError: assert Decimal('{n + 1}.00') == Decimal('{n}.00')"
        body += f"<failure message={quoteattr(message)}>{escape(trace)}</failure>"
    if n % 500 == 3:  # a few cases capture megabytes of log output
        log = "".join(
            f"DEBUG shop.pricing: step {i} of {n} \x1b[32mok\x1b[0m\n" for i in range(8000)
        )
        body += f"<system-out>{escape(log)}</system-out>"
    elif n % 3 == 0:
        body += f"<system-out>{escape(f'captured stdout of case {n}')}</system-out>"
    return f"{head}{body}</testcase>\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3, help="timed parses; the best counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redfix-bench-") as tmp:
        path = Path(tmp) / "report.xml"
        written_cases, written_failures = write_report(
            path, target_bytes=int(args.megabytes * 1024 * 1024)
        )
        size_mb = path.stat().st_size / (1024 * 1024)
        rss_before = _max_rss_mb()
        gc.collect()
        seconds = cpu_seconds = float("inf")
        for _ in range(args.repeat):  # best of N: the machine is shared
            started, cpu_started = time.perf_counter(), time.process_time()
            report = parse_report_file(path)
            seconds = min(seconds, time.perf_counter() - started)
            cpu_seconds = min(cpu_seconds, time.process_time() - cpu_started)
            del report
        rss_after = _max_rss_mb()
        gc.collect()
        tracemalloc.start()
        report = parse_report_file(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert len(report.cases) == written_cases and len(report.failures) == written_failures
    rows = [
        ("report size (MB)", f"{size_mb:.1f}"),
        ("cases", f"{len(report.cases)}"),
        ("failures", f"{len(report.failures)}"),
        (f"parse seconds, wall (best of {args.repeat})", f"{seconds:.2f}"),
        (f"parse seconds, CPU (best of {args.repeat})", f"{cpu_seconds:.2f}"),
        ("peak traced Python memory (MB)", f"{peak / (1024 * 1024):.0f}"),
        ("process max RSS before parse (MB)", f"{rss_before:.0f}"),
        ("process max RSS after parse (MB)", f"{rss_after:.0f}"),
        ("machine load average (1 min)", f"{os.getloadavg()[0]:.2f}"),
        ("targets", "< 2 s, < 400 MB"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
