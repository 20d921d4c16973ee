"""A pytest plugin: one function must behave as its original did, on every call the tests make.

The hidden check of the mutation suite. Loaded with `-p redfix_oracle`, it reads
`redfix_oracle.json` beside itself (module, qualified name, original source),
and swaps the target function's code for a trampoline. Each outermost call runs
the code under test and the original on deep copies of the arguments; a
different result or exception fails the calling test. Recursive calls stay
inside the implementation that made them. Calls whose arguments cannot be
copied, or whose results cannot be compared, are counted and let through.

This file is copied into a task's tree as `redfix_oracle.py`; it only imports
the standard library.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import itertools
import json
import textwrap
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ITEMS_COMPARED = 1000  # of an iterator's output
_state = threading.local()
_counts = {"compared": 0, "uncomparable": 0, "differed": 0}


class BehaviourChanged(AssertionError):
    pass


def _unwrap(attribute: Any) -> Any:
    for name in ("__func__", "fget"):
        attribute = getattr(attribute, name, attribute)
    return attribute


def _target(spec: dict[str, str]) -> tuple[types.FunctionType, type | None]:
    module = importlib.import_module(spec["module"])
    owner: Any = module
    *path, name = spec["qualname"].split(".")
    for part in path:
        owner = getattr(owner, part)
    raw = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    function = _unwrap(raw)
    while not isinstance(function, types.FunctionType) and hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    if not isinstance(function, types.FunctionType):
        raise TypeError(f"{spec['qualname']} is not a plain function: {type(function).__name__}")
    return function, owner if isinstance(owner, type) else None


def _compile(source: str, function: types.FunctionType, owner: type | None) -> Any:
    """Define `source` in the function's module. A method is defined in a class of its
    class's name (private names mangle alike) and gets the real class as `__class__`."""
    defined: dict[str, Any] = {}  # the module's own names stay as they are
    code = textwrap.dedent(source)
    if owner is not None:
        code = f"class {owner.__name__}:\n{textwrap.indent(code, '    ')}\n"
    where = f"<original {function.__qualname__}>"
    exec(compile(code, where, "exec"), function.__globals__, defined)  # noqa: S102
    made = defined[function.__name__] if owner is None else (
        defined[owner.__name__].__dict__[function.__name__])
    made = _unwrap(made)
    for cell, name in zip(made.__closure__ or (), made.__code__.co_freevars, strict=True):
        if name == "__class__":
            cell.cell_contents = owner
    return made


def _trampoline(function: types.FunctionType) -> types.CodeType:
    """Code that calls `_redfix_oracle_call`, with the same free variables as `function`."""
    free = function.__code__.co_freevars
    mention = "".join(f"        {name}\n" for name in free)
    source = (
        "def _outer():\n"
        + "".join(f"    {name} = None\n" for name in free)
        + "    def trampoline(*args, **kwargs):\n"
        + mention
        + "        return _redfix_oracle_call(args, kwargs)\n"
        + "    return trampoline\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<redfix trampoline>", "exec"), namespace)  # noqa: S102
    return namespace["_outer"]().__code__  # type: ignore[no-any-return]


def _identity_objects(value: Any, memo: dict[int, Any], *, depth: int = 4) -> None:
    """Bare `object()` sentinels are never copied: a copy would differ by identity alone."""
    if len(memo) > 10_000 or depth < 0:
        return
    kind = type(value)
    if kind in (list, tuple, set, frozenset):
        for item in value:
            _identity_objects(item, memo, depth=depth - 1)
    elif kind is dict:
        for item in itertools.chain(value.keys(), value.values()):
            _identity_objects(item, memo, depth=depth - 1)
    elif kind is object:
        memo[id(value)] = value


def _copy_arguments(args: Any, kwargs: Any) -> tuple[Any, Any]:
    memo: dict[int, Any] = {}
    _identity_objects((args, kwargs), memo)
    return copy.deepcopy((args, kwargs), memo)


def _materialize(value: Any, mode: str) -> tuple[Any, list[Any] | None]:
    if not hasattr(value, "__next__"):
        return value, None
    _state.mode = mode
    try:
        items = list(itertools.islice(value, ITEMS_COMPARED))
    finally:
        _state.mode = None
    return value, items


def _same(left: Any, right: Any) -> bool | None:
    """True or False when the values can be compared, None when they cannot."""
    if type(left) is not type(right):
        return False
    if getattr(type(left), "__eq__", None) is getattr(object, "__eq__", None):
        return True if left is right else None
    try:
        verdict = left == right
    except Exception:  # a comparison that breaks tells nothing
        return None
    return verdict if isinstance(verdict, bool) else None


def _run(implementation: Callable[..., Any], args: Any, kwargs: Any, mode: str) -> Any:
    _state.mode = mode
    try:
        return ("returned", implementation(*args, **kwargs))
    except Exception as exc:  # an exception is behaviour too
        return ("raised", exc)
    finally:
        _state.mode = None


def install(spec: dict[str, str]) -> None:
    function, owner = _target(spec)
    original = _compile(spec["original"], function, owner)
    current = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                 function.__defaults__, function.__closure__)
    current.__kwdefaults__ = function.__kwdefaults__
    original.__defaults__, original.__kwdefaults__ = function.__defaults__, function.__kwdefaults__
    implementations = {"current": current, "original": original}

    def oracle_call(args: Any, kwargs: Any) -> Any:
        mode = getattr(_state, "mode", None)
        if mode is not None:
            return implementations[mode](*args, **kwargs)
        try:
            copied = _copy_arguments(args, kwargs)
        except Exception:  # arguments that cannot be copied: not compared
            _counts["uncomparable"] += 1
            return current(*args, **kwargs)
        outcome, value = _run(current, args, kwargs, "current")
        expected, reference = _run(original, *copied, "original")
        value, items = _materialize(value, "current") if outcome == "returned" else (value, None)
        _, reference_items = (
            _materialize(reference, "original") if expected == "returned" else (reference, None)
        )
        _judge(spec, (outcome, items if items is not None else value),
               (expected, reference_items if reference_items is not None else reference), args)
        if outcome == "raised":
            raise value
        return itertools.chain(items, value) if items is not None else value

    function.__globals__["_redfix_oracle_call"] = oracle_call
    signature = inspect.signature(function)  # introspecting code (toolz's curry) still sees it
    function.__code__ = _trampoline(function)
    function.__signature__ = signature  # type: ignore[attr-defined]


def _judge(spec: dict[str, str], got: tuple[str, Any], wanted: tuple[str, Any], args: Any) -> None:
    same: bool | None
    if got[0] == "raised" or wanted[0] == "raised":
        same = got[0] == wanted[0] and type(got[1]) is type(wanted[1])
    else:
        same = _same(got[1], wanted[1])
    if same is None:
        _counts["uncomparable"] += 1
        return
    _counts["compared"] += 1
    if not same:
        _counts["differed"] += 1
        raise BehaviourChanged(
            f"{spec['qualname']}{tuple(args)!r:.300} {got[0]} {got[1]!r:.300}; "
            f"the original {wanted[0]} {wanted[1]!r:.300}"
        )


def pytest_sessionstart(session: Any) -> None:
    spec = json.loads(Path(__file__).with_suffix(".json").read_text(encoding="utf-8"))
    install(spec)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(
        f"redfix oracle: {_counts['compared']} calls compared, {_counts['differed']} differed, "
        f"{_counts['uncomparable']} not comparable"
    )
