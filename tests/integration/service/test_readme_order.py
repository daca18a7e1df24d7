"""The README's order works as pasted: its `curl`, sent to the demo (`make run`), gets the answer the
README shows, and sent again, the replay it promises."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import running_service
from unified_order_api.cli import demo_settings
from xentral_sandbox.testing import SandboxHandle

README = Path(__file__).resolve().parents[3] / "README.md"
DEMO_URL = "http://127.0.0.1:8000"  # where `make run` listens, as the README's curl says
DEMO_KEY = "demo-key-for-the-readme-0123456789"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)


def readme_curl() -> list[str]:
    """The README's one `curl` command, split as a POSIX shell splits it."""
    (command,) = [block for block in _blocks("sh") if block.lstrip().startswith("curl ")]
    return shlex.split(command.replace("\\\n", " "))


def readme_answer() -> tuple[int, dict[str, str], dict[str, Any]]:
    """The answer the README shows: status, headers, and the JSON body."""
    (block,) = [block for block in _blocks("json") if block.startswith("HTTP/1.1 ")]
    head, body = block.split("\n\n", 1)
    status_line, *header_lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, json.loads(body)


def as_request(argv: list[str], base_url: str, api_key: str) -> httpx.Request:
    """The request curl would send for `argv`, with the demo's URL and `$API_KEY` filled in."""
    assert argv[0] == "curl"
    method, url, headers, body = "GET", None, {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(":", 1)
            headers[name.strip()] = value.strip().replace("$API_KEY", api_key)
        elif arg in ("-d", "--data"):
            body = next(args)
            method = "POST" if method == "GET" else method
        elif arg.startswith("-"):
            assert set(arg[1:]) <= set("sSi"), f"an option this test does not know: {arg}"
        else:
            url = arg
    assert url is not None and url.startswith(DEMO_URL), url
    return httpx.Request(method, base_url + url.removeprefix(DEMO_URL), headers=headers, content=body)


def test_the_readme_tells_to_export_the_key_its_curl_uses() -> None:
    assert any(re.search(r"^export API_KEY=", block, re.MULTILINE) for block in _blocks("sh"))
    assert "Authorization: Bearer $API_KEY" in readme_curl()


def test_the_readme_order_gets_the_answer_the_readme_shows(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = demo_settings(sandbox.base_url, sandbox.token, DEMO_KEY, f"sqlite+aiosqlite:///{tmp_path}/demo.db")
    status, headers, body = readme_answer()
    with running_service(settings) as url, httpx.Client(timeout=30) as client:
        first = client.send(as_request(readme_curl(), url, DEMO_KEY))
        again = client.send(as_request(readme_curl(), url, DEMO_KEY))
        looked_up = client.get(f"{url}{headers['Location']}", headers={"Authorization": f"Bearer {DEMO_KEY}"})

    assert first.status_code == status, first.text
    assert {name: first.headers.get(name) for name in headers} == headers
    answer = first.json()
    assert {key: answer.get(key) for key in body} == body
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (status, "true")
    assert {key: again.json().get(key) for key in body} == body
    assert looked_up.status_code == 200
    assert (looked_up.json()["state"], looked_up.json()["order"]["order_number"]) == ("completed", body["order_number"])
