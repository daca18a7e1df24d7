"""`python -m xentral_sandbox`: readings and limited tokens from the command line."""

from __future__ import annotations

import pytest

from xentral_sandbox.__main__ import parse_config
from xentral_sandbox.readings import Readings


def test_readings_and_limited_tokens_from_the_command_line() -> None:
    host, port, config = parse_config(
        [
            "--port",
            "9000",
            "--reading",
            "discount_scale=percent",
            "--reading",
            "missing_scope=401",
            "--limited-token",
            "shop=customer:read,salesOrder:create",
        ]
    )
    assert (host, port) == ("127.0.0.1", 9000)
    assert config.readings == Readings(discount_scale="percent", missing_scope="401")
    assert config.limited_tokens == {"shop": frozenset({"customer:read", "salesOrder:create"})}


def test_the_old_duplicate_flag_is_the_refused_400_reading() -> None:
    _, _, config = parse_config(["--reject-duplicate-external-order-number"])
    assert config.readings.repeated_reference == "refused-400"


@pytest.mark.parametrize("argument", ["discount_scale=permille", "nonsense=1", "discount_scale"])
def test_a_bad_reading_is_refused_naming_why(argument: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_config(["--reading", argument])
    assert stopped.value.code == 2
    assert "discount_scale" in capsys.readouterr().err
