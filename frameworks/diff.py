"""What changed between two versions of a maturity model, in words (`zhigai diff_framework`).

Both definitions are compared in canonical form. Things are matched by their identity, not by
their position: levels by code, rules by (level, id), nodes by code (a node that moved is a
"changed parent"), options by code, bands by range, crosswalks by (question, source framework,
source question). Lists that have no identity (tags, variants, level scores) are compared whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from frameworks.files import FIELD_NAMES_ZH, TOP_LEVEL_ORDER, canonical

Kind = Literal["added", "removed", "changed"]
Area = Literal["framework", "level", "rule", "node", "option", "band", "crosswalk"]

TOP = "(顶层)"
TOP_EN = "(top level)"
NONE_ZH = "（无）"
NONE_EN = "(none)"
ENTITY_ADDED = "{subject_zh}：新增 ({subject_en}: added)"
ENTITY_REMOVED = "{subject_zh}：删除 ({subject_en}: removed)"
FIELD_CHANGED = (
    "{subject_zh}：{field_zh} {before_zh} → {after_zh} "
    "({subject_en}: {field_en} {before_en} → {after_en})"
)
ORDER_FIELD = "(order)"  # never a code: codes start with a letter, digit or underscore
AREA_WORDS: dict[str, tuple[str, str]] = {
    "framework": ("模型", "framework"),
    "level": ("等级", "level"),
    "rule": ("规则", "rule"),
    "node": ("节点", "node"),
    "option": ("选项", "option"),
    "option_set": ("选项集", "option set"),
    "band": ("分段", "band"),
    "crosswalk": ("答案映射", "crosswalk"),
}
FIELD_WORDS = {**FIELD_NAMES_ZH, "verified": "核实标记", "gte": "阈值", ORDER_FIELD: "顺序"}
VALUE_LIMIT = 60


@dataclass(frozen=True)
class Change:
    """One difference. `path` names the place, `/`-separated, with identities instead of list
    positions: `levels/L2/rules/r1/gte`, `nodes/base.network/question/options/g5/score`.
    The leading segments name the changed thing (`nodes/base.network`), the rest is the field;
    a list's order is the field `(order)` (`levels/(order)`, `nodes/base/children/(order)`)."""

    kind: Kind
    area: Area
    path: str
    before: Any = None
    after: Any = None

    @property
    def text(self) -> str:
        """A readable sentence, Chinese then English in brackets:
        节点 base.network：权重 8 → 10 (node base.network: weight 8 → 10)."""
        parts = self.path.split("/")
        length = _subject_length(parts)
        subject_zh, subject_en = _subject(parts[:length])
        field = parts[length:]
        if not field and self.kind != "changed":
            template = ENTITY_ADDED if self.kind == "added" else ENTITY_REMOVED
            return template.format(subject_zh=subject_zh, subject_en=subject_en)
        return FIELD_CHANGED.format(
            subject_zh=subject_zh,
            subject_en=subject_en,
            field_zh=_field_zh(field),
            field_en=_field_en(field),
            before_zh=_value_text(self.before, field, english=False),
            after_zh=_value_text(self.after, field, english=False),
            before_en=_value_text(self.before, field, english=True),
            after_en=_value_text(self.after, field, english=True),
        )


def definition_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two definitions, sorted by section (framework, levels, option
    sets, nodes, crosswalks) and then by path."""
    a, b = canonical(old), canonical(new)
    changes = [
        *_fields("framework", "", {"format": a.get("format")}, {"format": b.get("format")}),
        *_fields("framework", "framework", a.get("framework", {}), b.get("framework", {})),
        *_levels(a.get("levels", []), b.get("levels", [])),
        *_option_sets(a.get("option_sets", {}), b.get("option_sets", {})),
        *_nodes(a.get("nodes", []), b.get("nodes", [])),
        *_crosswalks(a.get("crosswalks", []), b.get("crosswalks", [])),
    ]
    return sorted(changes, key=_sort_key)


def _sort_key(change: Change) -> tuple[int, str, str]:
    section = change.path.split("/")[0]
    rank = TOP_LEVEL_ORDER.index(section) if section in TOP_LEVEL_ORDER else 0
    return rank, change.path, change.kind


# --- Generic comparisons ----------------------------------------------------------------------


def _fields(area: Area, prefix: str, old: Any, new: Any) -> Iterator[Change]:
    """Field-by-field differences of two mappings (nested mappings recursed, lists whole)."""
    for key in sorted(set(old) | set(new), key=str):
        before, after = old.get(key), new.get(key)
        path = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(before, dict) and isinstance(after, dict):
            yield from _fields(area, path, before, after)
        elif before != after:
            yield Change(_kind(before, after), area, path, before, after)


def _kind(before: Any, after: Any) -> Kind:
    if before is None:
        return "added"
    return "removed" if after is None else "changed"


def _keyed(items: list[Any], key: str) -> dict[str, Any]:
    return {str(item.get(key)): item for item in items if isinstance(item, dict)}


def _entities(
    area: Area,
    prefix: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    skip: tuple[str, ...] = (),
) -> Iterator[Change]:
    """Things matched by identity: added, removed, or compared field by field (`skip` fields
    are compared elsewhere)."""
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}/{key}"
        if key not in new:
            yield Change("removed", area, path, _without(old[key], skip), None)
        elif key not in old:
            yield Change("added", area, path, None, _without(new[key], skip))
        else:
            before, after = _without(old[key], skip), _without(new[key], skip)
            yield from _fields(area, path, before, after)


def _without(item: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in keys}


def _order(area: Area, path: str, old: list[str], new: list[str]) -> Iterator[Change]:
    """A change of order among the things present in both versions."""
    kept_old = [code for code in old if code in new]
    kept_new = [code for code in new if code in old]
    if kept_old != kept_new:
        yield Change("changed", area, f"{path}/{ORDER_FIELD}", kept_old, kept_new)


# --- Sections ---------------------------------------------------------------------------------


def _levels(old: list[Any], new: list[Any]) -> Iterator[Change]:
    a, b = _keyed(old, "code"), _keyed(new, "code")
    yield from _entities("level", "levels", a, b, skip=("rules",))
    yield from _order("level", "levels", list(a), list(b))
    for code in sorted(set(a) & set(b)):
        rules_a = _keyed(a[code].get("rules", []), "id")
        rules_b = _keyed(b[code].get("rules", []), "id")
        yield from _entities("rule", f"levels/{code}/rules", rules_a, rules_b)
    for code in sorted(set(a) ^ set(b)):
        level = a.get(code) or b[code]
        kind: Kind = "removed" if code in a else "added"
        for rule in level.get("rules", []):
            before, after = (rule, None) if kind == "removed" else (None, rule)
            path = f"levels/{code}/rules/{rule.get('id')}"
            yield Change(kind, "rule", path, before, after)


def _option_sets(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    for name in sorted(set(old) | set(new)):
        path = f"option_sets/{name}"
        if name not in new or name not in old:
            before, after = old.get(name), new.get(name)
            yield Change(_kind(before, after), "option", path, before, after)
        else:
            yield from _options(path, old[name], new[name])


def _options(path: str, old: list[Any], new: list[Any]) -> Iterator[Change]:
    a, b = _keyed(old, "code"), _keyed(new, "code")
    yield from _entities("option", path, a, b)
    yield from _order("option", path, list(a), list(b))


def _flat_nodes(nodes: list[Any], parent: str | None = None) -> Iterator[tuple[str, Any, Any]]:
    """(code, parent code, node) depth-first."""
    for node in nodes:
        if isinstance(node, dict):
            yield str(node.get("code")), parent, node
            yield from _flat_nodes(node.get("children", []), str(node.get("code")))


def _nodes(old: list[Any], new: list[Any]) -> Iterator[Change]:
    a = {code: (parent, node) for code, parent, node in _flat_nodes(old)}
    b = {code: (parent, node) for code, parent, node in _flat_nodes(new)}
    plain_a = {code: _plain_node(node, parent) for code, (parent, node) in a.items()}
    plain_b = {code: _plain_node(node, parent) for code, (parent, node) in b.items()}
    yield from _entities("node", "nodes", plain_a, plain_b)
    for code in sorted(set(a) & set(b)):
        yield from _node_parts(code, a[code][1].get("question", {}), b[code][1].get("question", {}))
    yield from _child_orders(old, new, a, b)


def _plain_node(node: Mapping[str, Any], parent: str | None) -> dict[str, Any]:
    """A node's own fields (no children; its question without options and bands), with its
    parent, so that a move shows as a changed parent."""
    plain = _without(node, ("children", "question"))
    if "question" in node:
        plain["question"] = _without(node["question"], ("options", "bands"))
    plain["parent"] = parent or ""  # "" is the top level: moving there is a change, not a removal
    return plain


def _node_parts(code: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    yield from _options(
        f"nodes/{code}/question/options", old.get("options", []), new.get("options", [])
    )
    bands_a = _bands(old.get("bands", []))
    bands_b = _bands(new.get("bands", []))
    path = f"nodes/{code}/question/bands"
    yield from _entities("band", path, bands_a, bands_b)


def _bands(bands: list[Any]) -> dict[str, Any]:
    """Bands by range; `[0, 10)` and `[0,10)` are the same band (spacing is not a change)."""
    keyed = {}
    for band in bands:
        key = re.sub(r"\s+", "", str(band.get("range")))
        keyed[key] = {**band, "range": key}
    return keyed


def _child_orders(
    old: list[Any], new: list[Any], a: Mapping[str, Any], b: Mapping[str, Any]
) -> Iterator[Change]:
    def children(nodes: list[Any], index: Mapping[str, Any], code: str) -> list[str]:
        listed = nodes if code == TOP else index[code][1].get("children", [])
        return [str(child.get("code")) for child in listed]

    for code in [TOP, *sorted(set(a) & set(b))]:
        path = "nodes" if code == TOP else f"nodes/{code}/children"
        yield from _order("node", path, children(old, a, code), children(new, b, code))


def _crosswalks(old: list[Any], new: list[Any]) -> Iterator[Change]:
    def key(item: Mapping[str, Any]) -> str:
        source = item.get("from", {})
        return f"{item.get('question')}/{source.get('framework')}/{source.get('question')}"

    a = {key(item): item for item in old}
    b = {key(item): item for item in new}
    yield from _entities("crosswalk", "crosswalks", a, b)


# --- Words ------------------------------------------------------------------------------------


def _subject_length(parts: list[str]) -> int:
    """How many leading path segments name the changed thing (the rest is the field)."""
    head, rest = parts[0], parts[1:]
    if head == "format":
        return 0
    if head == "framework" or not rest or rest[0] == ORDER_FIELD:
        return 1
    if head == "levels" and rest[1:2] == ["rules"] and rest[2:3] not in ([], [ORDER_FIELD]):
        return 4
    if head == "option_sets" and rest[1:2] not in ([], [ORDER_FIELD]):
        return 3
    if head == "nodes" and rest[1:3] in (["question", "options"], ["question", "bands"]):
        return 5 if rest[3:4] not in ([], [ORDER_FIELD]) else 3
    return 4 if head == "crosswalks" else 2


def _subject(parts: list[str]) -> tuple[str, str]:
    """(中文, English) naming the changed thing: 节点 base.network 选项 g5."""
    if not parts or parts[0] == "framework":
        return AREA_WORDS["framework"]
    head, rest = parts[0], parts[1:]
    if head == "crosswalks":
        zh, en = AREA_WORDS["crosswalk"]
        source = f"{rest[0]} ← {rest[1]}:{rest[2]}" if len(rest) == 3 else "/".join(rest)
        return f"{zh} {source}", f"{en} {source}"
    if not rest:
        return {"levels": ("等级", "levels"), "nodes": (TOP, TOP_EN)}.get(head, (head, head))
    words = {"levels": ("level", "rule"), "option_sets": ("option_set", "option")}.get(head)
    if words is None:  # nodes/<code>/question/<options|bands>/<code>
        words = ("node", "band" if rest[2:3] == ["bands"] else "option")
        rest = [rest[0], *rest[3:4]]
    elif head == "levels":
        rest = [rest[0], *rest[2:3]]
    pairs = list(zip(words, rest, strict=False))
    return (
        " ".join(f"{AREA_WORDS[w][0]} {code}" for w, code in pairs),
        " ".join(f"{AREA_WORDS[w][1]} {code}" for w, code in pairs),
    )


def _field_en(field: list[str]) -> str:
    """`name.zh`; a list's order as `children order`."""
    if field[-1:] == [ORDER_FIELD]:
        return " ".join([*field[:-1], "order"]) if field[:-1] else "order"
    return ".".join(field)


def _field_zh(field: list[str]) -> str:
    words = [FIELD_WORDS.get(part, part) for part in field]
    if words[-1:] in (["中文"], ["英文"]) and len(words) > 1:
        return "".join(words[:-1]) + f"（{words[-1]}）"
    return "".join(words)


def _value_text(value: Any, field: list[str], *, english: bool) -> str:
    if value is None:
        return NONE_EN if english else NONE_ZH
    if field[-1:] == ["parent"] and value == "":
        return TOP_EN if english else TOP
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, list | dict | bool):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"
