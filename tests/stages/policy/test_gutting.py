"""The cheap check that sends back a candidate gutting a long function."""

from __future__ import annotations

from bot.stages.policy.gutting import LONG_FUNCTION_LINES, function_lengths, gutted_functions


def long_function(name: str = "render", lines: int = 30, indent: str = "") -> str:
    body = "".join(f"{indent}    total += {i}\n" for i in range(lines - 3))
    return f"{indent}def {name}(rows):\n{indent}    total = 0\n{body}{indent}    return total\n"


MODULE = "import os\n\n\n" + long_function() + "\n\ndef short(x):\n    return x\n"


def test_lengths_are_counted_per_function_and_method() -> None:
    source = MODULE + "\n\nclass Report:\n" + long_function("build", 22, indent="    ")
    assert function_lengths(source) == {"render": 30, "short": 2, "Report.build": 22}
    assert function_lengths("def broken(:\n") is None


def test_cutting_a_long_function_to_a_few_lines_is_refused_with_the_reason() -> None:
    gutted = MODULE.replace(long_function(), "def render(rows):\n    return sum(rows)\n")
    (reason,) = gutted_functions({"pkg/report.py": MODULE}, {"pkg/report.py": gutted})
    assert "pkg/report.py: the change cuts render from 30 lines to 2" in reason
    assert "keep the rest of the function" in reason


def test_removing_a_long_function_is_refused() -> None:
    removed = MODULE.replace(long_function(), "")
    (reason,) = gutted_functions({"pkg/report.py": MODULE}, {"pkg/report.py": removed})
    assert "removes render" in reason


def test_a_one_line_fix_a_short_function_rewrite_and_new_code_pass() -> None:
    one_line = MODULE.replace("total += 5\n", "total += 6\n")
    short_rewrite = MODULE.replace("    return x\n", "    if x:\n        return 0\n    return x\n")
    assert gutted_functions({"a.py": MODULE}, {"a.py": one_line}) == []
    assert gutted_functions({"a.py": MODULE}, {"a.py": short_rewrite}) == []
    assert gutted_functions({"new.py": None}, {"new.py": "def f():\n    pass\n"}) == []


def test_the_thresholds_are_at_their_edges() -> None:
    keeps_twelve = MODULE.replace(long_function(), long_function(lines=12))
    keeps_eleven = MODULE.replace(long_function(), long_function(lines=11))
    assert gutted_functions({"a.py": MODULE}, {"a.py": keeps_twelve}) == [], "40 % kept"
    assert gutted_functions({"a.py": MODULE}, {"a.py": keeps_eleven}) != []
    just_short = long_function(lines=LONG_FUNCTION_LINES - 1)
    assert gutted_functions({"a.py": just_short}, {"a.py": "def render(rows):\n    return 0\n"}) \
        == [], "a function under the threshold may be rewritten"


def test_tests_and_unparsable_results_are_left_to_the_other_checks() -> None:
    gutted = MODULE.replace(long_function(), "def render(rows):\n    return 0\n")
    assert gutted_functions({"tests/test_report.py": MODULE},
                            {"tests/test_report.py": gutted}) == []
    assert gutted_functions({"a.py": MODULE}, {"a.py": "def render(:\n"}) == []
