"""`run_suite`: every selected task through redfix (and the naive baseline), then the reports.

Per task: a fresh git repository in a temporary directory, a check that it can be
scored (qualify), the real pipeline, the hidden tests on the patched copy, all in
one sandbox (the local one unless the caller passes another runner). Each
run is written to runs/<mode>/<task>.json as soon as it ends, so a long run can
be followed and resumed (`resume=True` reuses the records already written).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from connectors.sandbox.local import LocalRunner

from bot.core.config import Settings
from bot.core.errors import UsageError
from bot.core.ports import AIServiceConnector, SandboxRunner
from bot.core.project_detect import PYTEST_COMMAND
from bot.evaluation.chart import write_chart
from bot.evaluation.metrics import Summary, summarize, summary_to_json
from bot.evaluation.naive import run_naive
from bot.evaluation.redfix_run import run_redfix
from bot.evaluation.report import RunInfo, markdown_report
from bot.evaluation.results import Mode, TaskRun, Verdict, run_from_json, run_to_json
from bot.evaluation.taskrepo import TaskRepo, materialize, qualify
from bot.evaluation.tasks import EvalTask, scoreable, select_tasks
from bot.stages.localize.traceback_localizer import Localizer, TracebackLocalizer
from bot.wiring.localizers import build_localizer
from bot.wiring.settings import resolve_settings

RUN_INFO = "run.json"
# redfix's own pytest plugins (schemathesis and hypothesis above all) are not the tasks' and
# cost about 3 s at every start: a task's tests run without them.
FOREIGN_PLUGINS = ("schemathesis", "hypothesispytest", "pytest_cov", "anyio", "pytest_httpserver")
LOCAL_TEST_COMMAND = (sys.executable, "-m", "pytest",
                      *(arg for name in FOREIGN_PLUGINS for arg in ("-p", f"no:{name}")))
EVAL_DEFAULTS: dict[str, Any] = {
    "sandbox": "local",
    "test_timeout_s": 60.0,  # the tests take well under a second; a hang should not cost more
}


@dataclass(frozen=True)
class EvalReport:
    runs: tuple[TaskRun, ...]
    summaries: tuple[Summary, ...]
    summary_path: Path
    markdown_path: Path
    chart_path: Path


@dataclass
class SuiteContext:
    connector: AIServiceConnector
    options: Mapping[str, Any]
    env: Mapping[str, str]
    runner: SandboxRunner
    out_dir: Path
    modes: tuple[Mode, ...]
    resume: bool
    on_run: Callable[[TaskRun], None] = field(default=lambda run: None)
    localizer: Localizer = field(default_factory=TracebackLocalizer)

    def record_path(self, task: EvalTask, mode: Mode) -> Path:
        return self.out_dir / "runs" / str(mode) / f"{task.slug}.json"


def eval_test_command(runner_kind: str) -> tuple[str, ...]:
    """The host's interpreter in the local sandbox; in a container the image's own, as `fix`
    runs it (its venv holds pytest and coverage only: no foreign plugins to turn off)."""
    return LOCAL_TEST_COMMAND if runner_kind == "local" else PYTEST_COMMAND


def eval_settings(
    repo: Path, options: Mapping[str, Any], env: Mapping[str, str], *,
    test_args: Sequence[str] = (), runner_kind: str = "local",
) -> Settings:
    """The settings of a task run; `runner_kind` (the sandbox's) picks the test command."""
    defaults = {**EVAL_DEFAULTS, "test_command": eval_test_command(runner_kind)}
    merged = {**defaults, **{k: v for k, v in options.items() if v is not None}}
    merged["test_command"] = (*merged["test_command"], *test_args)
    return resolve_settings(repo, options=merged, env=env)


def _error_run(task: EvalTask, mode: Mode, exc: BaseException, *, seconds: float = 0.0) -> TaskRun:
    where = traceback.format_exception(exc)[-2].strip().splitlines()[0] if exc.__traceback__ else ""
    message = f"{type(exc).__name__}: {exc}".strip()
    cause = " ".join(message.split())[:160]  # the whole message is in the explanation
    return TaskRun(task.task_id, task.suite, mode, Verdict.ERROR, cause=cause,
                   explanation=f"{message}\n{where}"[-2000:], wall_seconds=seconds)


def _run_mode(mode: Mode, bench: TaskRepo, before: Any, settings: Settings,
              context: SuiteContext) -> TaskRun:
    connector = context.connector
    scratch = bench.repo.parent / f"hidden-{mode}"
    if mode is Mode.REDFIX:
        return run_redfix(bench, connector=connector, settings=settings, scratch=scratch,
                          localizer=context.localizer)
    return run_naive(bench, before, connector=connector, model=settings.model,
                     scratch=scratch, timeout_s=settings.model_timeout_s)


def evaluate_task(task: EvalTask, context: SuiteContext) -> list[TaskRun]:
    """The runs of every mode on one task (existing records reused when resuming)."""
    done = {m: _load(context.record_path(task, m)) for m in context.modes if context.resume}
    todo = [m for m in context.modes if done.get(m) is None]
    runs = [run for run in done.values() if run is not None]
    if not todo:
        return runs
    with tempfile.TemporaryDirectory(prefix=f"redfix-eval-{task.slug}-") as scratch:
        return runs + _evaluate_modes(task, todo, context, work=Path(scratch))


def _evaluate_modes(
    task: EvalTask, modes: Sequence[Mode], context: SuiteContext, *, work: Path
) -> list[TaskRun]:
    try:
        repo = materialize(task, work)
        options = {**context.options, "test_command": task.test_command or None}
        settings = eval_settings(repo, options, context.env, test_args=task.test_args,
                                 runner_kind=context.runner.kind)
        bench = TaskRepo(task, repo, context.runner, settings.test_command,
                         settings.test_timeout_s)
        qualification = qualify(bench)
    except Exception as exc:  # a broken task is a result, not the end of the run
        return [_finish(context, task, _error_run(task, m, exc)) for m in modes]
    runs = []
    for mode in modes:
        if qualification.excluded:
            run = TaskRun(task.task_id, task.suite, mode, Verdict.EXCLUDED,
                          cause=qualification.excluded)
        else:
            started = time.monotonic()
            try:
                run = _run_mode(mode, bench, qualification.failing, settings, context)
            except Exception as exc:  # recorded and counted as an error
                run = _error_run(task, mode, exc, seconds=time.monotonic() - started)
        runs.append(_finish(context, task, run))
    return runs


def _finish(context: SuiteContext, task: EvalTask, run: TaskRun) -> TaskRun:
    path = context.record_path(task, run.mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run_to_json(run), indent=2) + "\n")
    context.on_run(run)
    return run


def _load(path: Path) -> TaskRun | None:
    if not path.is_file():
        return None
    run = run_from_json(json.loads(path.read_text()), source=str(path))
    return None if run.verdict is Verdict.ERROR else run  # a broken run is tried again


def selection_text(
    selected: int, total: int, *, limit: int | None, seed: int | None, left_out: int = 0
) -> str:
    kind = "scoreable tasks" if left_out else "tasks"
    if limit is None or limit >= total:
        text = f"all {total} {kind}"
    elif seed is None:
        text = f"the first {selected} of {total} {kind}"
    else:
        text = f"{selected} of {total} {kind} drawn with seed {seed}"
    return text + (f" ({left_out} the suite excludes left out)" if left_out else "")


def settings_text(settings: Settings, *, sandbox: str, localizer: str) -> str:
    testgen = "on" if settings.regression_test else "off"
    return (f"max_attempts {settings.max_attempts}, candidates {settings.candidates}, "
            f"reruns {settings.reruns}, regression test {testgen}, {localizer} localizer, "
            f"{sandbox} sandbox, test timeout {settings.test_timeout_s:g} s")


def run_suite(
    tasks: Sequence[EvalTask],
    *,
    connector: AIServiceConnector,
    settings_options: Mapping[str, Any],
    jobs: int = 1,
    seed: int | None = None,
    limit: int | None = None,
    scoreable_only: bool = False,
    out_dir: Path,
    baseline: bool = False,
    redfix: bool = True,
    env: Mapping[str, str] | None = None,
    runner: SandboxRunner | None = None,
    resume: bool = False,
    on_run: Callable[[TaskRun], None] | None = None,
) -> EvalReport:
    """Run the selected tasks (`jobs` at a time) and write the JSON, Markdown and PNG reports.

    With `scoreable_only`, tasks the suite already knows it cannot score are left out
    before the draw, so `limit` tasks are all scored (the selection text says so).
    """
    drawn_from = scoreable(tasks) if scoreable_only else list(tasks)
    selected = select_tasks(drawn_from, limit=limit, seed=seed)
    modes = tuple(m for m, on in ((Mode.REDFIX, redfix), (Mode.BASELINE, baseline)) if on)
    out_dir.mkdir(parents=True, exist_ok=True)
    runner = runner or LocalRunner()
    settings = eval_settings(out_dir, settings_options, env or {}, runner_kind=runner.kind)
    connector.ensure_model(settings.model)
    context = SuiteContext(connector, settings_options, env or {}, runner, out_dir, modes,
                           resume)
    # The product's choice (hybrid, unless a partial install lacks its packages); its index lives
    # with the results, one collection per task repository.
    context.localizer = build_localizer(settings.localizer, data_dir=out_dir / "knowledge",
                                        chroma_url=None)
    info = RunInfo(
        suite=selected[0].suite if selected else "",
        model=settings.model,
        selection=selection_text(len(selected), len(drawn_from), limit=limit, seed=seed,
                                 left_out=len(tasks) - len(drawn_from)),
        settings=settings_text(settings, sandbox=runner.kind,
                               localizer=localizer_name(context.localizer)),
    )
    write_run_info(out_dir, info, modes=modes, attempts=settings.max_attempts, tasks=selected)
    if on_run is not None:
        context.on_run = on_run
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        per_task = list(pool.map(lambda task: evaluate_task(task, context), selected))
    order = {mode: index for index, mode in enumerate(modes)}
    runs = tuple(sorted((r for rs in per_task for r in rs), key=lambda r: order[r.mode]))
    return write_reports(runs, info=info, out_dir=out_dir,
                         attempts=settings.max_attempts, modes=modes)


def localizer_name(localizer: Localizer) -> str:
    return "traceback" if isinstance(localizer, TracebackLocalizer) else "hybrid"


def write_run_info(
    out_dir: Path, info: RunInfo, *, modes: Sequence[Mode], attempts: int,
    tasks: Sequence[EvalTask],
) -> None:
    """run.json: what was asked, so `--report-only` can rebuild the reports later."""
    (out_dir / RUN_INFO).write_text(json.dumps({
        **asdict(info), "modes": [str(m) for m in modes], "attempts": attempts,
        "tasks": [task.task_id for task in tasks]}, indent=2) + "\n")


def write_reports(
    runs: Sequence[TaskRun], *, info: RunInfo, out_dir: Path, attempts: int,
    modes: Sequence[Mode],
) -> EvalReport:
    """summary.json, report.md and chart.png in `out_dir`, from the task runs."""
    summaries = tuple(summarize(runs, mode=m, attempts=attempts) for m in modes)
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps({
        "suite": info.suite,
        "model": info.model,
        "selection": info.selection,
        "settings": info.settings,
        "tasks": list(dict.fromkeys(r.task_id for r in runs)),
        "summaries": {str(s.mode): summary_to_json(s) for s in summaries},
    }, indent=2) + "\n")
    markdown_path = out_dir / "report.md"
    markdown_path.write_text(markdown_report(info, summaries, runs))
    chart_path = out_dir / "chart.png"
    write_chart(summaries, runs, chart_path)
    return EvalReport(tuple(runs), summaries, summary_path, markdown_path, chart_path)


def rebuild_reports(out_dir: Path) -> EvalReport:
    """The reports again from the records in `out_dir` (a finished or a running evaluation)."""
    try:
        meta = json.loads((out_dir / RUN_INFO).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{out_dir}: no readable {RUN_INFO}; is it an eval output?") from exc
    modes = [Mode(m) for m in meta["modes"]]
    runs = [
        run_from_json(json.loads(path.read_text()), source=str(path))
        for mode in modes
        for path in sorted((out_dir / "runs" / str(mode)).glob("*.json"))
    ]
    wanted = set(meta["tasks"])
    runs = [run for run in runs if run.task_id in wanted]
    info = RunInfo(**{k: meta[k] for k in ("suite", "model", "selection", "settings")})
    if len({r.task_id for r in runs}) < len(wanted):
        info = replace(info, selection=f"{info.selection} ({len({r.task_id for r in runs})} "
                                       "done so far)")
    return write_reports(runs, info=info, out_dir=out_dir, attempts=meta["attempts"], modes=modes)
