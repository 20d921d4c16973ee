from bot.core.results import Outcome, TestCase, TestReport
from bot.stages.regression_test.testgen import (
    GeneratedTest,
    add_to_file,
    duplicated_test,
    extract_test,
    fails_for_the_right_reason,
    nondeterminism,
    passes_every_run,
    unique_name,
)

ANSWER = '''Here is the test.

```python
from shop.cart import total

def test_total_counts_every_item():
    assert total([1, 2, 3]) == 6
```
'''


def report(name: str, outcome: Outcome, message: str = "") -> TestReport:
    return TestReport("r", (TestCase("tests.test_cart", name, outcome, message=message),))


def test_extracts_function_and_imports():
    test = extract_test(ANSWER)
    assert isinstance(test, GeneratedTest)
    assert test.name == "test_total_counts_every_item"
    assert test.imports == ("from shop.cart import total",)
    assert test.function.startswith("def test_total_counts_every_item():")


def test_unreadable_answers_say_why():
    assert "no ```python block" in str(extract_test("I cannot help"))
    assert "does not parse" in str(extract_test("```python\ndef test_x(:\n```"))


def test_appended_with_missing_imports_and_a_free_name():
    existing = (
        "import pytest\nfrom shop.cart import total\n\n\n"
        "def test_total_counts_every_item():\n    pass\n"
    )
    test = extract_test(ANSWER)
    assert isinstance(test, GeneratedTest)
    name = unique_name(test.name, existing)
    assert name == "test_total_counts_every_item_2"
    content = add_to_file(existing, test, name=name)
    assert content.count("from shop.cart import total") == 1
    assert "def test_total_counts_every_item_2():\n    assert total([1, 2, 3]) == 6" in content
    compile(content, "t.py", "exec")


def test_new_imports_go_after_the_docstring_and_the_files_imports():
    existing = '"""Tests of the cart."""\n\nimport requests\nfrom shop.cart import total\n\n\n' \
        "def test_one():\n    assert total([1]) == 1\n"
    test = GeneratedTest("test_two", ("import re", "from shop.cart import total"),
                         "def test_two():\n    assert re.match('a', 'a') and total([]) == 0\n")
    content = add_to_file(existing, test, name="test_two")
    lines = content.splitlines()
    assert lines[:5] == ['"""Tests of the cart."""', "", "import requests",
                         "from shop.cart import total", "import re"], (
        "`import re` is missing although `import requests` contains its text")
    assert content.count("from shop.cart import total") == 1
    compile(content, "t.py", "exec")


def test_a_copy_of_an_existing_test_is_found_whatever_its_name_and_message():
    existing = ('def test_example_2():\n'
                '    assert is_bored("The sky is blue. I love it") == 1, "Test 3"\n')
    copy = GeneratedTest("test_example_2_regression", (),
                         "def test_example_2_regression():\n"
                         "    assert is_bored('The sky is blue. I love it') == 1\n")
    new = GeneratedTest("test_it_is_not_i", (),
                        "def test_it_is_not_i():\n    assert is_bored('It is. Is it?') == 0\n")
    assert duplicated_test(copy, existing) == "test_example_2"
    assert duplicated_test(new, existing) is None


def test_nondeterminism_is_found():
    def problems(body: str, imports: tuple[str, ...] = ()) -> list[str]:
        return nondeterminism(GeneratedTest("test_x", imports, f"def test_x():\n{body}"))

    assert problems("    assert 1") == []
    assert problems("    assert time.time() > 0", ("import time",)) == [
        "depends on the clock or entropy (time.time)"]
    assert problems("    assert random.random() < 2", ("import random",)) == [
        "uses randomness without a seed"]
    assert problems("    random.seed(1)\n    assert random.random() < 2", ("import random",)) == []
    assert problems("    assert requests.get('http://x')", ("import requests",)) == [
        "uses the network (requests)"]
    assert "datetime.now" in problems("    assert datetime.now()")[0]


def test_must_fail_before_for_the_right_reason():
    assert fails_for_the_right_reason(report("test_x", Outcome.FAILED, "assert 5 == 6"),
                                      "test_x") is None
    assert "also passes" in str(fails_for_the_right_reason(report("test_x", Outcome.PASSED),
                                                           "test_x"))
    wrong = report("test_x", Outcome.FAILED, "ImportError: cannot import name 'totl'")
    assert "wrong reason (ImportError)" in str(fails_for_the_right_reason(wrong, "test_x"))
    assert "did not run" in str(fails_for_the_right_reason(None, "test_x"))
    collection = report("tests.test_cart", Outcome.ERROR, "ImportError while importing module")
    assert "wrong reason (ImportError)" in str(fails_for_the_right_reason(collection, "test_x"))


def test_must_pass_every_rerun():
    good = [report("test_x", Outcome.PASSED)] * 5
    assert passes_every_run(good, "test_x") is None
    flaky = [*good[:3], report("test_x", Outcome.FAILED), good[0]]
    assert "run 4 of 5 was failed: it is flaky" in str(passes_every_run(flaky, "test_x"))
    always = [report("test_x", Outcome.FAILED)] * 5
    reason = str(passes_every_run(always, "test_x"))
    assert "fails on the fixed code too (failed in all 5 runs)" in reason
    assert "flaky" not in reason, "a test that never passes is not flaky"
