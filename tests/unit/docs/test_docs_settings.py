"""Every `UOA_*` variable the docs name is one the service reads (or one the tests reserve), so a
renamed setting cannot leave a page telling readers to set a variable start-up would refuse."""

from __future__ import annotations

import re
from pathlib import Path

from unified_order_api.config import Settings
from unified_order_api.config.keys import CONFIG_FILE_ENV, RESERVED_ENV_PREFIX, unknown_environment

ROOT = Path(__file__).resolve().parents[3]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
# A whole name: `UOA_QUEUE__BATCH_SIZE`; not a prefix the page goes on to abbreviate (`UOA_WEBHOOKS__…`).
_NAME = re.compile(r"\bUOA_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_]|…|\*)")
# The quickstart shows a typo being refused.
MISSPELT_ON_PURPOSE = {"UOA_SHIPING_MAP"}


def named_variables() -> dict[str, list[str]]:
    """Every `UOA_*` name on a page, with the pages that name it."""
    found: dict[str, list[str]] = {}
    for page in PAGES:
        for name in set(_NAME.findall(page.read_text(encoding="utf-8"))):
            found.setdefault(name, []).append(str(page.relative_to(ROOT)))
    return found


def test_every_variable_the_docs_name_is_read_by_the_service() -> None:
    named = named_variables()
    assert {"UOA_XENTRAL_URL", "UOA_QUEUE__BATCH_SIZE", CONFIG_FILE_ENV} <= set(named)
    unknown = {
        name: (problem, named[name])
        for name, problem in unknown_environment(Settings, dict.fromkeys(named, ""))
        if not name.startswith(RESERVED_ENV_PREFIX) and name not in MISSPELT_ON_PURPOSE
    }
    assert unknown == {}


def test_a_misspelled_variable_would_be_caught() -> None:
    assert dict(unknown_environment(Settings, dict.fromkeys(MISSPELT_ON_PURPOSE, ""))).keys() == MISSPELT_ON_PURPOSE
    assert _NAME.findall("`UOA_WEBHOOKS__…` and `UOA_LIMITS__*` and `UOA_TOTALS__TOLERANCE`") == [
        "UOA_TOTALS__TOLERANCE"
    ]
