"""Child Pythons started by the tests run this checkout's code, whatever the environment's install points at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.processes import SOURCE, checkout_env

_WHERE = "import unified_order_api, xentral_sandbox; print(unified_order_api.__file__); print(xentral_sandbox.__file__)"


def test_a_child_imports_this_checkouts_src_ahead_of_another_checkouts(tmp_path: Path) -> None:
    other = tmp_path / "other-checkout" / "src"
    for package in ("unified_order_api", "xentral_sandbox"):
        (other / package).mkdir(parents=True)
        (other / package / "__init__.py").write_text("", "utf-8")
    inherited = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(other)}

    imported = subprocess.run(
        [sys.executable, "-c", _WHERE], env=checkout_env(inherited), capture_output=True, text=True, timeout=60
    )

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == [
        str(SOURCE / "unified_order_api" / "__init__.py"),
        str(SOURCE / "xentral_sandbox" / "__init__.py"),
    ]
    assert checkout_env(inherited)["PYTHONPATH"].endswith(str(other))  # what was there is kept, behind ours
