"""A seed file on a running sandbox, and the CLI refusing a bad one before it starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.processes import checkout_env
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import running_sandbox


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
