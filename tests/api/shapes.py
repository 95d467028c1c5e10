"""Validate a raw JSON response body against botocore's output shape for an operation (Glue's by default, or
another service's: EventBridge is "events").

A checker, not a parser: it answers "is this exactly what a strict client (the JS SDK's
expectInt32/expectBoolean, botocore's parser) may receive?" and lists every problem it finds:
unknown members, JSON null anywhere, strings that are not strings, integers that are floats or
booleans, booleans that are not booleans, timestamps that are not numbers, enum values outside
the model, string lengths outside the model's bounds, and the same recursively through
structures, lists and maps.
"""

import json
import math

import botocore.session

_MODELS = {}

# The Java single-line pattern of the Glue common types, in code points.
_SINGLE_LINE = "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*"

INT32_MIN, INT32_MAX = -(2 ** 31), 2 ** 31 - 1
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def service_model(service="glue"):
    if service not in _MODELS:
        _MODELS[service] = botocore.session.get_session().get_service_model(service)
    return _MODELS[service]


def output_shape(op, service="glue"):
    return service_model(service).operation_model(op).output_shape


def _single_line_ok(s):
    for ch in s:
        c = ord(ch)
        if ch == "\t":
            continue
        if c < 0x20 or 0xD800 <= c <= 0xDFFF or c in (0xFFFE, 0xFFFF):
            return False
    return True


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_value(shape, value, path, problems):
    """Append a description of every mismatch between value and shape to problems."""
    if value is None:
        problems.append(f"{path}: null (absent members must be omitted)")
        return
    t = shape.type_name
    md = shape.metadata
    if t == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected object for {shape.name}, got {type(value).__name__}")
            return
        for k, v in value.items():
            if k not in shape.members:
                problems.append(f"{path}.{k}: unknown member of {shape.name}")
                continue
            check_value(shape.members[k], v, f"{path}.{k}", problems)
        for k in getattr(shape, "required_members", []) or []:
            if k not in value:
                problems.append(f"{path}.{k}: required member of {shape.name} missing")
    elif t == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected array for {shape.name}, got {type(value).__name__}")
            return
        for i, v in enumerate(value):
            check_value(shape.member, v, f"{path}[{i}]", problems)
    elif t == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected object (map) for {shape.name}, got {type(value).__name__}")
            return
        for k, v in value.items():
            check_value(shape.key, k, f"{path}<key {k!r}>", problems)
            check_value(shape.value, v, f"{path}[{k!r}]", problems)
    elif t == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected string for {shape.name}, got {type(value).__name__} {value!r:.60}")
            return
        enum = getattr(shape, "enum", None) or md.get("enum")
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {shape.name}'s values {list(enum)}")
        if "min" in md and len(value) < md["min"]:
            problems.append(f"{path}: string shorter than {md['min']} ({len(value)})")
        if "max" in md and len(value) > md["max"]:
            problems.append(f"{path}: string longer than {md['max']} ({len(value)})")
        if md.get("pattern") == _SINGLE_LINE and not _single_line_ok(value):
            problems.append(f"{path}: {value!r:.60} breaks the single-line pattern")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected JSON integer for {shape.name}, got {type(value).__name__} {value!r}")
            return
        lo, hi = (INT32_MIN, INT32_MAX) if t == "integer" else (INT64_MIN, INT64_MAX)
        if not lo <= value <= hi:
            problems.append(f"{path}: {value} out of {t} range")
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected JSON boolean, got {type(value).__name__} {value!r}")
    elif t == "timestamp":
        if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            problems.append(f"{path}: timestamp must be a JSON number (epoch seconds), got {value!r}")
    elif t in ("double", "float"):
        if not _is_number(value):
            problems.append(f"{path}: expected JSON number, got {value!r}")
    elif t == "blob":
        if not isinstance(value, str):
            problems.append(f"{path}: expected base64 string for blob, got {value!r}")
    else:
        problems.append(f"{path}: checker does not know shape type {t}")


def problems_for(op, body, service="glue"):
    """Problems of a success body (bytes, str or already-decoded JSON) for operation op of service."""
    problems = []
    if isinstance(body, (bytes, bytearray)):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as e:
            return [f"body is not UTF-8: {e}"]
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as e:
            return [f"body is not JSON: {e}"]
    shape = output_shape(op, service)
    if shape is None:
        if body != {}:
            problems.append(f"operation {op} has no output, body should be {{}}: {body!r:.200}")
        return problems
    check_value(shape, body, op + "Response", problems)
    return problems


def error_problems(body):
    """Problems of an error body: exactly {"__type": str, "Message": str}, nothing null."""
    try:
        doc = json.loads(body) if isinstance(body, (bytes, bytearray, str)) else body
    except ValueError as e:
        return [f"error body is not JSON: {e}"]
    problems = []
    if not isinstance(doc, dict):
        return [f"error body is not an object: {doc!r:.200}"]
    if not isinstance(doc.get("__type"), str) or not doc.get("__type"):
        problems.append(f"error body lacks a string __type: {doc!r:.200}")
    if not isinstance(doc.get("Message"), str) or not doc.get("Message"):
        problems.append(f"error body lacks a non-empty string Message: {doc!r:.200}")
    for k, v in doc.items():
        if v is None:
            problems.append(f"error body member {k} is null")
    return problems


class ShapeError(AssertionError):
    pass


def assert_shape(op, body, service="glue"):
    p = problems_for(op, body, service)
    if p:
        raise ShapeError(f"{op} response does not match the {service} model:\n  " + "\n  ".join(p))
