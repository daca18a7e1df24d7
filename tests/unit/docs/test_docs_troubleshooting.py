"""The operators' troubleshooting page is keyed by every problem code the service answers: a new code in
docs/errors.md (generated from the problem catalogue) without a row there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from unified_order_api.api.problem_catalogue import ENTRIES

ROOT = Path(__file__).resolve().parents[3]
TROUBLESHOOTING = ROOT / "docs" / "operations" / "troubleshooting.md"


def keyed_codes() -> set[str]:
    """The codes in the first cell of the page's table rows, each linked to its entry in errors.md."""
    codes: set[str] = set()
    for line in TROUBLESHOOTING.read_text(encoding="utf-8").splitlines():
        if line.startswith("| [`"):
            first_cell = line.split(" | ", 1)[0]
            for code, anchor in re.findall(r"\[`([a-z_]+)`\]\(\.\./errors\.md#([a-z_]+)\)", first_cell):
                assert code == anchor, f"{code} links to #{anchor}"
                codes.add(code)
    return codes


def test_every_problem_code_has_a_row() -> None:
    catalogue = {entry.code for entry in ENTRIES}
    keyed = keyed_codes()
    assert catalogue - keyed == set(), "codes without a troubleshooting row"
    assert keyed - catalogue == set(), "rows for codes the service does not answer"
