"""Read YAML specs (with ``extends:``), validate them, and hash them canonically.

Every problem becomes one :class:`~twin.core.errors.InputError` naming the file, the field and
what is allowed; nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import json
import re
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from twin.config.factory import FactorySpec
from twin.core.errors import InputError

__all__ = [
    "MAX_SPEC_BYTES",
    "FieldError",
    "canonical_json",
    "load_factory_spec",
    "parse_factory_spec",
    "parse_yaml_text",
    "read_yaml",
    "spec_hash",
    "validate_model",
]

MAX_SPEC_BYTES = 2_000_000


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans (YAML 1.1 reads ``off:`` as False)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Yaml12Loader.yaml_implicit_resolvers.setdefault(_first, []).append(
        ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


def parse_yaml_text(text: str) -> Any:
    """Parse YAML text safely (no Python objects; only true/false are booleans)."""
    return yaml.load(text, Loader=_Yaml12Loader)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def read_yaml(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a YAML mapping, resolving ``extends:`` (a path relative to the file) recursively.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    dict
        The merged mapping: the file's keys override the keys of the file it extends
        (mappings merge key by key; lists and scalars are replaced).

    Raises
    ------
    InputError
        If the file is missing, too large, not YAML, not a mapping, or extends in a cycle.
    """
    p = Path(path)
    src = str(path)
    if not p.is_file():
        raise InputError(src, None, "file not found")
    if p.stat().st_size > MAX_SPEC_BYTES:
        raise InputError(src, None, f"file is larger than {MAX_SPEC_BYTES // 1_000_000} MB")
    try:
        data = parse_yaml_text(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(src, None, "not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(src, where, f"not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise InputError(src, None, "expected a YAML mapping (key: value) at the top level")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(src, "extends", "must be a relative path to another YAML file")
    resolved = (p.parent / parent).resolve()
    if resolved in _chain or resolved == p.resolve():
        raise InputError(src, "extends", f"cycle through '{parent}'")
    base = read_yaml(resolved, (*_chain, p.resolve()))
    return _deep_merge(base, data)


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in str(part) or part in _DIST_TAGS:
            continue  # pydantic's internal union/function labels
        else:
            out += f".{part}" if out else str(part)
    return out


_DIST_TAGS = {
    "constant",
    "exponential",
    "lognormal",
    "weibull",
    "triangular",
    "normal",
    "empirical",
}


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int) or "[" in str(part):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return current if part == loc[-1] else None
            current = _first_model(field.annotation)
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _first_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _describe(model: type[BaseModel], err: dict[str, Any]) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid"))
    field = _format_loc(loc)
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1]) if len(loc) > 1 else model
        allowed = sorted(owner.model_fields) if owner is not None else []
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return _format_loc(loc[:-1]), f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return field, "required field is missing"
    if kind == "union_tag_invalid":
        return field, (
            "unknown distribution; allowed dist: constant, exponential, lognormal, weibull, "
            "triangular, normal, empirical"
        )
    if kind == "union_tag_not_found":
        return field, "a distribution needs 'dist' (constant, exponential, lognormal, ...)"
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    return field, msg


class FieldError(ValueError):
    """A cross-field problem raised by a validator that knows which field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


M = TypeVar("M", bound=BaseModel)


def validate_model(model: type[M], data: Any, source: str) -> M:
    """Validate a parsed mapping as ``model``, turning problems into one :class:`InputError`.

    The error names ``source``, the field (a dotted path) and what is allowed, with a count of
    further problems, if any.
    """
    if not isinstance(data, dict):
        raise InputError(source, None, "expected a mapping (key: value) at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            field, message = cause.field, cause.message
        else:
            field, message = _describe(model, first)
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise InputError(source, field or None, message) from None


def parse_factory_spec(data: Any, source: str = "<spec>") -> FactorySpec:
    """Validate a mapping as a :class:`FactorySpec`.

    Parameters
    ----------
    data
        The parsed YAML (or JSON) mapping.
    source
        Name of the file or upload, used in error messages.

    Raises
    ------
    InputError
        On the first problem found, naming the field and what is allowed (with a count of
        further problems, if any).
    """
    return validate_model(FactorySpec, data, source)


def load_factory_spec(path: str | Path) -> FactorySpec:
    """Read and validate a factory spec YAML file (see :func:`read_yaml`)."""
    return parse_factory_spec(read_yaml(path), str(path))


def canonical_json(model: BaseModel) -> str:
    """Canonical JSON of a spec: sorted keys, defaults included, no whitespace."""
    return json.dumps(model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def spec_hash(model: BaseModel) -> str:
    """SHA-256 of :func:`canonical_json` (hex, first 16 characters)."""
    return hashlib.sha256(canonical_json(model).encode("utf-8")).hexdigest()[:16]
