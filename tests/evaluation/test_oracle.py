"""The behaviour oracle in-process, on modules written for the test."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from bot.evaluation.behaviour_oracle import BehaviourChanged, install

MODULE = '''
import functools


class Base:
    def scale(self, x):
        return x


class Scaler(Base):
    def scale(self, x):
        return super().scale(x) * 2


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def evens(limit):
    for i in range(limit):
        if i % 2 == 0:
            yield i


@functools.lru_cache
def cached_square(x):
    return x * x
'''


@pytest.fixture
def module(tmp_path: Path, request):
    name = f"oracle_target_{request.node.name}"
    (tmp_path / f"{name}.py").write_text(MODULE)
    sys.path.insert(0, str(tmp_path))
    yield importlib.import_module(name)
    sys.path.remove(str(tmp_path))
    del sys.modules[name]


def spec(module, qualname: str, original: str) -> dict[str, str]:
    return {"module": module.__name__, "qualname": qualname, "original": original}


def test_a_method_using_super_is_compared_with_its_original(module):
    install(spec(module, "Scaler.scale", "def scale(self, x):\n    return super().scale(x) * 3"))
    with pytest.raises(BehaviourChanged, match=r"Scaler.scale.* returned 4; the original "
                                               r"returned 6"):
        module.Scaler().scale(2)


def test_recursion_stays_inside_each_implementation(module):
    install(spec(module, "fact", "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)"))
    assert module.fact(6) == 720


def test_the_original_recurses_into_itself_not_into_the_code_under_test(module):
    install(spec(module, "fact", "def fact(n):\n    return 2 if n <= 1 else n * fact(n - 1)"))
    with pytest.raises(BehaviourChanged, match=r"fact\(3,\) returned 6; the original returned 12"):
        module.fact(3)


def test_generators_are_compared_and_still_yield_everything(module):
    install(spec(module, "evens", "def evens(limit):\n    yield from range(0, limit, 2)"))
    assert list(module.evens(7)) == [0, 2, 4, 6]
    install(spec(module, "cached_square", "def cached_square(x):\n    return x * x + 1"))
    with pytest.raises(BehaviourChanged, match=r"returned 9; the original returned 10"):
        module.cached_square(3)
