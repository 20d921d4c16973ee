"""Single mutations of one Python function, spliced into the source text on one line.

Operators: operator swap, off-by-one, wrong variable, negated condition,
removed statement, wrong constant. Each mutation keeps the line count, so the
mutated function's lines stay where they were.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

SWAPS = {
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "+": "-",
    "-": "+",
    "*": "//",
    "/": "*",
    "//": "*",
    "%": "//",
    "in": "not in",
    "not in": "in",
    "is": "is not",
    "is not": "is",
    "and": "or",
    "or": "and",
}


@dataclass(frozen=True)
class Mutation:
    path: str
    function: str  # qualified name of the mutated function or method
    line: int  # 1-based
    col: int  # 0-based, in characters of the line
    end_col: int
    old: str
    new: str
    operator: str

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        line = lines[self.line - 1]
        assert line[self.col : self.end_col] == self.old, (line, self.old)
        lines[self.line - 1] = line[: self.col] + self.new + line[self.end_col :]
        return "\n".join(lines)

    @property
    def description(self) -> str:
        return f"{self.operator}: `{self.old}` -> `{self.new}` at line {self.line}"


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    def walk(
        body: list[ast.stmt], prefix: str
    ) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield prefix + node.name, node
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.")

    yield from walk(tree.body, "")


def _segment(lines: list[str], node: ast.AST) -> tuple[int, int, int, str] | None:
    """(line, col, end_col, text) of a node written on one line."""
    line, end_line = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if line is None or line != end_line:
        return None
    raw = lines[line - 1].encode()
    col = len(raw[: node.col_offset].decode(errors="replace"))  # type: ignore[attr-defined]
    end = len(raw[: node.end_col_offset].decode(errors="replace"))  # type: ignore[attr-defined]
    return line, col, end, lines[line - 1][col:end]


def _between(
    lines: list[str], left: ast.AST, right: ast.AST, token: str
) -> tuple[int, int, int] | None:
    a, b = _segment(lines, left), _segment(lines, right)
    if a is None or b is None or a[0] != b[0]:
        return None
    gap = lines[a[0] - 1][a[2] : b[1]]
    stripped = gap.strip().strip("()").strip()
    if stripped != token:
        return None
    start = a[2] + gap.index(token)
    return a[0], start, start + len(token)


_OP_TEXT = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.And: "and",
    ast.Or: "or",
}


def _operator_swaps(lines: list[str], func: ast.AST) -> Iterator[tuple[int, int, int, str, str]]:
    for node in ast.walk(func):
        pairs: list[tuple[ast.AST, ast.AST, ast.AST]] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            pairs = [(operands[i], operands[i + 1], op) for i, op in enumerate(node.ops)]
        elif isinstance(node, ast.BinOp):
            pairs = [(node.left, node.right, node.op)]
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            pairs = [(node.values[0], node.values[1], node.op)]
        for left, right, op in pairs:
            token = _OP_TEXT.get(type(op))
            if token is None:
                continue
            found = _between(lines, left, right, token)
            if found:
                yield (*found, token, SWAPS[token])


def _constants(lines: list[str], func: ast.AST) -> Iterator[tuple[int, int, int, str, str, str]]:
    """(line, col, end, old, new, operator) for off-by-one and wrong-constant mutations."""
    arithmetic: set[int] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.BinOp | ast.Compare | ast.Slice | ast.Subscript):
            arithmetic.update(id(child) for child in ast.walk(node))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
            arithmetic.update(id(arg) for arg in node.args)
    for node in ast.walk(func):
        if not isinstance(node, ast.Constant):
            continue
        seg = _segment(lines, node)
        if seg is None:
            continue
        line, col, end, text = seg
        value = node.value
        if isinstance(value, bool):
            yield line, col, end, text, str(not value), "wrong constant"
        elif isinstance(value, int) and text.isdigit():
            if id(node) in arithmetic:
                yield line, col, end, text, str(value + 1), "off-by-one"
            else:
                yield line, col, end, text, "0" if value else "1", "wrong constant"
        elif value is None and text == "None":
            yield line, col, end, text, "0", "wrong constant"


def _local_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    names = [a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]]
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
    return [n for n in dict.fromkeys(names) if n not in ("self", "cls")]


def _wrong_variables(
    lines: list[str], func: ast.FunctionDef | ast.AsyncFunctionDef
) -> Iterator[tuple[int, int, int, str, str]]:
    local = _local_names(func)
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in local:
            seg = _segment(lines, node)
            others = [n for n in local if n != node.id]
            if seg and others:
                line, col, end, text = seg
                # Deterministic choice: the nearest other local name in the list.
                index = local.index(node.id)
                yield line, col, end, text, others[index % len(others)]


def _negations(lines: list[str], func: ast.AST) -> Iterator[tuple[int, int, int, str, str]]:
    for node in ast.walk(func):
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            seg = _segment(lines, node.test)
            if seg:
                line, col, end, text = seg
                yield line, col, end, text, f"not ({text})"


def _removals(lines: list[str], func: ast.AST) -> Iterator[tuple[int, int, int, str, str]]:
    for node in ast.walk(func):
        for body in (getattr(node, "body", None), getattr(node, "orelse", None)):
            if not isinstance(body, list) or len(body) < 2:
                continue
            for statement in body:
                if isinstance(statement, ast.Expr | ast.Assign | ast.AugAssign) and not (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                ):
                    seg = _segment(lines, statement)
                    if seg:
                        line, col, end, text = seg
                        yield line, col, end, text, "pass"


def mutations_of(path: str, text: str) -> Iterator[Mutation]:
    lines = text.split("\n")
    tree = ast.parse(text)
    for symbol, func in _functions(tree):
        for line, col, end, old, new in _operator_swaps(lines, func):
            yield Mutation(path, symbol, line, col, end, old, new, "operator swap")
        for line, col, end, old, new, operator in _constants(lines, func):
            yield Mutation(path, symbol, line, col, end, old, new, operator)
        for line, col, end, old, new in _wrong_variables(lines, func):
            yield Mutation(path, symbol, line, col, end, old, new, "wrong variable")
        for line, col, end, old, new in _negations(lines, func):
            yield Mutation(path, symbol, line, col, end, old, new, "negated condition")
        for line, col, end, old, new in _removals(lines, func):
            yield Mutation(path, symbol, line, col, end, old, new, "removed statement")
