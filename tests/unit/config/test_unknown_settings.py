"""Unknown `UOA_*` variables and unknown keys in values are refused, checked against the nested models;
the names the settings own, their former names and the reserved ones pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from unified_order_api.config import Settings, describe_errors

CLIENT = {"name": "shop", "api_key": "key-that-must-not-show"}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment without any `UOA_*` variable but the ones a test sets."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("UOA_"):
            monkeypatch.delenv(name)
    return monkeypatch


def _refusal(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    return describe_errors(refused.value, Settings)


def test_nested_variables_are_checked_against_the_nested_models(environment: pytest.MonkeyPatch) -> None:
    message = _refusal(environment, UOA_QUEUE__POL_SECONDS="1")
    assert message == "UOA_QUEUE__POL_SECONDS: unknown setting, did you mean UOA_QUEUE__POLL_SECONDS?"


def test_a_misspelled_section_is_corrected_as_a_whole_name(environment: pytest.MonkeyPatch) -> None:
    message = _refusal(environment, UOA_DEFAULT__PROJECT_ID="1")
    assert message == "UOA_DEFAULT__PROJECT_ID: unknown setting, did you mean UOA_DEFAULTS__PROJECT_ID?"


def test_a_plain_setting_takes_no_nested_keys(environment: pytest.MonkeyPatch) -> None:
    assert "UOA_LOG_LEVEL takes a value" in _refusal(environment, UOA_LOG_LEVEL__FILE="x")


def test_every_unknown_variable_is_named_at_once_and_no_value(environment: pytest.MonkeyPatch) -> None:
    message = _refusal(environment, UOA_XENTRAL_TOKNE="token-that-must-not-show", UOA_ZZZZ="1")
    assert "UOA_XENTRAL_TOKNE: unknown setting, did you mean UOA_XENTRAL_TOKEN?" in message
    assert "UOA_ZZZZ: unknown setting" in message
    assert "must-not-show" not in message


def test_owned_variables_and_reserved_names_are_accepted(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "uoa.toml"
    config.write_text("", encoding="utf-8")
    owned = {
        "UOA_QUEUE__POLL_SECONDS": "2",
        "UOA_QUEUE__CONCURRENCY": "7",  # the former name of batch_size, still accepted
        "UOA_SHIPPING_MAP__DHL": "4",  # a mapping's keys are the operator's own
        "UOA_XENTRAL_INSTANCES__EU__URL": "https://eu.xentral.biz",
        "UOA_XENTRAL_INSTANCES__EU__TOKEN": "t",
        "uoa_log_level": "WARNING",  # names are case-insensitive, as pydantic-settings reads them
        "UOA_TEST_ANYTHING": "the test suite's own",
        "UOA_CONFIG_FILE": str(config),
    }
    for name, value in owned.items():
        environment.setenv(name, value)
    settings = Settings()
    assert (settings.queue.poll_seconds, settings.queue.batch_size, settings.shipping_map) == (2, 7, {"dhl": "4"})
    assert (settings.xentral_instances["eu"].url, settings.log_level) == ("https://eu.xentral.biz", "WARNING")


def test_unknown_keys_in_values_passed_in_code_are_refused_too(environment: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(clients=[{**CLIENT, "notify_failure": True}], webhooks={"timeout_second": 3})
    message = describe_errors(refused.value, Settings)
    assert "notify_failure: unknown key, did you mean 'notify_failures'?" in message
    assert "webhooks.timeout_second: unknown key, did you mean 'timeout_seconds'?" in message
