"""`sandbox --seed FILE` / `demo --seed FILE`: your own products, customers and methods in the sandbox."""

from __future__ import annotations

import pytest

from xentral_sandbox.seeding import SeedError, merge_seed
from xentral_sandbox.state import load_seed


def test_records_are_added_to_the_packaged_seed_or_replace_by_id() -> None:
    base = load_seed()
    merged = merge_seed(
        base,
        {
            "products": [
                {"number": "MY-1", "salesPriceGross": "9.99"},
                {"id": "1", "number": "ART-001", "name": "Renamed"},
            ],
            "customers": [{"name": "Neu GmbH", "email": "neu@example.com"}],
            "paymentMethods": [{"type": "bacs", "designation": "Bank transfer"}],
        },
    )
    products = {p["number"]: p for p in merged["products"]}
    assert len(merged["products"]) == len(base["products"]) + 1
    assert products["ART-001"]["name"] == "Renamed"
    mine = products["MY-1"]
    assert (mine["name"], mine["project"], mine["salesTax"]) == ("MY-1", "1", "standard")
    assert int(mine["id"]) > max(int(p["id"]) for p in base["products"])
    [customer] = [c for c in merged["customers"] if c["name"] == "Neu GmbH"]
    assert customer["number"] == str(base["numberRanges"]["customer"])
    assert merged["numberRanges"]["customer"] == base["numberRanges"]["customer"] + 1
    assert base["products"][0]["name"] != "Renamed"  # the packaged seed itself is untouched


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"article": []}, "unknown seed keys: article"),
        ({"products": {"number": "X"}}, "products must be a list"),
        ({"products": [{"name": "no number"}]}, "products[0] needs a 'number'"),
        ({"customers": ["Max"]}, "customers[0] must be an object"),
    ],
)
def test_a_bad_seed_says_what_is_wrong(extra: dict[str, object], message: str) -> None:
    with pytest.raises(SeedError, match=message.replace("[", r"\[").replace("]", r"\]")):
        merge_seed(load_seed(), extra)
