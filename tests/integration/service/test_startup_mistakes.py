"""Every configuration or start-up mistake ends a command in a line or two naming the setting and the fix,
with exit status 2 and no traceback (issue 25, item 4), each command run as a real child process."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.databases import postgres_schema, postgres_server_url
from tests.support.processes import cli_refusal, free_port

KEY = "shop-key-0123456789"
XENTRAL = {"UOA_XENTRAL_URL": "https://acme.xentral.biz", "UOA_XENTRAL_TOKEN": "token-that-must-not-show"}
CLIENTS = {"UOA_CLIENTS": json.dumps([{"name": "shop", "api_key": KEY}])}
RUNNABLE = {**XENTRAL, **CLIENTS}

COMMANDS = {
    "serve": ["serve", "--port", "1"],
    "dispatcher": ["dispatcher"],
    "migrate": ["migrate"],
    "check-config": ["check-config"],
}


def _refused(result: subprocess.CompletedProcess[str], *expected: str, lines: int = 2) -> str:
    """The refusal's text, after checking it: exit 2, no traceback, at most `lines` lines, each `expected` in it."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and 'File "' not in output, output
    assert len(result.stderr.strip().splitlines()) <= lines, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "must-not-show" not in output and KEY not in output
    return result.stderr


def _closed_port_database() -> str:
    return f"postgresql+psycopg://uoa:password-that-must-not-show@127.0.0.1:{free_port()}/uoa"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_trailing_comma_in_the_clients_json_names_the_variable_line_and_column(command: str, tmp_path: Path) -> None:
    clients = '[{"name": "shop", "api_key": "key-that-must-not-show"},]'
    result = cli_refusal(tmp_path, COMMANDS[command], **XENTRAL, UOA_CLIENTS=clients)
    text = _refused(result, f"unified-order-api {command}: UOA_CLIENTS is not valid JSON", "line 1, column 56")
    assert "trailing comma" in text


def test_broken_json_in_a_nested_variable_names_that_variable(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS["serve"], **RUNNABLE, UOA_CONSOLE__OPERATORS='[{"name": "alice"}')
    _refused(result, "UOA_CONSOLE__OPERATORS is not valid JSON", "line 1, column 19")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_invalid_toml_names_the_file_line_and_column(command: str, tmp_path: Path) -> None:
    config = tmp_path / "uoa.toml"
    config.write_text('xentral_url = "https://acme.xentral.biz"\nclients = [\n  { name = "shop", },\n]\n')
    result = cli_refusal(tmp_path, COMMANDS[command], UOA_CONFIG_FILE=str(config))
    _refused(result, f"UOA_CONFIG_FILE: {config} is not valid TOML", "line 3, column")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_config_file_is_named_with_the_fix(command: str, tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS[command], UOA_CONFIG_FILE=str(tmp_path / "nope.toml"))
    _refused(result, f"UOA_CONFIG_FILE names {tmp_path / 'nope.toml'}, which does not exist", "unset UOA_CONFIG_FILE")


@pytest.mark.parametrize("command", ["serve", "check-config"])
def test_the_readme_placeholder_in_the_token_is_refused_before_httpx_sees_it(command: str, tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS[command], **{**RUNNABLE, "UOA_XENTRAL_TOKEN": "pat-…"})
    _refused(result, "xentral_token: character 5 is not printable ASCII", "'…' placeholder")


def test_the_readme_placeholder_in_a_client_key_is_refused(tmp_path: Path) -> None:
    clients = json.dumps([{"name": "shop", "api_key": "replace-this-key-…"}])
    result = cli_refusal(tmp_path, COMMANDS["serve"], **XENTRAL, UOA_CLIENTS=clients)
    _refused(result, "client 'shop': api_key: character 18 is not printable ASCII")


def test_a_one_character_client_key_is_refused(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS["serve"], **XENTRAL, UOA_CLIENTS='[{"name": "shop", "api_key": "k"}]')
    _refused(result, "client 'shop': api_key: a key needs at least 16 characters")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("acme.xentral.biz", "xentral_url: must be the instance's address with its scheme"),
        ("https://acme.xentral.biz/api/v1", "xentral_url: must not include the API path (use https://acme.xentral.biz"),
    ],
)
def test_a_xentral_url_in_the_wrong_form_is_refused(url: str, expected: str, tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS["check-config"], **{**RUNNABLE, "UOA_XENTRAL_URL": url})
    _refused(result, expected)


def test_an_instance_url_with_the_api_path_is_refused(tmp_path: Path) -> None:
    instances = json.dumps({"merchant": {"url": "https://m.xentral.biz/api/v2/", "token": "t-must-not-show"}})
    result = cli_refusal(tmp_path, COMMANDS["serve"], **RUNNABLE, UOA_XENTRAL_INSTANCES=instances)
    _refused(result, "xentral_instances.merchant.url: must not include the API path")


@pytest.mark.parametrize("command", ["serve", "dispatcher", "migrate"])
def test_an_unreachable_postgresql_names_the_setting_and_the_fix(command: str, tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS[command], **RUNNABLE, UOA_DATABASE_URL=_closed_port_database())
    _refused(result, "UOA_DATABASE_URL: the database cannot be used", "Connection refused", "correct the host and port")


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_database_that_does_not_exist_names_it_and_how_to_create_it(command: str, tmp_path: Path) -> None:
    missing = make_url(postgres_server_url()).set(database="uoa_no_such_database")
    url = missing.render_as_string(hide_password=False)
    result = cli_refusal(tmp_path, COMMANDS[command], **RUNNABLE, UOA_DATABASE_URL=url)
    _refused(result, 'database "uoa_no_such_database" does not exist', "createdb")


def test_a_dead_redis_stops_serve_with_the_setting_and_the_fix(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path}/uoa.db"
    result = cli_refusal(
        tmp_path,
        COMMANDS["serve"],
        **RUNNABLE,
        UOA_DATABASE_URL=database,
        UOA_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    _refused(result, "UOA_REDIS_URL: Redis does not answer", "unset it")


def test_a_lease_shorter_than_a_xentral_write_is_refused_with_the_sum(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS["serve"], **RUNNABLE, UOA_IDEMPOTENCY__LEASE_SECONDS="30")
    _refused(result, "idempotency.lease_seconds (30) must be longer than one Xentral write may take (45 s")


def test_migrate_refuses_to_run_without_a_configured_database(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS["migrate"])
    _refused(result, "no database is configured: set UOA_DATABASE_URL")
    assert not (tmp_path / "var").exists()  # no default SQLite file was created


def test_the_dispatcher_refuses_to_run_without_configuration(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, COMMANDS["dispatcher"])
    _refused(result, "Cannot start: set UOA_CLIENTS", "UOA_DATABASE_URL")
    assert not (tmp_path / "var").exists()


def test_demo_with_an_unreachable_database_says_so(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, ["demo", "--port", "1", "--database-url", _closed_port_database()])
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "Traceback" not in output, output
    assert "unified-order-api demo: UOA_DATABASE_URL: the database cannot be used" in result.stderr


def _check_config(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return cli_refusal(tmp_path, COMMANDS["check-config"], **RUNNABLE, **settings)


def _row(output: str, setting: str) -> str:
    [row] = [line for line in output.splitlines() if line.split()[1:2] == [setting]]
    return row


def test_check_config_fails_on_an_unreachable_database_and_a_dead_redis(tmp_path: Path) -> None:
    result = _check_config(
        tmp_path,
        UOA_DATABASE_URL=_closed_port_database(),
        UOA_REDIS_URL=f"redis://:pw-must-not-show@127.0.0.1:{free_port()}/0",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "PROBLEM: the database cannot be used" in _row(result.stdout, "database_url")
    assert "uoa:***@127.0.0.1" in _row(result.stdout, "database_url")
    assert "PROBLEM: Redis does not answer" in _row(result.stdout, "redis_url")
    assert "must-not-show" not in result.stdout + result.stderr


def test_check_config_fails_on_a_database_not_yet_migrated_and_passes_once_it_is(tmp_path: Path) -> None:
    database = {"UOA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/uoa.db"}
    before = _check_config(tmp_path, **database)
    assert "PROBLEM: the SQLite file does not exist yet: run `unified-order-api migrate`" in _row(
        before.stdout, "database_url"
    )
    assert not (tmp_path / "uoa.db").exists()  # the check created nothing
    migrated = cli_refusal(tmp_path, COMMANDS["migrate"], **database)
    assert migrated.returncode == 0, migrated.stderr
    after = _check_config(tmp_path, **database)
    assert "(newest)" in _row(after.stdout, "database_url") and "OK" in _row(after.stdout, "database_url")


@pytest.mark.postgres
def test_check_config_sees_an_empty_postgresql_schema_as_not_migrated(tmp_path: Path) -> None:
    with postgres_schema() as url:
        result = _check_config(tmp_path, UOA_DATABASE_URL=url)
        assert "PROBLEM: the schema is at empty, not at" in _row(result.stdout, "database_url")
        assert result.returncode == 1


@pytest.mark.redis
def test_check_config_finds_a_live_redis(tmp_path: Path) -> None:
    redis_url = os.environ.get("UOA_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs UOA_TEST_REDIS_URL")
    result = _check_config(tmp_path, UOA_REDIS_URL=redis_url)
    assert "answers PING" in _row(result.stdout, "redis_url") and "OK" in _row(result.stdout, "redis_url")


def test_every_command_has_help_with_its_defaults_and_the_settings_sources(tmp_path: Path) -> None:
    top = cli_refusal(tmp_path, ["--help"])
    assert top.returncode == 0
    assert "UOA_CONFIG_FILE" in top.stdout and "UOA_*" in top.stdout
    commands = (
        "serve",
        "demo",
        "sandbox",
        "migrate",
        "check-config",
        "dispatcher",
        "subscribe-xentral",
        "verify-xentral",
    )
    for command in commands:
        assert command in top.stdout
        sub = cli_refusal(tmp_path, [command, "--help"])
        assert sub.returncode == 0, sub.stderr
        assert "UOA_CONFIG_FILE" in sub.stdout, command
    serve = cli_refusal(tmp_path, ["serve", "--help"]).stdout
    assert "(default: 8000)" in serve and "(default: 127.0.0.1)" in serve
    assert "(default: 100)" in cli_refusal(tmp_path, ["sandbox", "--help"]).stdout
    assert "--project ID" in cli_refusal(tmp_path, ["verify-xentral", "--help"]).stdout
