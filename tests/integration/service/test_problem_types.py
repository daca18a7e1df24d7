"""Every problem `type` URI resolves: `GET /problems/{code}` answers the code's entry of docs/errors.md."""

from __future__ import annotations

import html
import re

import httpx

from unified_order_api.api.problem_catalogue import ENTRIES


def test_the_type_of_every_code_resolves_to_its_entry(service_url: str) -> None:
    with httpx.Client(base_url=service_url, timeout=30) as client:
        for entry in ENTRIES:
            page = client.get(f"/problems/{entry.code}")
            assert page.status_code == 200, entry.code
            assert page.headers["content-type"].startswith("text/html")
            assert f"<h1>{entry.code}</h1>" in page.text
            text = html.unescape(re.sub(r"<[^>]+>", "", page.text))
            assert entry.meaning.replace("`", "") in text, entry.code
            assert entry.action.replace("`", "") in text, entry.code
        unknown = client.get("/problems/no_such_code")
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "not_found"


def test_the_type_of_a_real_answer_resolves(api: httpx.Client) -> None:
    problem = api.get("/api/orders/NO-SUCH-ORDER").json()
    assert problem["code"] == "order_not_found" and problem["type"] == "/problems/order_not_found"
    page = api.get(problem["type"])
    assert page.status_code == 200 and "<h1>order_not_found</h1>" in page.text
    assert "Status</strong> 404" in page.text
