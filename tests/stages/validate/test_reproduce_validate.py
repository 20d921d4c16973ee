from bot.core.results import Outcome, RunOutcome, TestCase, TestReport
from bot.stages.reproduce.verdicts import classify_runs, confirmed
from bot.stages.validate.verdict import judge


def report(**outcomes: Outcome) -> TestReport:
    cases = tuple(TestCase("m", name, outcome) for name, outcome in outcomes.items())
    return TestReport("run", cases)


P, F, E = Outcome.PASSED, Outcome.FAILED, Outcome.ERROR
RUN = RunOutcome(exit_code=1, output="out", report_xml=b"", seconds=1.5, sandbox="local")


def test_classification_of_repeated_runs():
    runs = [report(a=F, b=F, c=P), report(a=F, b=P, c=P), report(a=E, b=F, c=P)]
    verdicts = classify_runs(["m::a", "m::b", "m::c"], runs)
    assert [str(v) for v in verdicts.values()] == ["confirmed", "flaky", "not-reproducible"]
    assert confirmed(verdicts) == ["m::a"]


def test_a_run_without_report_counts_as_not_passing():
    verdicts = classify_runs(["m::a"], [report(a=P), None])
    assert str(verdicts["m::a"]) == "flaky"


def test_validation_needs_targets_passing_and_no_regression():
    baseline = report(target=F, other=P, broken=F)
    good = judge(baseline=baseline, after=report(target=P, other=P, broken=F),
                 targets=["m::target"], run=RUN)
    assert good.passed and good.regressions == ()
    regressed = judge(baseline=baseline, after=report(target=P, other=F, broken=F),
                      targets=["m::target"], run=RUN)
    assert regressed.targets_pass and not regressed.passed
    assert [v.key for v in regressed.regressions] == ["m::other"]
    still = judge(baseline=baseline, after=report(target=F, other=P, broken=P),
                  targets=["m::target"], run=RUN)
    assert not still.targets_pass


def test_a_test_that_vanished_is_a_regression_and_no_report_fails():
    baseline = report(target=F, other=P)
    vanished = judge(baseline=baseline, after=report(target=P), targets=["m::target"], run=RUN)
    assert [v.key for v in vanished.regressions] == ["m::other"]
    crashed = judge(baseline=baseline, after=None, targets=["m::target"], run=RUN)
    assert not crashed.targets_pass


def test_a_rerun_that_passed_does_not_hide_a_failing_record():
    cases = (TestCase("m", "t", P), TestCase("m", "t", F), TestCase("m", "u", P))
    rerun = TestReport("run", cases)
    assert rerun.outcome_of("m::t") is F
    assert rerun.outcome_of("m::u") is P
    assert rerun.outcome_of("m::missing") is None
