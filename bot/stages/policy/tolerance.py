"""Tolerances in numeric assertions, and whether an edit loosened them."""

from __future__ import annotations

import ast
import copy

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
Value = float | str

# Callee (last dotted part, lower case) -> tolerance argument -> its default.
_DEFAULTS: dict[str, dict[str, float]] = {
    "approx": {"rel": 1e-6, "abs": 1e-12},
    "isclose": {"rel_tol": 1e-9, "abs_tol": 0.0, "rtol": 1e-5, "atol": 1e-8},
    "allclose": {"rtol": 1e-5, "atol": 1e-8},
    "assert_allclose": {"rtol": 1e-7, "atol": 0.0},
    "assertalmostequal": {"places": 7, "delta": 0.0},
    "assert_almost_equal": {"decimal": 7},
    "assert_array_almost_equal": {"decimal": 6},
}
_POSITIONAL: dict[str, dict[int, str]] = {
    "approx": {1: "rel", 2: "abs"},
    "isclose": {2: "rtol", 3: "atol"},
    "allclose": {2: "rtol", 3: "atol"},
    "assert_allclose": {2: "rtol", 3: "atol"},
    "assertalmostequal": {2: "places", 4: "delta"},
    "assert_almost_equal": {2: "decimal"},
    "assert_array_almost_equal": {2: "decimal"},
}
_STRICTER_WHEN_LARGER = frozenset({"places", "decimal"})


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr.casefold()
    return func.id.casefold() if isinstance(func, ast.Name) else ""


def _value(node: ast.expr) -> Value:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ast.unparse(node)
    return float(value)


def _tolerance_calls(function: _FunctionNode) -> dict[str, list[dict[str, Value]]]:
    calls = sorted(
        (node for node in ast.walk(function) if isinstance(node, ast.Call)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    found: dict[str, list[dict[str, Value]]] = {}
    for call in calls:
        callee = _callee(call)
        if callee not in _DEFAULTS:
            continue
        values: dict[str, Value] = {}
        for index, name in _POSITIONAL[callee].items():
            if index < len(call.args):
                values[name] = _value(call.args[index])
        for keyword in call.keywords:
            if keyword.arg in _DEFAULTS[callee]:
                values[keyword.arg] = _value(keyword.value)
        found.setdefault(callee, []).append(values)
    return found


def _loosened(name: str, old: Value, new: Value) -> bool:
    if isinstance(old, str) or isinstance(new, str):
        return old != new  # not literal numbers: any change is treated as loosening
    return new < old if name in _STRICTER_WHEN_LARGER else new > old


def loosened_tolerances(before: _FunctionNode, after: _FunctionNode) -> list[str]:
    """One finding per tolerance argument of an existing check that became looser."""
    old_calls, new_calls = _tolerance_calls(before), _tolerance_calls(after)
    findings: list[str] = []
    for callee, olds in old_calls.items():
        for old_values, new_values in zip(olds, new_calls.get(callee, []), strict=False):
            for name, default in _DEFAULTS[callee].items():
                old = old_values.get(name, default)
                new = new_values.get(name, default)
                if _loosened(name, old, new):
                    findings.append(
                        f"the tolerance {name} of {callee} was loosened from {old} to {new}"
                    )
    return findings


def without_tolerances(node: ast.AST) -> str:
    """`ast.dump` of `node` with tolerance arguments left out: those are judged on their own."""
    bare = copy.deepcopy(node)
    for call in ast.walk(bare):
        if isinstance(call, ast.Call) and _callee(call) in _DEFAULTS:
            callee = _callee(call)
            call.keywords = [k for k in call.keywords if k.arg not in _DEFAULTS[callee]]
            first_tolerance = min(_POSITIONAL[callee])
            call.args = call.args[:first_tolerance]
    return ast.dump(bare)
