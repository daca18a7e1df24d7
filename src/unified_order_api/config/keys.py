"""The names the settings own, and the closest one to a name they do not own.

A misspelled key would otherwise be ignored and its default used without a word, so every
settings model refuses unknown fields (`extra="forbid"`), and `UOA_*` environment variables are
checked against the same models before anything is read: a TOML key, a key inside a JSON value
and an environment variable are all refused at start-up, naming the key and the valid name
closest to it (difflib). The key tree is read from the models, so a new field is known here
without being listed.

Reserved: `UOA_CONFIG_FILE` (names the TOML file) and every name beginning `UOA_TEST_` (the test
suite's own variables, never settings) are not checked.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "CONFIG_FILE_ENV",
    "ENV_DELIMITER",
    "ENV_PREFIX",
    "RESERVED_ENV_PREFIX",
    "closest",
    "describe_errors",
    "env_name",
    "field_names",
    "refuse_unknown_environment",
    "unknown_environment",
]

ENV_PREFIX = "UOA_"
ENV_DELIMITER = "__"
CONFIG_FILE_ENV = "UOA_CONFIG_FILE"
RESERVED_ENV_PREFIX = "UOA_TEST_"
"""Variables the test suite reads (databases, Redis, payload folders); no setting may begin so."""


def field_names(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """Every key `model` accepts, its aliases included (`queue.concurrency`), with the field it sets."""
    names: dict[str, FieldInfo] = {}
    for name, info in model.model_fields.items():
        names[name] = info
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias] if isinstance(alias, str) else []
        for choice in choices:
            if isinstance(choice, str):
                names[choice] = info
    return names


def closest(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate a typo most likely meant, or None when none is close."""
    found = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def _members(annotation: Any) -> list[Any]:
    """The types an annotation allows: `A | B | None` → [A, B]; `Annotated[A, …]` → [A]."""
    if get_origin(annotation) is Annotated:
        return _members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return [member for arg in get_args(annotation) for member in _members(arg) if member is not type(None)]
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _step(annotation: Any, part: str | int) -> tuple[Any, bool]:
    """The type one step below `annotation` along an error location, and whether `part` was consumed
    by a union member's name (pydantic puts the member tried into the location)."""
    members = _members(annotation)
    for member in members:
        if isinstance(part, str) and getattr(member, "__name__", None) == part:
            return member, True
    models = [member for member in members if _is_model(member)]
    if models and isinstance(part, str):
        info = field_names(models[0]).get(part)
        return (info.annotation if info else None), False
    for member in members:
        if get_origin(member) in (list, tuple, set, frozenset) and isinstance(part, int):
            return get_args(member)[0] if get_args(member) else None, False
        if get_origin(member) in (dict, Mapping) and len(get_args(member)) == 2:
            return get_args(member)[1], False
    return None, False


def _model_at(model: type[BaseModel], location: Sequence[str | int]) -> type[BaseModel] | None:
    """The model an error location points into (the location of an unknown key, without the key)."""
    current: Any = model
    for part in location:
        current, _ = _step(current, part)
        if current is None:
            return None
    models = [member for member in _members(current) if _is_model(member)]
    return models[0] if models else None


def _unknown_key(model: type[BaseModel] | None, location: Sequence[str | int]) -> str:
    owner = _model_at(model, location[:-1]) if model is not None else None
    key = location[-1] if location else ""
    close = closest(str(key), list(field_names(owner))) if owner is not None else None
    return f"unknown key, did you mean '{close}'?" if close else "unknown key"


def describe_errors(error: ValidationError, model: type[BaseModel] | None = None) -> str:
    """`field.path: message; …` of a validation error, without the rejected values.

    With the `model` that was validated, an unknown key names the closest valid one."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            message = _unknown_key(model, item["loc"])
        else:
            message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def env_name(*path: str) -> str:
    """`("queue", "poll_seconds")` → `UOA_QUEUE__POLL_SECONDS`."""
    return ENV_PREFIX + ENV_DELIMITER.join(path).upper()


def _env_problem(model: type[BaseModel], path: list[str]) -> str | None:
    """Why the settings own no variable along `path` (lower case, split at `__`), or None when they do."""
    current: Any = model
    walked: list[str] = []
    for part in path:
        models = [member for member in _members(current) if _is_model(member)]
        maps = [member for member in _members(current) if get_origin(member) in (dict, Mapping)]
        if models:
            known = field_names(models[0])
            if part not in known:
                close = closest(part, list(known))
                if close is None:
                    return "unknown setting"
                rest = path[len(walked) + 1 :]
                # The whole name corrected when the rest of it fits (`UOA_QUEU__POLL_SECONDS`), else the part.
                fits = _env_problem(model, [*walked, close, *rest]) is None
                return f"unknown setting, did you mean {env_name(*walked, close, *(rest if fits else []))}?"
            current = known[part].annotation
        elif maps:
            current = get_args(maps[0])[1] if len(get_args(maps[0])) == 2 else None
        else:
            return f"{env_name(*walked)} takes a value, not nested keys"
        walked.append(part)
    return None


def unknown_environment(model: type[BaseModel], environ: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """Every `UOA_*` variable in `environ` that `model` does not own, with why (reserved names aside)."""
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(RESERVED_ENV_PREFIX) or upper == CONFIG_FILE_ENV:
            continue
        problem = _env_problem(model, upper.removeprefix(ENV_PREFIX).lower().split(ENV_DELIMITER))
        if problem is not None:
            yield name, problem


def refuse_unknown_environment(model: type[BaseModel], environ: Mapping[str, str]) -> None:
    """Raise a `ValidationError` (as any other bad setting) naming every unknown `UOA_*` variable."""
    details: list[InitErrorDetails] = [
        {"type": PydanticCustomError("unknown_setting", problem), "loc": (name,), "input": None}
        for name, problem in unknown_environment(model, environ)
    ]
    if details:
        raise ValidationError.from_exception_data(model.__name__, details)
