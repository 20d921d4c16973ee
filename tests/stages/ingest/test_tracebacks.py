"""stages.ingest.tracebacks: frames out of failure text, outermost first, mapped into the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.results import Frame
from bot.stages.ingest.tracebacks import frames_in_repo, parse_frames

CPYTHON = """\
Traceback (most recent call last):
  File "/home/runner/work/shop/shop/tests/test_cart.py", line 12, in test_total
    assert cart.total() == 85
  File "/home/runner/work/shop/shop/src/shop/cart.py", line 41, in total
    return self._pricing.apply(self.items)
  File "/usr/lib/python3.11/decimal.py", line 300, in __mul__
ValueError: bad rate
"""

PYTEST_LONG = """\
    def test_total(cart):
>       assert cart.total() == 85

tests/test_cart.py:12:\x20
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
src/shop/cart.py:41: in total
    return self._pricing.apply(self.items)
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

items = []

    def apply(items):
>       return sum(items) / len(items)
E       ZeroDivisionError: division by zero

src/shop/pricing.py:9: ZeroDivisionError
"""

PYTEST_SHORT = """\
tests/test_cart.py:12: in test_total
    assert cart.total() == 85
src/shop/cart.py:41: in total
    return self._pricing.apply(self.items)
E   ZeroDivisionError: division by zero
"""

NODE = """\
TypeError: Cannot read properties of undefined (reading 'setItem')
    at Cart.save (/home/ci/web/src/cart.ts:42:24)
    at Cart.add (/home/ci/web/src/cart.ts:17:10)
    at Object.<anonymous> (/home/ci/web/src/__tests__/cart.test.ts:11:10)
    at new Promise (<anonymous>)
    at Promise.then.completed (/home/ci/web/node_modules/jest-circus/build/utils.js:298:28)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)
"""

JAVA = """\
java.lang.IllegalStateException: closed
\tat com.acme.billing.VatRules.rateFor(VatRules.java:23)
\tat com.acme.billing.InvoiceService$Builder.create(InvoiceService.java:61)
\tat com.acme.billing.InvoiceServiceTest.rejects(InvoiceServiceTest.java:57)
\tat java.base/java.lang.reflect.Method.invoke(Method.java:568)
\tat org.junit.Foo.bar(Unknown Source)
Caused by: java.io.IOException: disk full
\tat com.acme.billing.Store.write(Store.java:9)
\tat com.acme.billing.VatRules.load(VatRules.java:11)
"""

DOTNET = """\
   at Acme.Pricing.Discounts.Cap(Decimal amount) in /home/ci/p/src/Discounts.cs:line 33
   at Acme.Tests.DiscountTests.Caps(Int32 amount) in C:\\a\\s\\tests\\DiscountTests.cs:line 27
   at System.RuntimeMethodHandle.InvokeMethod(Object target, Void** arguments)
"""

GO_LOG = """\
=== RUN   TestRefill
    limiter_test.go:48: after 200ms: got 1 tokens, want 2
    limiter_test.go:52: refill rate drifted
--- FAIL: TestRefill (0.20s)
"""

GO_PANIC = """\
panic: runtime error: index out of range [3] with length 3

goroutine 7 [running]:
github.com/acme/ratelimit/store.(*LRU).evict(...)
\t/home/runner/work/ratelimit/ratelimit/store/lru.go:57
github.com/acme/ratelimit/store.TestEvict(0xc0000a0b60)
\t/home/runner/work/ratelimit/ratelimit/store/lru_test.go:21 +0x6e
"""

RUST = """\
thread 'parser::tests::rejects_trailing_comma' panicked at src/parser.rs:212:9:
assertion failed: result.is_err()
"""

RUST_OLD_WITH_BACKTRACE = """\
thread 'main' panicked at 'attempt to divide by zero', src/math.rs:4:5
stack backtrace:
   0: tinyjson::math::divide
             at ./src/math.rs:4:5
   1: tinyjson::tests::divides
             at ./src/lib.rs:20:9
"""

RUBY = """\
Failure/Error: expect(order.total).to eq(90.0)
./spec/models/order_spec.rb:17:in `block (3 levels) in <top (required)>'
./app/models/order.rb:12:in `total'
"""

PHP = """\
Failed asserting that two strings are identical.
/app/src/Slug.php:31
/app/tests/SlugTest.php:21
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CPYTHON,
            [
                Frame("/home/runner/work/shop/shop/tests/test_cart.py", 12, "test_total"),
                Frame("/home/runner/work/shop/shop/src/shop/cart.py", 41, "total"),
                Frame("/usr/lib/python3.11/decimal.py", 300, "__mul__"),
            ],
        ),
        (
            PYTEST_LONG,
            [
                Frame("tests/test_cart.py", 12, "test_total"),
                Frame("src/shop/cart.py", 41, "total"),
                Frame("src/shop/pricing.py", 9, "apply"),
            ],
        ),
        (
            PYTEST_SHORT,
            [Frame("tests/test_cart.py", 12, "test_total"), Frame("src/shop/cart.py", 41, "total")],
        ),
        (
            NODE,
            [
                Frame("node:internal/process/task_queues", 95, "processTicksAndRejections"),
                Frame(
                    "/home/ci/web/node_modules/jest-circus/build/utils.js",
                    298,
                    "Promise.then.completed",
                ),
                Frame("/home/ci/web/src/__tests__/cart.test.ts", 11, "Object.<anonymous>"),
                Frame("/home/ci/web/src/cart.ts", 17, "Cart.add"),
                Frame("/home/ci/web/src/cart.ts", 42, "Cart.save"),
            ],
        ),
        (
            JAVA,
            [
                Frame("java/lang/reflect/Method.java", 568, "invoke"),
                Frame("com/acme/billing/InvoiceServiceTest.java", 57, "rejects"),
                Frame("com/acme/billing/InvoiceService.java", 61, "create"),
                Frame("com/acme/billing/VatRules.java", 23, "rateFor"),
                Frame("com/acme/billing/VatRules.java", 11, "load"),
                Frame("com/acme/billing/Store.java", 9, "write"),
            ],
        ),
        (
            DOTNET,
            [
                Frame("C:\\a\\s\\tests\\DiscountTests.cs", 27, "Caps"),
                Frame("/home/ci/p/src/Discounts.cs", 33, "Cap"),
            ],
        ),
        (GO_LOG, [Frame("limiter_test.go", 48), Frame("limiter_test.go", 52)]),
        (
            GO_PANIC,
            [
                Frame("/home/runner/work/ratelimit/ratelimit/store/lru_test.go", 21, "TestEvict"),
                Frame("/home/runner/work/ratelimit/ratelimit/store/lru.go", 57, "evict"),
            ],
        ),
        (RUST, [Frame("src/parser.rs", 212)]),
        (
            RUST_OLD_WITH_BACKTRACE,
            [
                Frame("src/math.rs", 4),
                Frame("./src/lib.rs", 20, "divides"),
                Frame("./src/math.rs", 4, "divide"),
            ],
        ),
        (
            RUBY,
            [
                Frame("./app/models/order.rb", 12, "total"),
                Frame("./spec/models/order_spec.rb", 17, "block (3 levels) in <top (required)>"),
            ],
        ),
        (PHP, [Frame("/app/tests/SlugTest.php", 21), Frame("/app/src/Slug.php", 31)]),
        ("AssertionError: nothing here\n", []),
    ],
    ids=[
        "cpython",
        "pytest-long",
        "pytest-short",
        "node",
        "java",
        "dotnet",
        "go-log",
        "go-panic",
        "rust",
        "rust-backtrace",
        "ruby",
        "php",
        "none",
    ],
)
def test_parse_frames_outermost_first(text: str, expected: list[Frame]) -> None:
    assert list(parse_frames(text)) == expected


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    for relative in (
        "src/shop/cart.py",
        "src/shop/pricing.py",
        "tests/test_cart.py",
        "src/cart.ts",
        "src/__tests__/cart.test.ts",
        "src/main/java/com/acme/billing/VatRules.java",
        "src/test/java/com/acme/billing/InvoiceServiceTest.java",
        "crates/tinyjson/src/parser.rs",
        "store/lru.go",
        "store/lru_test.go",
        "a/util.py",
        "b/util.py",
        "node_modules/left-pad/index.js",
    ):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# code\n", encoding="utf-8")
    return root


def test_frames_in_repo_maps_paths_from_other_machines(repo: Path) -> None:
    frames = [
        Frame("/home/runner/work/shop/shop/tests/test_cart.py", 12, "test_total"),
        Frame("/usr/lib/python3.11/decimal.py", 300, "__mul__"),
        Frame("/work/src/shop/cart.py", 41, "total"),
        Frame("C:\\Users\\ada\\shop\\src\\shop\\pricing.py", 9, "apply"),
        Frame("/venv/lib/python3.11/site-packages/requests/api.py", 5, "get"),
        Frame("<frozen importlib._bootstrap>", 1, "_call"),
        Frame("src/cart.ts", 42, "Cart.save"),
        Frame("node:internal/process/task_queues", 95, "processTicks"),
    ]
    assert frames_in_repo(frames, repo) == (
        Frame("tests/test_cart.py", 12, "test_total"),
        Frame("src/shop/cart.py", 41, "total"),
        Frame("src/shop/pricing.py", 9, "apply"),
        Frame("src/cart.ts", 42, "Cart.save"),
    )


def test_frames_in_repo_finds_partial_paths_when_unambiguous(repo: Path) -> None:
    frames = [
        Frame("com/acme/billing/VatRules.java", 23, "rateFor"),
        Frame("src/parser.rs", 212),
        Frame("lru_test.go", 21, "TestEvict"),
        Frame("util.py", 3, "helper"),  # a/util.py or b/util.py: ambiguous, dropped
        Frame("java/lang/reflect/Method.java", 568, "invoke"),
    ]
    assert frames_in_repo(frames, repo) == (
        Frame("src/main/java/com/acme/billing/VatRules.java", 23, "rateFor"),
        Frame("crates/tinyjson/src/parser.rs", 212),
        Frame("store/lru_test.go", 21, "TestEvict"),
    )


def test_frames_in_repo_drops_vendored_and_unknown_files(repo: Path) -> None:
    frames = [
        Frame("/home/ci/web/node_modules/left-pad/index.js", 1, "pad"),
        Frame("node_modules/left-pad/index.js", 1, "pad"),
        Frame("/home/runner/work/shop/shop/src/shop/missing.py", 1, "gone"),
    ]
    assert frames_in_repo(frames, repo) == ()


def test_frames_in_repo_prefers_the_path_under_the_root_itself(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "app").mkdir(parents=True)
    (root / "x.py").write_text("", encoding="utf-8")
    (root / "app" / "x.py").write_text("", encoding="utf-8")
    frames = [Frame(str(root / "x.py"), 1), Frame(str(root / "app" / "x.py"), 2)]
    assert frames_in_repo(frames, root) == (Frame("x.py", 1), Frame("app/x.py", 2))


def test_frames_in_repo_never_leaves_the_repository(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 1\n", encoding="utf-8")
    os.symlink(secret, repo / "src" / "leak.py")
    frames = [
        Frame(str(secret), 1, "f"),
        Frame("../secret.py", 1, "f"),
        Frame("src/../../secret.py", 1, "f"),
        Frame("src/leak.py", 1, "f"),
        Frame("/etc/passwd", 1, "f"),
    ]
    assert frames_in_repo(frames, repo) == ()


def test_frames_in_repo_keeps_order_and_repeats(repo: Path) -> None:
    parsed = parse_frames(PYTEST_LONG + PYTEST_LONG)
    kept = frames_in_repo(parsed, repo)
    assert [frame.path for frame in kept] == [
        "tests/test_cart.py",
        "src/shop/cart.py",
        "src/shop/pricing.py",
    ] * 2
