"""Writes the settings reference (`docs/reference/settings.md`) from the settings models.

Every row comes from a field: its environment variable, TOML key, type, default and its
docstring as description, so the reference cannot forget a setting or drift from the code (a
test compares the committed file with this output). Run `make settings-doc` after adding or
changing a setting; `--check` exits 1 when the file is out of date.

    python -m unified_order_api.config.reference [--check] [PATH]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .keys import CONFIG_FILE_ENV, ENV_DELIMITER, ENV_PREFIX, RESERVED_ENV_PREFIX
from .settings import Settings

__all__ = ["CONSTANTS", "Row", "render", "rows"]

DEFAULT_PATH = Path("docs/reference/settings.md")

CONSTANTS = (
    ("unified_order_api.housekeeping", "PURGE_INTERVAL_SECONDS"),
    ("unified_order_api.housekeeping", "QUEUE_DEPTH_INTERVAL_SECONDS"),
    ("unified_order_api.store.attempts", "_CLAIM_ROUNDS"),
    ("unified_order_api.store.attempts", "_NOTE_ROUNDS"),
    ("unified_order_api.store.grouped_inserts", "MAX_GROUP"),
)
"""Fixed numbers that are not settings on purpose; each one's docstring says why (listed in the reference)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One setting as the reference lists it."""

    key: str
    env: str
    type: str
    default: str
    description: str


@dataclass(frozen=True, slots=True)
class Table:
    """A group of rows under one heading: the top level, a section, a client, …"""

    heading: str
    intro: str
    rows: tuple[Row, ...]


def _members(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Annotated:
        return _members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return [member for arg in get_args(annotation) for member in _members(arg)]
    return [annotation]


def type_name(annotation: Any) -> str:
    """The type as a reader of the reference thinks of it: `integer`, `list of text`, `a` \\| `b`."""
    names = []
    for member in _members(annotation):
        origin = get_origin(member)
        if member is type(None):
            continue
        if origin is Literal:
            names.append(" \\| ".join(f"`{value}`" for value in get_args(member)))
        elif origin in (list, tuple, set, frozenset):
            names.append(f"list of {type_name(get_args(member)[0])}")
        elif origin is dict:
            names.append(f"map of {type_name(get_args(member)[1])}")
        elif isinstance(member, type) and issubclass(member, BaseModel):
            names.append("table")
        else:
            simple = {str: "text", int: "integer", float: "number", bool: "boolean", Decimal: "decimal"}
            names.append("secret" if member is SecretStr else simple.get(member, getattr(member, "__name__", "?")))
    optional = type(None) in _members(annotation)
    return " or ".join(names) + (" (optional)" if optional else "")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    if value is None or value is PydanticUndefined:
        return "—"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Decimal):
        return f"`{value}`"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _description(info: FieldInfo) -> str:
    text = " ".join((info.description or "").split())
    return text.replace("|", "\\|")


def _model(annotation: Any) -> type[BaseModel] | None:
    models = [m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return models[0] if models else None


def _section_rows(model: type[BaseModel], key: str, env: str) -> Iterator[Row]:
    """The fields of `model`, reached at TOML `key` and environment prefix `env` (empty: inside a JSON value)."""
    for name, info in model.model_fields.items():
        where = f"{key}.{name}" if key else name
        variable = f"`{env}{ENV_DELIMITER}{name.upper()}`" if env else "—"
        yield Row(f"`{where}`", variable, type_name(info.annotation), _default(info), _description(info))


def tables() -> list[Table]:
    """Every setting, grouped as the TOML file groups them."""
    top: list[Row] = []
    nested: list[Table] = []
    for name, info in Settings.model_fields.items():
        env = f"{ENV_PREFIX}{name.upper()}"
        model = _model(info.annotation)
        origin = get_origin(info.annotation)
        top.append(Row(f"`{name}`", f"`{env}`", type_name(info.annotation), _default(info), _description(info)))
        if model is not None and origin is None:
            nested.append(Table(f"`[{name}]`", _description(info), tuple(_section_rows(model, name, env))))
    nested += _nested_tables()
    return [Table("Top level", "Every setting, and each section's own entry.", tuple(top)), *nested]


def _nested_tables() -> list[Table]:
    """Settings inside lists and maps (clients, named instances, operators): set in TOML or JSON."""
    from .clients import ApiClient, ShopSettings
    from .sections import ConsoleOperator, XentralInstance
    from .write_back import ShopifyApi, ShopwareApi, WooCommerceApi

    instance_env = f"{ENV_PREFIX}XENTRAL_INSTANCES{ENV_DELIMITER}<NAME>"
    return [
        Table(
            "`[[clients]]`",
            f"One entry per API client, in TOML or in the JSON list of `{ENV_PREFIX}CLIENTS`. The sections "
            "`defaults`, `customers`, `idempotency` and `totals` of a client take the fields of the global "
            "section of the same name and override them field by field.",
            tuple(_section_rows(ApiClient, "clients[]", "")),
        ),
        Table(
            "`[clients.shop]`",
            "The shop whose own order webhooks post to `/api/shops/{client}/{kind}` for this client.",
            tuple(_section_rows(ShopSettings, "clients[].shop", "")),
        ),
        *(
            Table(
                f"`[clients.shop.api]` ({title})",
                f'A {title} shop\'s write-back credentials (`shop.kind = "{kind}"`); see docs/shops.md.',
                tuple(_section_rows(model, "clients[].shop.api", "")),
            )
            for kind, title, model in (
                ("woocommerce", "WooCommerce", WooCommerceApi),
                ("shopify", "Shopify", ShopifyApi),
                ("shopware", "Shopware 6", ShopwareApi),
            )
        ),
        Table(
            "`[xentral_instances.<name>]`",
            "A further Xentral instance; a client's own `xentral = {url, token}` takes the same fields.",
            tuple(_section_rows(XentralInstance, "xentral_instances.<name>", instance_env)),
        ),
        Table(
            "`[[console.operators]]`",
            f"One entry per person who may sign in to the console (TOML, or the JSON list of "
            f"`{ENV_PREFIX}CONSOLE{ENV_DELIMITER}OPERATORS`).",
            tuple(_section_rows(ConsoleOperator, "console.operators[]", "")),
        ),
    ]


def rows() -> list[Row]:
    """Every row of the reference, in order."""
    return [row for table in tables() for row in table.rows]


def _constant(module_name: str, name: str) -> tuple[str, str]:
    """A module constant's value as written and its docstring (the string right below it)."""
    module = importlib.import_module(module_name)
    body = ast.parse(inspect.getsource(module)).body
    for index, node in enumerate(body):
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            following = body[index + 1] if index + 1 < len(body) else None
            text = following.value if isinstance(following, ast.Expr) else None
            doc = text.value if isinstance(text, ast.Constant) else None
            if not isinstance(doc, str):
                raise ValueError(f"{module_name}.{name} has no docstring saying why it is fixed")
            return repr(getattr(module, name)), " ".join(doc.split())
    raise ValueError(f"{module_name} has no constant {name}")


HEADER = f"""# Settings reference

<!-- Generated by `make settings-doc` (python -m unified_order_api.config.reference) from the settings
models; do not edit by hand: a test fails when this file and the models differ. -->

Every setting of the service, with its environment variable, its key in the TOML file, its type,
default and meaning.

- **Environment.** `{ENV_PREFIX}` + the name in capitals; a section's field is joined by `{ENV_DELIMITER}`,
  e.g. `{ENV_PREFIX}QUEUE{ENV_DELIMITER}POLL_SECONDS=1`. Lists and maps are JSON there, e.g.
  `{ENV_PREFIX}SHIPPING_MAP='{{"dhl_standard": "4"}}'`; names are not case-sensitive.
- **TOML file.** `{CONFIG_FILE_ENV}` names a TOML file that is read first; the environment wins over it.
  Sections are tables (`[queue]`), clients an array of tables (`[[clients]]`).
- **Typos are refused.** An unknown key (in the file, in a JSON value, or an unknown `{ENV_PREFIX}*`
  variable) stops `serve`, `check-config` and the other commands with exit status 2, naming the key
  and the closest valid name.
- **Reserved names.** `{CONFIG_FILE_ENV}` and every variable beginning `{RESERVED_ENV_PREFIX}` (the test
  suite's own: databases, Redis, payload folders) are not settings and are never checked.
- **Adding a setting** is one field with a docstring on its model in `unified_order_api/config/`
  (or `orders/policy.py` for the order sections), then `make settings-doc`.
"""


def render() -> str:
    """The whole reference as Markdown."""
    parts = [HEADER]
    for table in tables():
        parts.append(f"\n## {table.heading}\n\n{table.intro}\n\n")
        parts.append("| Setting | Environment variable | Type | Default | Description |\n")
        parts.append("| --- | --- | --- | --- | --- |\n")
        parts.extend(f"| {r.key} | {r.env} | {r.type} | {r.default} | {r.description} |\n" for r in table.rows)
    parts.append("\n## Constants\n\nFixed on purpose, not settings; each says why.\n\n")
    parts.append("| Constant | Value | Why |\n| --- | --- | --- |\n")
    for module_name, name in CONSTANTS:
        value, why = _constant(module_name, name)
        parts.append(f"| `{module_name.removeprefix('unified_order_api.')}.{name}` | `{value}` | {why} |\n")
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unified_order_api.config.reference", description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from the models")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.is_file() else ""
        if current != text:
            print(f"{args.path} is out of date: run `make settings-doc`", file=sys.stderr)
            return 1
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path} ({len(rows())} settings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
