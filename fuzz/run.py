"""Run one fuzz target under atheris (libFuzzer) for a time budget, growing a corpus.

    .venv/bin/python fuzz/run.py report --seconds 600 --corpus fuzz/corpus/report

The corpus directory starts from fuzz/seeds/<target>/ (copied in when empty) and keeps
every input that reached new code. libFuzzer ends the process itself when the time is
up, so the fuzzing runs in a child process and this one reports afterwards, on one line:
target, seconds, executions, corpus files, and whether a crash was found (a crash also
leaves `crash-*` in --artifacts and makes the exit code non-zero).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parent / "seeds"
TARGET_NAMES = ("report", "traceback", "edits", "config", "webhook")
_EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def seed(corpus: Path, target: str) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if any(corpus.iterdir()):
        return
    for source in sorted((SEEDS / target).glob("*")):
        shutil.copy(source, corpus / source.name)


def fuzz_in_this_process(target_name: str, libfuzzer_args: list[str]) -> None:
    """The child: instrument redfix, then hand control to libFuzzer (it never returns)."""
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    sys.path.insert(0, str(ROOT))
    with atheris.instrument_imports(include=["bot", "fuzz"]):
        from fuzz.targets import TARGETS
    atheris.Setup([sys.argv[0], *libfuzzer_args], TARGETS[target_name])
    atheris.Fuzz()


def run(target: str, *, seconds: int, corpus: Path, artifacts: Path, max_len: int) -> int:
    seed(corpus, target)
    artifacts.mkdir(parents=True, exist_ok=True)
    libfuzzer = [str(corpus), f"-max_total_time={seconds}", f"-max_len={max_len}",
                 "-rss_limit_mb=2048", "-timeout=20", "-print_final_stats=1",
                 f"-artifact_prefix={artifacts}/"]
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, __file__, "--child", target, *libfuzzer],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    seconds_taken = time.monotonic() - started
    executed = _EXECUTED.search(child.stderr)
    files = sum(1 for _ in corpus.iterdir())
    crashes = sorted(path.name for path in artifacts.glob("crash-*"))
    print(f"fuzz {target}: {seconds_taken:.1f} s, "
          f"{executed.group(1) if executed else '?'} executions, corpus {files} files, "
          f"{'crash: ' + ', '.join(crashes) if crashes else 'no crash'}", flush=True)
    if child.returncode != 0 or crashes:
        sys.stderr.write(child.stderr[-8000:])
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--child"]:
        fuzz_in_this_process(arguments[1], arguments[2:])
        return 0
    parser = argparse.ArgumentParser(description="Fuzz one redfix parser with atheris.")
    parser.add_argument("target", choices=TARGET_NAMES)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--artifacts", type=Path, default=Path("fuzz-artifacts"))
    parser.add_argument("--max-len", type=int, default=65536)
    args = parser.parse_args(arguments)
    return run(args.target, seconds=args.seconds, corpus=args.corpus.resolve(),
               artifacts=args.artifacts.resolve(), max_len=args.max_len)


if __name__ == "__main__":
    sys.exit(main())
