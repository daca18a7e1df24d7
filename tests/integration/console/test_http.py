"""The console over plain HTTP: sessions, CSRF, nothing secret on a page, and what each page shows."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY
from xentral_sandbox.testing import SandboxHandle

from .conftest import ADMIN_KEY, OPERATOR_KEY, SECRET, console_settings, form_value, sign_in

PAGES = ["/console/", "/console/orders/1", "/console/deliveries", "/console/health", "/console/configuration"]


def _failed_order(api: httpx.Client) -> str:
    """An order that failed (its payment code means nothing to Xentral); returns its reference."""
    body = order_body(payment="barter")
    assert api.post("/api/orders", json=body).status_code == 422
    return str(body["reference"])


def _order_id(client: httpx.Client, reference: str) -> int:
    page = client.get("/console/", params={"q": reference})
    match = re.search(r'href="/console/orders/(\d+)" class="order-link">' + re.escape(reference) + "<", page.text)
    assert match, f"{reference} is not in the journal"
    return int(match.group(1))


def _steps(api: httpx.Client, reference: str) -> list[str]:
    return [step["name"] for step in api.get(f"/api/orders/{reference}").json()["steps"]]


def test_every_page_sends_a_visitor_without_a_session_to_sign_in(console_url: str) -> None:
    with httpx.Client(base_url=console_url) as anonymous:
        for page in PAGES:
            answer = anonymous.get(page)
            assert answer.status_code == 303, page
            assert answer.headers["location"].startswith("/console/login?next=" + page.rstrip("/")), page
    with httpx.Client(base_url=console_url, cookies={"uoa_console": "v1.e30.forged"}) as forged:
        assert forged.get("/console/").status_code == 303


def test_actions_without_a_session_are_refused_and_change_nothing(console_url: str, api: httpx.Client) -> None:
    reference = _failed_order(api)
    with httpx.Client(base_url=console_url) as admin:
        sign_in(admin)
        attempt_id = _order_id(admin, reference)
    before = _steps(api, reference)
    with httpx.Client(base_url=console_url) as anonymous:
        refused = anonymous.post(f"/console/orders/{attempt_id}/retry", data={"csrf": "anything"})
        assert refused.status_code == 401
        assert "not signed in" in refused.text
        assert anonymous.post("/console/deliveries/evt_x/redeliver", data={"csrf": "x"}).status_code == 401
    assert _steps(api, reference) == before
    assert api.get(f"/api/orders/{reference}").json()["state"] == "failed"


def test_sign_in_sets_a_strict_http_only_session_cookie(console_url: str) -> None:
    with httpx.Client(base_url=console_url) as client:
        answer = sign_in(client)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/"
        cookie = next(v for v in answer.headers.get_list("set-cookie") if v.startswith("uoa_console="))
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "max-age", "path", "samesite"} <= attributes
        assert "samesite=strict" in cookie.lower() and "path=/console" in cookie.lower()
        assert "secure" not in attributes  # plain HTTP here; `auto` marks it Secure over HTTPS
        assert ADMIN_KEY not in cookie
        page = client.get("/console/")
        assert page.status_code == 200 and '<strong id="operator">admin</strong>' in page.text
        headers = page.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"


def test_wrong_keys_and_forged_sign_in_forms_are_refused(console_url: str) -> None:
    with httpx.Client(base_url=console_url) as client:
        wrong = sign_in(client, key=API_KEY)  # a client's API key is not an operator key
        assert wrong.status_code == 401 and "not valid" in wrong.text
        assert "uoa_console=" not in " ".join(wrong.headers.get_list("set-cookie"))
        assert client.get("/console/").status_code == 303
    with httpx.Client(base_url=console_url) as client:
        # Without the form's token (another site posting a sign-in form): refused whatever the key.
        forged = client.post("/console/login", data={"key": ADMIN_KEY, "token": "x.y"})
        assert forged.status_code == 403
        form = client.get("/console/login")
        token = form_value(form.text, "token")
        other_origin = client.post(
            "/console/login", data={"key": ADMIN_KEY, "token": token}, headers={"Origin": "https://evil.example"}
        )
        assert other_origin.status_code == 403
        assert client.get("/console/").status_code == 303


def test_sign_in_never_redirects_away_from_the_console(console_url: str) -> None:
    for target in ("https://evil.example/", "//evil.example/console/", "/api/orders", "/console/health"):
        with httpx.Client(base_url=console_url) as client:
            form = client.get("/console/login")
            answer = client.post(
                "/console/login", data={"key": ADMIN_KEY, "token": form_value(form.text, "token"), "next": target}
            )
            assert answer.status_code == 303
            expected = "/console/health" if target == "/console/health" else "/console/"
            assert answer.headers["location"] == expected


def test_an_action_needs_the_sessions_csrf_token_and_the_same_origin(
    console_url: str, api: httpx.Client, operator: httpx.Client
) -> None:
    reference = _failed_order(api)
    attempt_id = _order_id(operator, reference)
    csrf = form_value(operator.get(f"/console/orders/{attempt_id}/retry").text, "csrf")
    before = _steps(api, reference)
    url = f"/console/orders/{attempt_id}/retry"
    assert operator.post(url).status_code == 403
    assert operator.post(url, data={"csrf": ""}).status_code == 403
    assert operator.post(url, data={"csrf": csrf + "x"}).status_code == 403
    assert operator.post(url, json={"csrf": csrf}).status_code == 403  # only the console's own form encoding
    assert operator.post(url, data={"csrf": csrf}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert operator.post(url, data={"csrf": csrf}, headers={"Origin": "null"}).status_code == 403
    assert _steps(api, reference) == before

    done = operator.post(url, data={"csrf": csrf}, headers={"Origin": console_url})
    assert done.status_code == 303 and done.headers["location"] == f"/console/orders/{attempt_id}?notice=retry_failed"
    assert _steps(api, reference)[len(before) :] == ["operator_retry", "retried", "failed"]
    # Another session's token does not work in this one.
    with httpx.Client(base_url=console_url) as other:
        sign_in(other)
        assert other.post(url, data={"csrf": csrf}).status_code == 403


def test_sign_out_needs_the_token_and_ends_the_session_for_good(console_url: str) -> None:
    with httpx.Client(base_url=console_url) as client:
        sign_in(client)
        stolen = client.cookies["uoa_console"]
        csrf = form_value(client.get("/console/").text, "csrf")
        assert client.post("/console/logout").status_code == 403
        assert client.get("/console/").status_code == 200  # still signed in
        out = client.post("/console/logout", data={"csrf": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/console/login"
        assert "uoa_console" not in client.cookies
    with httpx.Client(base_url=console_url, cookies={"uoa_console": stolen}) as replay:
        assert replay.get("/console/").status_code == 303


def test_an_operator_signs_in_with_their_own_key_and_actions_carry_their_name(
    console_url: str, api: httpx.Client
) -> None:
    reference = _failed_order(api)
    with httpx.Client(base_url=console_url) as alice:
        assert sign_in(alice, key=OPERATOR_KEY).status_code == 303
        assert '<strong id="operator">alice</strong>' in alice.get("/console/").text
        attempt_id = _order_id(alice, reference)
        csrf = form_value(alice.get(f"/console/orders/{attempt_id}").text, "csrf")
        alice.post(f"/console/orders/{attempt_id}/retry", data={"csrf": csrf})
    steps = api.get(f"/api/orders/{reference}").json()["steps"]
    assert {"name": "operator_retry", "detail": "retry requested by alice in the console"}.items() <= next(
        s for s in steps if s["name"] == "operator_retry"
    ).items()


def test_retrying_an_order_that_is_not_failed_is_refused(api: httpx.Client, operator: httpx.Client) -> None:
    created = api.post("/api/orders", json=order_body())
    assert created.status_code == 201
    reference = created.json()["reference"]
    attempt_id = _order_id(operator, reference)
    page = operator.get(f"/console/orders/{attempt_id}")
    assert 'id="retry"' not in page.text
    answer = operator.post(f"/console/orders/{attempt_id}/retry", data={"csrf": form_value(page.text, "csrf")})
    assert answer.headers["location"].endswith("notice=not_failed")
    assert "operator_retry" not in _steps(api, reference)


def test_no_page_shows_a_key_token_or_secret(
    console_url: str, api: httpx.Client, operator: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    created = api.post("/api/orders", json=order_body())
    attempt_id = _order_id(operator, created.json()["reference"])
    secrets = [ADMIN_KEY, OPERATOR_KEY, API_KEY, "other-key-0123456789", SECRET, console_sandbox.token]
    pages = [*PAGES, f"/console/orders/{attempt_id}", f"/console/orders/{attempt_id}/retry", "/console/login"]
    for page in pages:
        text = operator.get(page).text
        for secret in secrets:
            assert secret not in text, f"{page} shows a secret"


def test_the_journal_filters_and_refuses_nonsense_without_failing(api: httpx.Client, operator: httpx.Client) -> None:
    failed = _failed_order(api)
    done = api.post("/api/orders", json=order_body()).json()["reference"]
    only_failed = operator.get("/console/", params={"state": "failed"}).text
    assert failed in only_failed and done not in only_failed
    by_email = operator.get("/console/", params={"q": f"kunde{done.split('-')[1].lstrip('0')}@example.com"}).text
    assert done in by_email and failed not in by_email
    other_client = operator.get("/console/", params={"client": "other"}).text
    assert "No orders match" in other_client
    odd = operator.get("/console/", params={"state": "weird", "date_from": "yesterday"})
    assert odd.status_code == 200 and "Unknown state" in odd.text and "is not a date" in odd.text
    assert operator.get("/console/", params={"before": "abc"}).status_code == 400
    assert operator.get("/console/orders/999999").status_code == 404
    assert operator.get("/console/deliveries/evt_missing/redeliver").status_code == 404


def test_health_shows_calls_against_the_limit_queue_outcomes_and_readiness(
    api: httpx.Client, operator: httpx.Client
) -> None:
    assert api.post("/api/orders", json=order_body()).status_code == 201
    page = operator.get("/console/health").text
    chart = page[page.index('id="calls-chart"') : page.index("</svg>", page.index('id="calls-chart"'))]
    assert chart.count('<rect class="bar') == 60
    calls = [int(n) for n in re.findall(r"UTC: (\d+) calls", chart)]
    assert sum(calls) >= 3  # this order alone made at least three Xentral calls
    assert "limit 100/min" in chart
    assert re.search(r'id="queue-depth">\d+<', page)
    assert re.search(r"\d+ orders in the last 24 hours", page)
    readiness = page[page.index('id="readiness"') : page.index("</dl>", page.index('id="readiness"'))]
    assert readiness.count(">ready<") == 4  # database, orders (none unresolved), Xentral, and its one instance
    assert re.search(r"orders</dt>\s*<dd><span class=\"state completed\">ready</span>\s*0 unresolved", readiness)
    assert "Xentral instance default" in readiness


def test_configuration_names_mapped_ids_and_lists_codes_without_a_mapping(
    api: httpx.Client, operator: httpx.Client
) -> None:
    assert api.post("/api/orders", json=order_body(payment="Vorkasse", shipping="GLS")).status_code == 201
    _failed_order(api)  # payment "barter"
    page = operator.get("/console/configuration").text
    shop = page[page.index('id="client-shop"') : page.index('id="client-other"')]
    mapped = shop[shop.index('class="mappings"') : shop.index("</table>", shop.index('class="mappings"'))]
    assert re.search(r"<code>paypal</code></td><td[^>]*>2</td>\s*<td[^>]*>PayPal</td><td[^>]*>global</td>", mapped)
    td = "</td>\\s*<td[^>]*>"  # a cell's end and the next one's start (cells carry their phone labels)
    assert re.search(rf"<code>ghost</code>{td}999{td}<span[^>]*>no payment method with id", mapped)
    unmapped = shop[shop.index('class="unmapped"') : shop.index("</table>", shop.index('class="unmapped"'))]
    assert re.search(r"<code>Vorkasse</code>.*?3 — Vorkasse <small>matched by name", unmapped, re.S)
    assert re.search(r"<code>GLS</code>.*?2 — GLS International", unmapped, re.S)
    assert re.search(r"<code>barter</code>.*?no Xentral method matches", unmapped, re.S)
    assert "<code>paypal</code>" not in unmapped and "<code>dhl_standard</code>" not in unmapped
    other = page[page.index('id="client-other"') :]
    assert "<code>barter</code>" not in other  # the shop's codes are not the other client's


def test_sign_in_is_throttled_after_repeated_failures(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)
    with running_service(settings) as url, httpx.Client(base_url=url) as client:
        for _ in range(10):
            assert sign_in(client, key="wrong-key-0123456789").status_code == 401
        blocked = sign_in(client)  # even the right key waits now
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert client.get("/console/").status_code == 303


def test_the_console_can_be_switched_off(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url, console={"enabled": False})
    with running_service(settings) as url, httpx.Client(base_url=url) as client:
        assert client.get("/console/login").status_code == 404
        assert client.get("/healthz").status_code == 200
