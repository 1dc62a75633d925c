"""Maturity-model files (`zhigai-framework/1`): reading YAML, JSON or XLSX, checking the structure
against the JSON Schema, the canonical form used for equality and the digest, and the YAML writer.

Plain functions, no Django: the format is documented in docs/framework-format.md and the schema in
frameworks/schema/framework.schema.json. The meaning of a model (weights, references, expressions)
is checked elsewhere, by scoring.maturity.compile_framework.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

FORMAT = "zhigai-framework/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "framework.schema.json"

# --- Messages (bilingual: shown by the import command, the web page and the tests) ----------------
FILE_UNKNOWN_EXTENSION = (
    "无法识别的文件类型 {name}，请使用 .yaml、.yml、.json 或 .xlsx "
    "(Unknown file type {name}: use .yaml, .yml, .json or .xlsx)"
)
FILE_NOT_UTF8 = "文件不是 UTF-8 编码的文本 (The file is not UTF-8 text)"
YAML_SYNTAX = (
    "YAML 语法错误，第 {line} 行第 {column} 列：{detail} "
    "(YAML syntax error at line {line}, column {column}: {detail})"
)
YAML_DUPLICATE_KEY = "YAML 中键 {key} 重复出现，第 {line} 行 (Duplicate key {key} at line {line})"
JSON_SYNTAX = (
    "JSON 语法错误，第 {line} 行第 {column} 列：{detail} "
    "(JSON syntax error at line {line}, column {column}: {detail})"
)
NOT_A_MAPPING = (
    "文件内容应为一个映射（format、framework、levels、nodes…），实际为 {kind} "
    "(The file must hold one mapping (format, framework, levels, nodes…), found {kind})"
)
SCHEMA_PROBLEM = "{path}: {zh} ({en})"
ROOT_PATH = "(顶层 top level)"
YAML_HEADER = (
    f"# 成熟度模型文件 {FORMAT}：格式见 docs/framework-format.md，"
    "用 frameworks/schema/framework.schema.json 校验 "
    f"(maturity model file, format {FORMAT}: see docs/framework-format.md; "
    "validate against frameworks/schema/framework.schema.json)\n"
)

TYPE_NAMES_ZH = {
    "string": "文字",
    "number": "数字",
    "integer": "整数",
    "boolean": "是/否",
    "object": "映射",
    "array": "列表",
    "null": "空值",
}
# Chinese names of the format's fields, shared by the workbook captions and the diff sentences.
FIELD_NAMES_ZH = {
    "format": "格式", "code": "编码", "version": "版本", "title": "标题", "short_title": "简称",
    "description": "描述", "issuer": "发布单位", "document": "文件", "provisional": "暂定",
    "score_scale": "满分", "method": "计分方法", "gate_threshold": "逐级门槛", "variants": "变体",
    "variant_names": "变体名称", "na_policy": "不适用处理", "level_mode": "等级判定方式",
    "none_level": "未达等级名称", "source": "出处", "clause": "条款", "url": "网址",
    "note": "备注", "verified": "已核实", "name": "名称", "parent": "上级节点",
    "children": "下级节点", "weight": "权重", "condition": "适用条件", "tags": "标签",
    "advice": "改进建议", "question": "题目", "type": "题型", "text": "文字",
    "help": "填写说明", "mandatory": "必答", "na_allowed": "允许不适用", "option_set": "选项集",
    "options": "选项", "cap": "得分上限", "unit": "单位", "min": "最小值", "max": "最大值",
    "yes_score": "“是”得分", "no_score": "“否”得分", "max_level": "最高场景等级",
    "level_scores": "各级得分", "level_descriptors": "等级描述", "level": "等级", "id": "编号",
    "kind": "类型", "node": "节点", "gte": "阈值（≥）", "select": "选取", "over": "分母选取",
    "tag": "标签", "codes": "编码列表", "under": "子树", "min_value": "最低值",
    "over_min_value": "分母最低值", "expr": "表达式", "framework": "模型",
    "min_level": "最低等级", "min_score": "最低分", "label": "名称", "score": "得分",
    "exclusive": "互斥", "range": "区间", "bands": "分段", "from": "来源",
    "values": "答案对应", "zh": "中文", "en": "英文",
}  # fmt: skip
YAML_FOLDED_BREAKS = frozenset("\r\x85\u2028\u2029")
TOP_LEVEL_ORDER = ("format", "framework", "levels", "option_sets", "nodes", "crosswalks")
FIRST_KEYS = ("code", "id", "title", "name", "kind")
FLOW_TEXT_LIMIT = 80

JsonPath = Sequence[str | int]


class DefinitionFileError(Exception):
    """A model file that cannot be read at all; `problems` lists every reason, one line each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- The schema -------------------------------------------------------------------------------


@functools.cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the format (read once)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def _resolved(schema: Any) -> Mapping[str, Any]:
    """A subschema with local `$ref`s followed (`true` and missing schemas become {})."""
    while isinstance(schema, Mapping) and "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        schema = load_schema()["$defs"][name]
    return schema if isinstance(schema, Mapping) else {}


def _branches(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schema and the alternatives that may add properties to it: `allOf` items and their
    `then`, and `oneOf` items (rules declare their fields per kind in if/then branches)."""
    found = [schema]
    for part in [*schema.get("allOf", ()), *schema.get("oneOf", ())]:
        part = _resolved(part)
        found.extend(_branches(part))
        if "then" in part:
            found.extend(_branches(_resolved(part["then"])))
    return found


def _child_schema(schema: Mapping[str, Any], key: str | int) -> Mapping[str, Any] | None:
    for branch in _branches(schema):
        if isinstance(key, int):
            if "items" in branch:
                return _resolved(branch["items"])
            continue
        properties = branch.get("properties", {})
        if isinstance(properties.get(key), Mapping):
            return _resolved(properties[key])
    for branch in _branches(schema):
        extra = branch.get("additionalProperties")
        if isinstance(key, str) and isinstance(extra, Mapping):
            return _resolved(extra)
    return None


def schema_at(path: JsonPath) -> Mapping[str, Any] | None:
    """The subschema describing the value at `path` of a definition (list positions are ints,
    map keys such as option-set names or variant codes are taken as they come), or None when
    the schema has no such place. `schema_at(["nodes", 0, "question", "cap"])` → number."""
    schema: Mapping[str, Any] | None = _resolved(load_schema())
    for key in path:
        if schema is None:
            return None
        schema = _child_schema(schema, key)
    return schema


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a subschema allows, alternatives (`oneOf`) included, in schema order."""
    if "type" in schema:
        declared = schema["type"]
        return [declared] if isinstance(declared, str) else list(declared)
    if "enum" in schema or "const" in schema:
        return ["string"]
    types: list[str] = []
    for part in schema.get("oneOf", ()):
        types.extend(t for t in schema_types(_resolved(part)) if t not in types)
    return types


def property_order(schema: Mapping[str, Any]) -> list[str]:
    """Property names in the order the schema declares them, per-kind branches last."""
    names: list[str] = []
    for branch in _branches(schema):
        names.extend(name for name in branch.get("properties", {}) if name not in names)
    return names


def _yaml_key_order(schema: Mapping[str, Any], value: Mapping[str, Any]) -> list[str]:
    """code/id, title/name, kind, then the fields of the object's kind in the order of its
    if/then branch (a count rule: select, min_value, gte), then the shared fields in schema
    order (text, source, verified)."""
    own = [
        name
        for part in schema.get("allOf", ())
        if _branch_applies(part.get("if", {}), value)
        for name, field in part.get("then", {}).get("properties", {}).items()
        if isinstance(field, Mapping)  # `id: true` only admits a shared field
    ]
    return [*FIRST_KEYS, *own, *property_order(schema)]


def _branch_applies(condition: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    consts = {k: v.get("const") for k, v in condition.get("properties", {}).items()}
    return bool(consts) and all(value.get(k) == v for k, v in consts.items())


# --- Structure problems ----------------------------------------------------------------------


def schema_problems(definition: Mapping[str, Any]) -> list[str]:
    """Every JSON-Schema violation as one bilingual line `path: 中文 (English)`, sorted by path;
    an empty list when the definition is structurally valid."""
    found: dict[tuple[tuple[Any, ...], str], str] = {}
    for error in _validator().iter_errors(definition):
        path, zh, en = _explained(error)
        line = SCHEMA_PROBLEM.format(path=path_text(path), zh=zh, en=en)
        found[(_path_sort_key(path), line)] = line
    return [found[key] for key in sorted(found)]


def path_text(path: Iterable[str | int]) -> str:
    """`nodes[2].children[0].question.type`; the empty path is the top level."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or ROOT_PATH


def _path_sort_key(path: Iterable[str | int]) -> tuple[Any, ...]:
    return tuple((0, key, "") if isinstance(key, int) else (1, 0, key) for key in path)


def _explained(error: ValidationError) -> tuple[list[str | int], str, str]:
    """The most useful description of an error: for `oneOf` failures, the branch that came
    closest (errors that are not mere type mismatches, then the deepest)."""
    if error.validator in ("oneOf", "anyOf"):
        return _explained_alternatives(error)
    zh, en = _keyword_message(error)
    return list(error.absolute_path), zh, en


def _explained_alternatives(error: ValidationError) -> tuple[list[str | int], str, str]:
    path = list(error.absolute_path)
    required = _required_alternatives(error.validator_value)
    if not error.context:  # valid under several branches
        if required:
            zh, en = "、".join(required), ", ".join(required)
            return path, f"只能有以下其中一项：{zh}", f"only one of these is allowed: {en}"
        return path, "同时符合多种形式，只能符合一种", "matches more than one allowed form"
    if required and all(sub.validator == "required" for sub in error.context):
        zh, en = "、".join(required), ", ".join(required)
        return path, f"需要以下其中一项：{zh}", f"one of these is required: {en}"
    closer = [sub for sub in error.context if sub.validator != "type"]
    if closer:
        deepest = max(len(sub.absolute_path) for sub in closer)
        return _explained(best_match(s for s in closer if len(s.absolute_path) == deepest))
    types = " / ".join(str(sub.validator_value) for sub in error.context)
    types_zh = "或".join(TYPE_NAMES_ZH.get(str(sub.validator_value), "?") for sub in error.context)
    value = _short(error.instance)
    return path, f"{value} 类型错误，应为{types_zh}", f"{value} is not of type {types}"


def _required_alternatives(branches: Any) -> list[str]:
    """['children', 'question'] for `oneOf: [{required: [children]}, {required: [question]}]`."""
    names: list[str] = []
    for branch in branches if isinstance(branches, list) else ():
        if not (isinstance(branch, Mapping) and set(branch) == {"required"}):
            return []
        names.extend(branch["required"])
    return names


def _keyword_message(error: ValidationError) -> tuple[str, str]:
    value, expected = _short(error.instance), _short(error.validator_value)
    keyword = str(error.validator)
    if keyword == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [expected]
        names = [str(name).strip("'") for name in wanted]
        zh_names = "或".join(TYPE_NAMES_ZH.get(name, name) for name in names)
        return f"{value} 类型错误，应为{zh_names}", f"{value} is not of type {' / '.join(names)}"
    if keyword == "required":
        name = error.message.split(" is a required property")[0]
        return f"缺少必填项 {name}", f"{name} is a required property"
    if keyword == "additionalProperties":
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        extra = ", ".join(repr(key) for key in instance if key not in known)
        return f"不允许的字段：{extra}", f"unexpected field(s): {extra}"
    if keyword == "minLength" and error.validator_value == 1:
        return "不能为空", "must not be empty"
    template = KEYWORD_MESSAGES.get(keyword)
    if template is None:
        return "不符合格式要求", error.message[:200]
    zh, en = template
    return zh.format(value=value, expected=expected), en.format(value=value, expected=expected)


KEYWORD_MESSAGES: dict[str, tuple[str, str]] = {
    "enum": ("{value} 不是允许的值", "{value} is not one of {expected}"),
    "const": ("{value} 应为 {expected}", "{value} should be {expected}"),
    "pattern": ("{value} 格式不符", "{value} does not match {expected}"),
    "minimum": ("{value} 小于最小值 {expected}", "{value} is less than the minimum of {expected}"),
    "maximum": ("{value} 大于最大值 {expected}", "{value} is more than the maximum of {expected}"),
    "exclusiveMinimum": ("{value} 应大于 {expected}", "{value} must be more than {expected}"),
    "exclusiveMaximum": ("{value} 应小于 {expected}", "{value} must be less than {expected}"),
    "minItems": ("至少需要 {expected} 项", "needs at least {expected} item(s)"),
    "maxItems": ("最多 {expected} 项", "has more than {expected} item(s)"),
    "minLength": ("至少 {expected} 个字符", "is shorter than {expected} characters"),
    "maxLength": ("过长，最多 {expected} 个字符", "is longer than {expected} characters"),
    "uniqueItems": ("有重复项", "has repeated items"),
    "minProperties": ("不能为空", "must not be empty"),
    "propertyNames": ("名称格式不符", "has an invalid name"),
}


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Reading ---------------------------------------------------------------------------------


def read_definition(data: bytes, *, filename: str) -> dict[str, Any]:
    """The definition held by a YAML, JSON or XLSX file (chosen by the extension of `filename`).
    Raises DefinitionFileError when the file cannot be read; the structure is not checked here
    (see schema_problems)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        from frameworks.workbook import xlsx_to_definition  # the workbook module imports this one

        return xlsx_to_definition(data)
    readers: dict[str, Callable[[str], Any]] = {
        ".yaml": _yaml_load,
        ".yml": _yaml_load,
        ".json": _json_load,
    }
    if suffix not in readers:
        raise DefinitionFileError([FILE_UNKNOWN_EXTENSION.format(name=filename)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DefinitionFileError([FILE_NOT_UTF8]) from exc
    loaded = readers[suffix](text)
    if not isinstance(loaded, dict):
        raise DefinitionFileError([NOT_A_MAPPING.format(kind=type(loaded).__name__)])
    return loaded


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the last one
    silently, which would hide an official's copy-and-paste mistake)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise DefinitionFileError([YAML_DUPLICATE_KEY.format(key=repr(key), line=line)])
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else ("?", "?")
        detail = exc.problem or exc.context or "?"
        raise DefinitionFileError(
            [YAML_SYNTAX.format(line=line, column=column, detail=detail)]
        ) from exc
    except yaml.YAMLError as exc:
        raise DefinitionFileError([YAML_SYNTAX.format(line="?", column="?", detail=exc)]) from exc


def _json_load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = JSON_SYNTAX.format(line=exc.lineno, column=exc.colno, detail=exc.msg)
        raise DefinitionFileError([message]) from exc


# --- Canonical form and digest -----------------------------------------------------------------


def canonical(definition: Any) -> Any:
    """The normal form used for equality and the digest: keys sorted, whole floats as ints
    (8.0 → 8), strings (keys too) stripped, empty strings, lists and mappings and None left out
    of mappings (list items are kept, in order). Defaults are not filled in, so an exported
    file looks like the authored one."""
    if isinstance(definition, Mapping):
        items = ((_canonical_key(k), canonical(v)) for k, v in definition.items())
        return {key: value for key, value in sorted(items, key=_item_key) if not _empty(value)}
    if isinstance(definition, list | tuple):
        return [canonical(item) for item in definition]
    if isinstance(definition, str):
        return definition.strip()
    if isinstance(definition, float) and definition.is_integer():
        return int(definition)
    return definition


def _canonical_key(key: Any) -> Any:
    return key.strip() if isinstance(key, str) else key


def _item_key(item: tuple[Any, Any]) -> str:
    return str(item[0])


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def canonical_json(definition: Any) -> str:
    """The canonical form as compact JSON (the text hashed by `digest`)."""
    return json.dumps(
        canonical(definition),
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    )


def digest(definition: Any) -> str:
    """sha256 (hex) of the canonical JSON: equal models have equal digests."""
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()


# --- YAML writer -----------------------------------------------------------------------------


class _Block(dict[Any, Any]):
    """A mapping written in block style, keys in insertion order."""


class _Flow(dict[Any, Any]):
    """A small mapping written on one line: {zh: …, en: …}."""


class _FlowList(list[Any]):
    """A list of scalars written on one line: [a, b]."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


def _represent_mapping(style: bool) -> Callable[[yaml.SafeDumper, dict[Any, Any]], yaml.Node]:
    def represent(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.Node:
        return dumper.represent_mapping("tag:yaml.org,2002:map", list(data.items()), style)

    return represent


def _represent_flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    """Multi-line text as a literal block; text with a break YAML would fold (\r, NEL, U+2028,
    U+2029) double-quoted, where it is escaped."""
    style = '"' if any(ch in YAML_FOLDED_BREAKS for ch in data) else "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_Block, _represent_mapping(False))
_Dumper.add_representer(_Flow, _represent_mapping(True))
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(str, _represent_str)


def dump_yaml(definition: Mapping[str, Any]) -> str:
    """Readable YAML of the canonical form: a header comment, sections in the documented order,
    in each object code/id then title/name then the schema's order; texts, selectors and lists
    of scalars on one line. `yaml.safe_load(dump_yaml(d)) == canonical(d)`."""
    ordered = _ordered(canonical(definition), _resolved(load_schema()), top=True)
    body = yaml.dump(
        ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2
    )
    return YAML_HEADER + body


def _ordered(value: Any, schema: Mapping[str, Any] | None, *, top: bool = False) -> Any:
    if isinstance(value, list):
        item_schema = _child_schema(schema, 0) if schema else None
        items = [_ordered(item, item_schema) for item in value]
        scalars = all(not isinstance(item, dict | list) for item in items)
        return _FlowList(items) if scalars else items
    if not isinstance(value, dict):
        return value
    keys = _key_order(value, schema, top=top)
    children = {
        key: _ordered(value[key], _child_schema(schema, key) if schema else None) for key in keys
    }
    return _Flow(children) if _is_flow(schema, children) else _Block(children)


def _key_order(
    value: Mapping[str, Any], schema: Mapping[str, Any] | None, *, top: bool
) -> list[str]:
    declared = list(TOP_LEVEL_ORDER) if top else _yaml_key_order(schema or {}, value)
    known = [key for key in dict.fromkeys(declared) if key in value]
    return known + sorted(key for key in value if key not in known)


def _is_flow(schema: Mapping[str, Any] | None, children: Mapping[str, Any]) -> bool:
    """Texts, selectors, crosswalk sources and maps of scalars (variant weights, crosswalk
    values) fit on one line; records (nodes, rules, options…) and sources stay in block style."""
    if schema is None or any(isinstance(v, dict) for v in children.values()):
        return False
    defs = load_schema()["$defs"]
    if schema is defs["text"]:
        return sum(len(str(v)) for v in children.values()) <= FLOW_TEXT_LIMIT
    if schema is defs["selector"]:
        return True
    if schema is defs["crosswalk"]["properties"]["from"]:
        return True
    extras = (branch.get("additionalProperties") for branch in _branches(schema))
    return any(isinstance(e, Mapping) and e.get("type") in ("number", "string") for e in extras)
