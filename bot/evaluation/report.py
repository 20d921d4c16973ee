"""The Markdown report: redfix and the naive baseline side by side, then causes and tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.evaluation.metrics import Summary
from bot.evaluation.results import Mode, TaskRun, Verdict

TITLES = {Mode.REDFIX: "redfix", Mode.BASELINE: "naive baseline"}
VERDICT_ROWS = (
    (Verdict.FIXED, "**fixed** (validated, hidden tests pass)"),
    (Verdict.FALSE_FIX, "**false fix** (claimed fixed, hidden tests fail)"),
    (Verdict.NO_FIX, "no fix"),
    (Verdict.FLAKY, "flaky / not reproducible"),
    (Verdict.ERROR, "error (run broke)"),
)
MEAN_ROWS = (
    ("rounds", "attempts (rounds) used", "{:.2f}"),
    ("candidates", "candidates tried", "{:.2f}"),
    ("model_calls", "model calls", "{:.2f}"),
    ("prompt_tokens", "prompt tokens", "{:.0f}"),
    ("completion_tokens", "completion tokens", "{:.0f}"),
    ("model_seconds", "model time (s)", "{:.1f}"),
    ("test_seconds", "test time (s)", "{:.1f}"),
    ("overhead_seconds", "overhead: neither model nor tests (s)", "{:.2f}"),
    ("wall_seconds", "time per task (s)", "{:.1f}"),
)


@dataclass(frozen=True)
class RunInfo:
    """What the reader needs to reproduce the run."""

    suite: str
    model: str
    selection: str  # e.g. "first 20 tasks" or "20 tasks drawn with seed 7"
    settings: str  # e.g. "max_attempts 3, candidates 3, local sandbox"


def percent(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f} %)" if whole else f"{part} (-)"


def cell(text: str, *, limit: int = 140) -> str:
    """Text that stays inside one table cell: one line, no pipes, not too long."""
    flat = " ".join(text.split()).replace("|", "/")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (
        len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(cell(text) for text in row) + " |" for row in rows]
    return lines


def kept_tests_cell(summary: Summary) -> str:
    """k of n, over the claimed fixes whose record tells (older records do not)."""
    if summary.mode is not Mode.REDFIX or not summary.tests_recorded:
        return "-"
    return f"{summary.kept_tests} of {summary.tests_recorded}"


def held_back_cell(summary: Summary) -> str:
    """Unconfirmed passes not published, and how many the hidden tests would have passed."""
    if summary.mode is not Mode.REDFIX:
        return "-"
    return f"{summary.held_back} ({summary.held_back_right} right)"


def headline_rows(summaries: Sequence[Summary]) -> list[list[str]]:
    rows = [["tasks selected / scored", *(f"{s.selected} / {s.scored}" for s in summaries)]]
    for verdict, label in VERDICT_ROWS:
        rows.append([label, *(percent(s.counts.get(str(verdict), 0), s.scored)
                              for s in summaries)])
    rows.append(["wrong fixes among claimed fixes",
                 *(f"{100 * s.wrong_fix_share:.1f} %" for s in summaries)])
    rows.append(["claimed fixes with a kept regression test",
                 *(kept_tests_cell(s) for s in summaries)])
    rows.append(["passes held back as unconfirmed (right by the hidden tests)",
                 *(held_back_cell(s) for s in summaries)])
    rows.append(["fix rate after attempt 1 / 2 / ...", *(
        " / ".join(f"{100 * r:.1f} %" for r in s.fix_rate_by_attempt) for s in summaries)])
    for name, label, form in MEAN_ROWS:
        rows.append([f"mean {label}", *(form.format(s.means[name]) for s in summaries)])
    return rows


def _count_rows(
    summaries: Sequence[Summary], counts: Mapping[Mode, Mapping[str, int]]
) -> list[list[str]]:
    keys = list(dict.fromkeys(k for s in summaries for k in counts[s.mode]))
    return [[key, *(str(counts[s.mode].get(key, 0)) for s in summaries)] for key in keys]


def task_rows(runs: Sequence[TaskRun], modes: Sequence[Mode]) -> list[list[str]]:
    by_task: dict[str, dict[Mode, TaskRun]] = {}
    for run in runs:
        by_task.setdefault(run.task_id, {})[run.mode] = run
    rows = []
    for task_id, mine in by_task.items():
        row = [task_id]
        for mode in modes:
            if mode not in mine:
                row += ["-", "", ""]
                continue
            run = mine[mode]
            verdict = str(run.verdict) + (f": {run.cause}" if run.cause else "")
            attempt = str(run.fixed_at_attempt or "") if run.accepted else ""
            row += [verdict, attempt, f"{run.wall_seconds:.0f}" if run.scored else ""]
        rows.append(row)
    return rows


def overlap_rows(runs: Sequence[TaskRun]) -> list[list[str]]:
    """On the tasks both modes scored: fixed by both, by one only, by neither."""
    fixed: dict[Mode, set[str]] = {mode: set() for mode in Mode}
    scored: dict[Mode, set[str]] = {mode: set() for mode in Mode}
    for run in runs:
        if run.scored:
            scored[run.mode].add(run.task_id)
        if run.verdict is Verdict.FIXED:
            fixed[run.mode].add(run.task_id)
    both = scored[Mode.REDFIX] & scored[Mode.BASELINE]
    mine, theirs = fixed[Mode.REDFIX] & both, fixed[Mode.BASELINE] & both
    groups = (("fixed by both", mine & theirs), ("fixed by redfix only", mine - theirs),
              ("fixed by the naive baseline only", theirs - mine),
              ("fixed by neither", both - mine - theirs))
    return [[label, str(len(tasks)), ", ".join(sorted(tasks, key=_task_order))]
            for label, tasks in groups]


def _task_order(task_id: str) -> tuple[str, int]:
    prefix, _, number = task_id.rpartition("/")
    return (prefix, int(number)) if number.isdigit() else (task_id, 0)


def markdown_report(info: RunInfo, summaries: Sequence[Summary], runs: Sequence[TaskRun]) -> str:
    modes = [s.mode for s in summaries]
    titles = [TITLES[m] for m in modes]
    lines = [
        f"# redfix eval: {info.suite}",
        "",
        f"Model `{info.model}`; {info.selection}; {info.settings}.",
        "Rates are over the scored tasks; excluded tasks are in no denominator.",
        "",
        *_table(["measure", *titles], headline_rows(summaries)),
        "",
        *(["## Task by task: redfix against the naive baseline", "",
           *_table(["tasks", "count", "which"], overlap_rows(runs)), ""]
          if len(modes) == 2 else []),
        "## Why tasks were not fixed (false fixes included)",
        "",
        *_table(["cause", *titles], _count_rows(summaries, {s.mode: s.causes for s in summaries})),
        "",
        "## Status of every candidate",
        "",
        *_table(["status", *titles],
                _count_rows(summaries, {s.mode: s.attempt_statuses for s in summaries})),
        "",
        "## Excluded tasks",
        "",
        *_table(["reason", "tasks"], [[k, str(v)] for k, v in summaries[0].excluded_reasons.items()]
                if summaries else []),
        "",
        "## Per task",
        "",
        *_table(["task", *(f"{t} {c}" for t in titles for c in ("verdict", "attempt", "s"))],
                task_rows(runs, modes)),
    ]
    return "\n".join(lines) + "\n"
