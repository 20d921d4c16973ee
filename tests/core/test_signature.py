"""bot.core.signature: one failure, one signature, whichever run or machine reported it."""

from __future__ import annotations

import pytest

from bot.core.signature import (
    exception_type,
    failure_signature,
    normalise_message,
    normalise_trace,
    strip_ansi,
)

CI_TRACE = """\
self = <tests.test_cart.TestCart object at 0x7f2c1a0b5e50>
tmp_path = PosixPath('/tmp/pytest-of-runner/pytest-3/test_total0')

    def test_total(self, tmp_path):
>       assert cart.total() == Decimal("85.00")

/home/runner/work/shop/shop/tests/test_cart.py:26:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
/home/runner/work/shop/shop/src/shop/pricing.py:18: in apply
    rate = _discount_rate(coupon, request_id="6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b")
E   AssertionError: assert Decimal('90.00') == Decimal('85.00')

/home/runner/work/shop/shop/src/shop/pricing.py:9: AssertionError"""

LAPTOP_TRACE = """\
self = <tests.test_cart.TestCart object at 0x10b3c4d90>
tmp_path = PosixPath('/private/var/folders/x7/k2j3h4/T/pytest-of-ada/pytest-17/test_total0')

    def test_total(self, tmp_path):
>       assert cart.total() == Decimal("85.00")

/Users/ada/src/shop/tests/test_cart.py:27:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
/Users/ada/src/shop/src/shop/pricing.py:21: in apply
    rate = _discount_rate(coupon, request_id="0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d")
E   AssertionError: assert Decimal('90.00') == Decimal('85.00')

/Users/ada/src/shop/src/shop/pricing.py:12: AssertionError"""

MESSAGE = "AssertionError: assert Decimal('90.00') == Decimal('85.00')"


def _signature(**overrides: str) -> str:
    values = {
        "kind": "failure",
        "message": MESSAGE,
        "traceback": CI_TRACE,
        "classname": "tests.test_cart.TestCart",
        "name": "test_total",
    }
    values.update(overrides)
    return failure_signature(**values)


def test_signature_is_short_hex() -> None:
    signature = _signature()
    assert len(signature) == 16
    int(signature, 16)


def test_same_failure_on_another_machine_and_run_has_the_same_signature() -> None:
    assert _signature(traceback=LAPTOP_TRACE) == _signature(traceback=CI_TRACE)


def test_colour_codes_and_line_endings_do_not_change_the_signature() -> None:
    coloured = "\x1b[31m" + MESSAGE + "\x1b[0m"
    crlf = CI_TRACE.replace("\n", "\r\n")
    assert _signature(message=coloured, traceback=crlf) == _signature()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "TimeoutError: request 3f2a9c1e-0b4d-4e5f-8a7b-1c2d3e4f5a6b timed out after 1.52s",
            "TimeoutError: request 77aa11bb-0b4d-4e5f-8a7b-99cc88dd77ee timed out after 0.98s",
        ),
        (
            "AssertionError: job finished at 2025-03-14T09:12:44.183+00:00 (12:01:07)",
            "AssertionError: job finished at 2025-06-01T23:59:01Z (23:59:01)",
        ),
        (
            "Failed: 3 passed, 1 failed in 0.53s (attempt 2 of 3, pid 4242)",
            "Failed: 7 passed, 1 failed in 12.10s (attempt 1 of 3, pid 77)",
        ),
        (
            "FileNotFoundError: /tmp/pytest-of-x/pytest-3/data0/in.csv",
            "FileNotFoundError: /tmp/pytest-of-y/pytest-99/data0/in.csv",
        ),
        (
            r"IOError: C:\Users\ada\AppData\Local\Temp\tmpa1b2c3\in.csv locked",
            r"IOError: C:\Users\bob\AppData\Local\Temp\tmpzz9\in.csv locked",
        ),
        (
            "Error: boom at <Object at 0x7f3a9c0d1e20> (/home/runner/work/app/app/src/x.js:10:5)",
            "Error: boom at <Object at 0x55d1e2f3a4b0> (/work/src/x.js:12:7)",
        ),
    ],
)
def test_message_details_that_vary_between_runs_are_ignored(first: str, second: str) -> None:
    assert normalise_message(first) == normalise_message(second)
    assert _signature(message=first) == _signature(message=second)


def test_compared_values_in_the_message_still_count() -> None:
    other = "AssertionError: assert Decimal('70.00') == Decimal('85.00')"
    assert _signature(message=other) != _signature()


def test_a_different_exception_type_gives_a_different_signature() -> None:
    other_trace = CI_TRACE.replace("AssertionError", "TypeError")
    other_message = MESSAGE.replace("AssertionError", "TypeError")
    assert _signature(message=other_message, traceback=other_trace) != _signature()


def test_a_different_test_gives_a_different_signature() -> None:
    assert _signature(name="test_total_with_vat") != _signature()
    assert _signature(classname="tests.test_cart.TestBasket") != _signature()


def test_failure_and_error_of_the_same_text_differ() -> None:
    assert _signature(kind="error") != _signature(kind="failure")


def test_a_failure_in_a_different_function_gives_a_different_signature() -> None:
    moved = CI_TRACE.replace("in apply", "in apply_coupon")
    assert _signature(traceback=moved) != _signature()


def test_trace_normalisation_keeps_file_names_and_drops_locations() -> None:
    normalised = normalise_trace(CI_TRACE)
    assert "/pricing.py:0: in apply" in normalised
    assert "/home/runner" not in normalised
    assert "0x<addr>" in normalised
    assert "<uuid>" in normalised
    assert normalise_trace(CI_TRACE) == normalise_trace(LAPTOP_TRACE)


@pytest.mark.parametrize(
    ("message", "traceback", "expected"),
    [
        (MESSAGE, "", "AssertionError"),
        ("Failed", CI_TRACE, "AssertionError"),
        (
            "",
            "java.lang.NullPointerException: x\n\tat a.B.c(B.java:3)",
            "java.lang.NullPointerException",
        ),
        (
            "",
            "Traceback (most recent call last):\n  File 'x.py', line 1\nKeyError: 'a'",
            "KeyError",
        ),
        ("", "\tat a.B.c(B.java:3)\nCaused by: java.io.IOException: disk", "java.io.IOException"),
        ("thread 'main' panicked at src/lib.rs:10:5:", "", "panic"),
        ("Failed", "panic: runtime error: index out of range", "panic"),
        ("Error: Some error", "    at Object.throwError (lib/main.js:2:9)", "Error"),
        ("Failed", "    limiter_test.go:48: got 1 tokens, want 2", ""),
        ("expected true", "got false", ""),
    ],
)
def test_exception_type(message: str, traceback: str, expected: str) -> None:
    assert exception_type(message, traceback) == expected


def test_strip_ansi_removes_escapes_stand_ins_and_orphans() -> None:
    text = "\x1b[1;31mred\x1b[0m \u241b[32mgreen\u241b[39m [2mdim[22m \x1b]8;;http://x\x07link\x1b]8;;\x07"
    assert strip_ansi(text) == "red green dim link"
    assert strip_ansi("items[0] and arr[12]") == "items[0] and arr[12]"
