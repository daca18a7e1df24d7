"""The settings reference (`docs/reference/settings.md`) is generated from the models and lists every setting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from unified_order_api.config import Settings, reference
from unified_order_api.config.keys import unknown_environment
from unified_order_api.config.reference import _members

COMMITTED = Path(__file__).parents[3] / "docs" / "reference" / "settings.md"


def _models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    """`model` and every model a field of it holds, however deep (clients, their shop, instances, …)."""
    seen = set() if seen is None else seen
    seen.add(model)

    def walk(annotation: Any) -> None:
        for member in _members(annotation):
            if isinstance(member, type) and issubclass(member, BaseModel) and member not in seen:
                _models(member, seen)
            for argument in getattr(member, "__args__", ()):
                walk(argument)

    for info in model.model_fields.values():
        walk(info.annotation)
    return seen


def test_the_committed_reference_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == reference.render(), "run `make settings-doc`"


def test_every_field_of_every_settings_model_is_described() -> None:
    undescribed = [
        f"{model.__name__}.{name}"
        for model in _models(Settings)
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert undescribed == []


def test_every_field_is_a_row_of_the_reference() -> None:
    keys = {row.key.strip("`").rsplit(".", 1)[-1] for row in reference.rows()}
    missing = [
        f"{model.__name__}.{name}" for model in _models(Settings) for name in model.model_fields if name not in keys
    ]
    assert missing == []
    variables = {row.env.strip("`") for row in reference.rows()}
    for documented_nowhere_before in (
        "UOA_XENTRAL_RATE_WINDOW_SECONDS",
        "UOA_DEFAULTS__INTERNAL_DESIGNATION",
        "UOA_QUEUE__POLL_SECONDS",
    ):
        assert documented_nowhere_before in variables


def test_every_variable_the_reference_names_is_one_the_settings_accept() -> None:
    variables = {row.env.strip("`").replace("<NAME>", "EU"): "1" for row in reference.rows() if row.env.startswith("`")}
    assert len(variables) > 60
    assert list(unknown_environment(Settings, variables)) == []


def test_a_row_says_type_default_and_description() -> None:
    text = reference.render()
    row = next(line for line in text.splitlines() if line.startswith("| `queue.poll_seconds` |"))
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]
    assert cells == [
        "`queue.poll_seconds`",
        "`UOA_QUEUE__POLL_SECONDS`",
        "number",
        "`0.5`",
        "How often an idle worker looks for work.",
    ]
    assert re.search(r"^\| `clients\[\]\.api_key` \| — \| secret \| required \| ", text, re.MULTILINE)


def test_check_refuses_a_stale_file_and_accepts_a_fresh_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.md"
    path.write_text(reference.render().replace("How often an idle worker", "How rarely an idle worker"))
    assert reference.main(["--check", str(path)]) == 1
    assert reference.main([str(path)]) == 0
    assert reference.main(["--check", str(path)]) == 0
