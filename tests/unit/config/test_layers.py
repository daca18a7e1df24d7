"""The configuration is owned by no one below it: nothing under `orders/` imports `unified_order_api.config`."""

from __future__ import annotations

import ast
from pathlib import Path

import unified_order_api

PACKAGE = Path(unified_order_api.__file__).parent


def _imported_modules(source: str, package: str) -> set[str]:
    """Every module `source` (a module of `package`) imports, as absolute names, relative ones resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _imports_of(path: Path) -> set[str]:
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    return _imported_modules(path.read_text(encoding="utf-8"), package)


def _configuration(names: set[str]) -> list[str]:
    return sorted(name for name in names if name.split(".")[:2] == ["unified_order_api", "config"])


def test_every_form_of_importing_the_configuration_is_seen() -> None:
    forms = [
        "from ..config import Settings",
        "from ..config.rules import CLIENT_SECTIONS",
        "from .. import config",
        "import unified_order_api.config.settings",
        "from unified_order_api.config import ApiClient",
    ]
    for form in forms:
        assert _configuration(_imported_modules(form, "unified_order_api.orders")), form
    assert not _configuration(_imported_modules("from .routing import DEFAULT_INSTANCE", "unified_order_api.orders"))
    assert not _configuration(_imported_modules("from ..clock import Clock", "unified_order_api.orders"))


def test_nothing_under_orders_imports_the_configuration() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): _configuration(_imports_of(path))
        for path in sorted((PACKAGE / "orders").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
