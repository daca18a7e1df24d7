"""`sandbox --seed FILE` / `demo --seed FILE`: your own products, customers and methods in the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.processes import checkout_env
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.seeding import SeedError, merge_seed
from xentral_sandbox.state import load_seed
from xentral_sandbox.testing import running_sandbox


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


def test_the_seeded_sandbox_serves_the_files_products(tmp_path: Path) -> None:
    seed = tmp_path / "catalogue.json"
    seed.write_text(json.dumps({"products": [{"number": "MY-SKU-1", "name": "Mine"}]}), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed)) as sandbox:
        found = httpx.get(
            f"{sandbox.base_url}/api/v1/products",
            params={"filter[0][key]": "number", "filter[0][op]": "equals", "filter[0][value]": "MY-SKU-1"},
            headers=sandbox.headers,
        ).json()["data"]
        assert [p["name"] for p in found] == ["Mine"]
        sandbox.reset()
        assert any(p["number"] == "MY-SKU-1" for p in sandbox.state.products.values())  # reset keeps the file's seed


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_the_cli_refuses_a_bad_seed_file_before_starting(command: str, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"products": [{"name": "no number"}]}', "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "unified_order_api.cli", command, "--seed", str(seed), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=checkout_env(),
    )
    assert result.returncode == 2
    assert "--seed products[0] needs a 'number'" in result.stderr
