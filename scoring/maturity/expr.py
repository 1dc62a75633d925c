"""The safe expression language of conditions and gate rules (docs/framework-format.md).

Text is parsed with Python's own parser (`ast.parse(mode="eval")`) into a small tree of our own
node types; every other Python construct (calls, attributes other than dotted codes, subscripts,
lambdas, comprehensions…) is refused. Nothing is ever evaluated by Python: the tree is interpreted
here, once over plain values (`evaluate`, the single path) and once over NumPy columns
(`evaluate_columns`, the batch path). The two interpreters follow one rule for missing values: a
comparison with no value is false, and arithmetic with no value (or a division by zero) has none.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_LENGTH = 2000
MAX_DEPTH = 40

Scalar = str | float | bool


class ExpressionError(ValueError):
    """A syntax or type error in an expression, with a bilingual message."""


@dataclass(frozen=True)
class Ref:
    code: str


@dataclass(frozen=True)
class Const:
    value: Scalar


@dataclass(frozen=True)
class ConstList:
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class Arith:
    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare:
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Contains:
    """`item in container` (negated for `not in`)."""

    item: Expr
    container: Expr
    negated: bool


Expr = Ref | Const | ConstList | Not | BoolOp | Neg | Arith | Compare | Contains

_ARITH: dict[type[ast.operator], Literal["+", "-", "*", "/"]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_COMPARE: dict[type[ast.cmpop], Literal["==", "!=", "<", "<=", ">", ">="]] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


def parse(source: str) -> Expr:
    """Parse an expression into our tree; ExpressionError for anything outside the language."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"表达式过长 (expression longer than {MAX_LENGTH} characters)")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"表达式语法错误，第 {exc.offset} 个字符 (syntax error at character {exc.offset}): "
            f"{source}"
        ) from None
    return _convert(tree.body, 0)


def _convert(node: ast.expr, depth: int) -> Expr:
    if depth > MAX_DEPTH:
        raise ExpressionError("表达式嵌套过深 (expression nested too deeply)")
    d = depth + 1
    if isinstance(node, ast.Name | ast.Attribute):
        return Ref(_dotted(node))
    if isinstance(node, ast.Constant):
        return Const(_scalar(node.value))
    if isinstance(node, ast.List | ast.Tuple):
        return ConstList(tuple(_literal(item) for item in node.elts))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Not(_convert(node.operand, d))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _convert(node.operand, d)
        if isinstance(operand, Const) and isinstance(operand.value, float):
            return Const(-operand.value)
        return Neg(operand)
    if isinstance(node, ast.BoolOp):
        op: Literal["and", "or"] = "and" if isinstance(node.op, ast.And) else "or"
        return BoolOp(op, tuple(_convert(value, d) for value in node.values))
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        return Arith(_ARITH[type(node.op)], _convert(node.left, d), _convert(node.right, d))
    if isinstance(node, ast.Compare):
        return _compare_chain(node, d)
    raise ExpressionError(
        f"表达式中不允许使用 {type(node).__name__} (not allowed in an expression): "
        f"{ast.unparse(node)}"
    )


def _compare_chain(node: ast.Compare, depth: int) -> Expr:
    """`a < b <= c` becomes `a < b and b <= c`."""
    parts: list[Expr] = []
    left = _convert(node.left, depth)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _convert(comparator, depth)
        if isinstance(op, ast.In | ast.NotIn):
            parts.append(Contains(left, right, negated=isinstance(op, ast.NotIn)))
        elif type(op) in _COMPARE:
            parts.append(Compare(_COMPARE[type(op)], left, right))
        else:
            raise ExpressionError(f"不允许的比较运算 (comparison not allowed): {type(op).__name__}")
        left = right
    return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise ExpressionError(f"不是题目代码 (not a question code): {ast.unparse(node)}")


def _scalar(value: object) -> Scalar:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    raise ExpressionError(f"不允许的常量 (constant not allowed): {value!r}")


def _literal(node: ast.expr) -> Scalar:
    if isinstance(node, ast.Constant):
        return _scalar(node.value)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        value = _scalar(node.operand.value)
        if isinstance(value, float):
            return -value
    raise ExpressionError(f"列表中只能有常量 (a list may hold constants only): {ast.unparse(node)}")


def references(expr: Expr) -> frozenset[str]:
    """The question codes an expression reads."""
    if isinstance(expr, Ref):
        return frozenset({expr.code})
    if isinstance(expr, Not | Neg):
        return references(expr.operand)
    if isinstance(expr, BoolOp):
        return frozenset().union(*(references(e) for e in expr.operands))
    if isinstance(expr, Arith | Compare):
        return references(expr.left) | references(expr.right)
    if isinstance(expr, Contains):
        return references(expr.item) | references(expr.container)
    return frozenset()


def is_reserved_word(segment: str) -> bool:
    return keyword.iskeyword(segment) or segment in {"True", "False", "None"}


# --- type checking ------------------------------------------------------------------------------

RefKind = Literal["choice", "multi", "number"]
"""How an expression sees a question: one option code, a set of option codes, or a number."""


@dataclass(frozen=True)
class RefInfo:
    kind: RefKind
    options: tuple[str, ...] = ()


def check(expr: Expr, lookup: Callable[[str], RefInfo | None]) -> None:
    """Raise ExpressionError unless `expr` is a well-typed boolean expression.

    `lookup(code)` describes a question, or returns None when the code is not a question that an
    expression may read.
    """
    kind = _type_of(expr, lookup)
    if kind != "bool":
        raise ExpressionError("条件必须是真假判断 (a condition must be a true/false test)")


def _type_of(expr: Expr, lookup: Callable[[str], RefInfo | None]) -> str:
    if isinstance(expr, Ref):
        info = _lookup(expr.code, lookup)
        return info.kind
    if isinstance(expr, Const):
        return (
            "bool"
            if isinstance(expr.value, bool)
            else "str"
            if isinstance(expr.value, str)
            else "number"
        )
    if isinstance(expr, ConstList):
        return "list"
    if isinstance(expr, Not):
        _expect(expr.operand, "bool", lookup)
        return "bool"
    if isinstance(expr, BoolOp):
        for operand in expr.operands:
            _expect(operand, "bool", lookup)
        return "bool"
    if isinstance(expr, Neg):
        _expect(expr.operand, "number", lookup)
        return "number"
    if isinstance(expr, Arith):
        _expect(expr.left, "number", lookup)
        _expect(expr.right, "number", lookup)
        return "number"
    if isinstance(expr, Compare):
        _check_compare(expr, lookup)
        return "bool"
    _check_contains(expr, lookup)
    return "bool"


def _lookup(code: str, lookup: Callable[[str], RefInfo | None]) -> RefInfo:
    info = lookup(code)
    if info is None:
        raise ExpressionError(
            f"表达式引用了不存在或不可引用的题目 (unknown or unreadable question): {code}"
        )
    return info


def _expect(expr: Expr, kind: str, lookup: Callable[[str], RefInfo | None]) -> None:
    found = _type_of(expr, lookup)
    if found != kind:
        raise ExpressionError(f"此处需要{_KIND_ZH[kind]} ({kind} expected, found {found})")


_KIND_ZH = {"bool": "真假判断", "number": "数值", "str": "选项代码", "list": "列表"}


def _check_compare(expr: Compare, lookup: Callable[[str], RefInfo | None]) -> None:
    left, right = _type_of(expr.left, lookup), _type_of(expr.right, lookup)
    if left == "number" and right == "number":
        return
    if expr.op in ("==", "!=") and {left, right} == {"choice", "str"}:
        ref, const = (expr.left, expr.right) if left == "choice" else (expr.right, expr.left)
        assert isinstance(ref, Ref)
        assert isinstance(const, Const)
        _check_option(ref.code, str(const.value), lookup)
        return
    raise ExpressionError(
        f"不能比较 {left} 与 {right} (cannot compare {left} {expr.op} {right}); "
        "单选题只能用 == 或 != 与选项代码比较，多选题用 in"
    )


def _check_contains(expr: Contains, lookup: Callable[[str], RefInfo | None]) -> None:
    item, container = _type_of(expr.item, lookup), _type_of(expr.container, lookup)
    if item == "str" and container == "multi":
        assert isinstance(expr.container, Ref)
        assert isinstance(expr.item, Const)
        _check_option(expr.container.code, str(expr.item.value), lookup)
        return
    if container == "list" and item in ("choice", "number"):
        assert isinstance(expr.container, ConstList)
        for value in expr.container.values:
            if item == "choice":
                assert isinstance(expr.item, Ref)
                _check_option(expr.item.code, str(value), lookup)
            elif not isinstance(value, float) or isinstance(value, bool):
                raise ExpressionError(f"列表中需要数值 (numbers expected in the list): {value!r}")
        return
    raise ExpressionError(f"不能判断 {item} in {container} (cannot test {item} in {container})")


def _check_option(code: str, option: str, lookup: Callable[[str], RefInfo | None]) -> None:
    info = _lookup(code, lookup)
    if option not in info.options:
        raise ExpressionError(f"题目 {code} 没有选项 {option!r} (question {code} has no option)")


# --- the single path ----------------------------------------------------------------------------

Value = str | frozenset[str] | float | None
"""A question's value as expressions see it: option code, set of codes, number, or None."""


def evaluate(expr: Expr, values: Mapping[str, Value]) -> bool:
    """Evaluate a checked boolean expression over plain values (None: no value)."""
    result = _eval(expr, values)
    return bool(result)


def _eval(expr: Expr, values: Mapping[str, Value]) -> Value | bool | tuple[Scalar, ...]:
    if isinstance(expr, Ref):
        return values.get(expr.code)
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, ConstList):
        return expr.values
    if isinstance(expr, Not):
        return not _eval(expr.operand, values)
    if isinstance(expr, BoolOp):
        results = (bool(_eval(operand, values)) for operand in expr.operands)
        return all(results) if expr.op == "and" else any(results)
    if isinstance(expr, Neg):
        operand = _eval(expr.operand, values)
        return None if operand is None else -_number(operand)
    if isinstance(expr, Arith):
        return _arith(expr.op, _eval(expr.left, values), _eval(expr.right, values))
    if isinstance(expr, Compare):
        return _compare(expr.op, _eval(expr.left, values), _eval(expr.right, values))
    return _contains(expr, _eval(expr.item, values), _eval(expr.container, values))


def _number(value: object) -> float:
    assert isinstance(value, float | int)
    return float(value)


def _arith(op: str, left: object, right: object) -> float | None:
    if left is None or right is None:
        return None
    a, b = _number(left), _number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


def _compare(op: str, left: object, right: object) -> bool:
    if left is None or right is None:
        return False
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    a, b = _number(left), _number(right)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _contains(expr: Contains, item: object, container: object) -> bool:
    if item is None or container is None:
        return False
    assert isinstance(container, frozenset | tuple)
    found = item in container
    return not found if expr.negated else found


# --- the batch path -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnInfo:
    """How the batch encoding stores a question: option index, bit mask of options, or number."""

    kind: RefKind
    options: tuple[str, ...] = ()


ColumnValue = FloatArray | BoolArray | float | bool | str | tuple[Scalar, ...]


def evaluate_columns(
    expr: Expr, columns: Mapping[str, FloatArray], info: Mapping[str, ColumnInfo], n: int
) -> BoolArray:
    """Evaluate a checked boolean expression over encoded columns (NaN: no value)."""
    result = _veval(expr, columns, info, n)
    if isinstance(result, bool):
        return np.full(n, result)
    assert isinstance(result, np.ndarray)
    return result.astype(np.bool_)


def _veval(
    expr: Expr, columns: Mapping[str, FloatArray], info: Mapping[str, ColumnInfo], n: int
) -> ColumnValue:
    if isinstance(expr, Ref):
        return columns[expr.code]
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, ConstList):
        return expr.values
    if isinstance(expr, Not):
        return ~_as_bool(_veval(expr.operand, columns, info, n), n)
    if isinstance(expr, BoolOp):
        parts = [_as_bool(_veval(o, columns, info, n), n) for o in expr.operands]
        reduce = np.logical_and if expr.op == "and" else np.logical_or
        out = parts[0]
        for part in parts[1:]:
            out = reduce(out, part)
        return out
    if isinstance(expr, Neg):
        return -_as_float(_veval(expr.operand, columns, info, n))
    if isinstance(expr, Arith):
        return _varith(
            expr.op,
            _as_float(_veval(expr.left, columns, info, n)),
            _as_float(_veval(expr.right, columns, info, n)),
        )
    if isinstance(expr, Compare):
        return _vcompare(expr, columns, info, n)
    return _vcontains(expr, columns, info, n)


def _as_bool(value: ColumnValue, n: int) -> BoolArray:
    if isinstance(value, bool):
        return np.full(n, value)
    assert isinstance(value, np.ndarray)
    return value.astype(np.bool_)


def _as_float(value: ColumnValue) -> FloatArray | float:
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False)
    assert isinstance(value, float | int)
    assert not isinstance(value, bool)
    return float(value)


def _varith(op: str, a: FloatArray | float, b: FloatArray | float) -> FloatArray:
    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if op == "+":
        return np.asarray(left + right, dtype=np.float64)
    if op == "-":
        return np.asarray(left - right, dtype=np.float64)
    if op == "*":
        return np.asarray(left * right, dtype=np.float64)
    left, right = np.broadcast_arrays(left, right)
    out = np.full(left.shape, np.nan)
    np.divide(left, right, out=out, where=right != 0)
    return out


def _vcompare(
    expr: Compare, columns: Mapping[str, FloatArray], info: Mapping[str, ColumnInfo], n: int
) -> BoolArray:
    left = _veval(expr.left, columns, info, n)
    right = _veval(expr.right, columns, info, n)
    if isinstance(left, str) or isinstance(right, str):
        ref = expr.right if isinstance(left, str) else expr.left
        assert isinstance(ref, Ref)
        code = left if isinstance(left, str) else right
        assert isinstance(code, str)
        left = columns[ref.code]
        right = float(info[ref.code].options.index(code))
    a, b = np.asarray(_as_float(left)), np.asarray(_as_float(right))
    present = ~(np.isnan(a) | np.isnan(b))
    with np.errstate(invalid="ignore"):
        raw = {
            "==": a == b,
            "!=": a != b,
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
        }[expr.op]
    return np.broadcast_to(np.asarray(raw & present), (n,)).copy()


def _vcontains(
    expr: Contains, columns: Mapping[str, FloatArray], info: Mapping[str, ColumnInfo], n: int
) -> BoolArray:
    if isinstance(expr.container, Ref):  # "code" in multiple-choice answer: a bit of the mask
        assert isinstance(expr.item, Const)
        mask = columns[expr.container.code]
        bit = info[expr.container.code].options.index(str(expr.item.value))
        present = ~np.isnan(mask)
        bits = np.where(present, mask, 0).astype(np.int64)
        found = ((bits >> bit) & 1).astype(np.bool_)
    else:  # answer in [literal, …]
        assert isinstance(expr.container, ConstList)
        column = _veval(expr.item, columns, info, n)
        assert isinstance(column, np.ndarray)
        if isinstance(expr.item, Ref) and info[expr.item.code].kind == "choice":
            options = info[expr.item.code].options
            wanted = [float(options.index(str(v))) for v in expr.container.values]
        else:
            wanted = [float(v) for v in expr.container.values if not isinstance(v, str)]
        present = ~np.isnan(column)
        found = np.isin(column, wanted)
    return np.asarray((~found if expr.negated else found) & present)
