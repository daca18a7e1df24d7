"""The configuration view, client by client: two clients on two Xentral instances with different maps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body
from tests.support.servers import running_service
from tests.support.service import API_KEY
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.app import create_app as create_sandbox_app
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.server import Background
from xentral_sandbox.state import SandboxState, tokens_of
from xentral_sandbox.testing import SandboxHandle, running_sandbox

from .conftest import ADMIN_KEY, OPERATOR_KEY, SECRET, console_settings, sign_in

WOO_KEY = "woo-config-key-0123456789"
AMAZON_KEY = "amazon-config-key-0123456789"
MARKETPLACE_TOKEN = "marketplace-config-token-0123"
HOOK_TOKEN = "hook-query-token-0123"


@pytest.fixture(scope="module")
def marketplace() -> Iterator[SandboxHandle]:
    """The second instance: id 2 is another shipping method there, and it has methods the first lacks."""
    with running_sandbox(SandboxConfig(rate_limit=None, token=MARKETPLACE_TOKEN)) as handle:
        with handle.state.lock:
            handle.state.shipping_methods["2"] = {**handle.state.shipping_methods["2"], "designation": "UPS Express"}
            handle.state.shipping_methods["7"] = {
                "id": "7",
                "module": "prime",
                "type": "prime",
                "designation": "Prime Versand",
                "project": None,
            }
            handle.state.payment_methods["8"] = {
                "id": "8",
                "type": "amazonpay",
                "designation": "Amazon Pay",
                "project": None,
            }
        yield handle


def _settings(first: SandboxHandle, second: SandboxHandle, tmp_path: Path) -> Settings:
    return Settings(
        xentral_url=first.base_url,
        xentral_token=first.token,
        xentral_timeout_seconds=2.0,
        xentral_instances={"marketplace": {"url": second.base_url, "token": second.token}},
        database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db",
        admin_api_key=ADMIN_KEY,
        console={"operators": [{"name": "alice", "api_key": OPERATOR_KEY}]},
        webhooks={"allow_private_targets": ["loopback"]},
        clients=[
            ApiClient.model_validate(
                {
                    "name": "woo",
                    "api_key": WOO_KEY,
                    "reference_prefix": "WOO-",
                    "webhook_url": f"http://127.0.0.1:9/hook?token={HOOK_TOKEN}",
                    "webhook_secret": SECRET,
                    "shipping_map": {"express": "2"},
                }
            ),
            ApiClient.model_validate(
                {
                    "name": "amazon",
                    "api_key": AMAZON_KEY,
                    "reference_prefix": "AMZ-",
                    "xentral": "marketplace",
                    "shipping_map": {"express": "2", "prime": "7"},
                    "payment_map": {"amazonpay": "8", "gone": "55"},
                    "defaults": {"shipping_method_id": "7"},
                }
            ),
        ],
        shipping_map={"dhl_standard": "1"},
        payment_map={"paypal": "2"},
        log_json=False,
    )


def _section(page: str, client: str) -> str:
    start = page.index(f'id="client-{client}"')
    return page[start : page.index("</section>\n", page.index('class="check"', start))]


def _table(section: str, css: str) -> str:
    start = section.index(f'class="{css}"')
    return section[start : section.index("</table>", start)]


def _post(url: str, key: str, **changes: str) -> None:
    answer = httpx.post(f"{url}/api/orders", json=order_body(**changes), headers={"X-API-Key": key}, timeout=30)
    assert answer.status_code in (201, 422), answer.text


def test_each_client_shows_its_own_mappings_named_by_its_own_instance(
    console_sandbox: SandboxHandle, marketplace: SandboxHandle, tmp_path: Path
) -> None:
    with running_service(_settings(console_sandbox, marketplace, tmp_path)) as url:
        _post(url, WOO_KEY, shipping="GLS")
        _post(url, AMAZON_KEY, shipping="Prime Versand", payment="Amazon Pay")
        with httpx.Client(base_url=url, timeout=30) as operator:
            assert sign_in(operator).status_code == 303
            page = operator.get("/console/configuration")
            calls = len(marketplace.calls), len(console_sandbox.calls)
            again = operator.get("/console/configuration")
            # The check's result and the method lists are kept: a reload asks neither Xentral anything.
            assert (len(marketplace.calls), len(console_sandbox.calls)) == calls
    assert page.status_code == 200 and again.text == page.text

    woo, amazon = _section(page.text, "woo"), _section(page.text, "amazon")
    assert re.search(r'<span class="instance">default</span>', woo)
    assert re.search(r'<span class="instance">marketplace</span>', amazon)

    woo_maps, amazon_maps = _table(woo, "mappings"), _table(amazon, "mappings")
    # The same id 2 is GLS on the shop's instance and UPS on the marketplace's.
    td = "</td>\\s*<td[^>]*>"  # a cell's end and the next one's start (cells carry their phone labels)
    assert re.search(rf"<code>express</code>{td}2{td}GLS International{td}client</td>", woo_maps)
    assert re.search(rf"<code>express</code>{td}2{td}UPS Express{td}client</td>", amazon_maps)
    assert re.search(rf"<code>dhl_standard</code>{td}1{td}DHL Paket{td}global</td>", woo_maps)
    assert re.search(r"<code>prime</code></td><td[^>]*>7</td>\s*<td[^>]*>Prime Versand</td>", amazon_maps)
    assert re.search(r"<code>amazonpay</code></td><td[^>]*>8</td>\s*<td[^>]*>Amazon Pay</td>", amazon_maps)
    assert re.search(rf"<code>gone</code>{td}55{td}<span[^>]*>no payment method with id &#39;55&#39;", amazon_maps)
    assert "<code>prime</code>" not in woo_maps and "<code>amazonpay</code>" not in woo_maps

    # Defaults named on the client's instance; the check's problems counted per client.
    assert re.search(r"<dt>shipping_method_id</dt><dd>7 — Prime Versand</dd>", amazon)
    assert "<dt>auto_shipping</dt><dd>no</dd>" in woo and "False" not in woo  # as people write it
    assert (
        "shipping_method_id"
        not in woo[woo.index('class="defaults"') : woo.index("</dl>", woo.index('class="defaults"'))]
    )
    assert "1 problem<" in amazon and "check OK" in woo

    # Codes each client sent without a mapping, matched on its own instance only.
    woo_codes, amazon_codes = _table(woo, "unmapped"), _table(amazon, "unmapped")
    assert re.search(r"<code>GLS</code>.*?2 — GLS International <small>matched by name", woo_codes, re.S)
    assert re.search(r"<code>Prime Versand</code>.*?7 — Prime Versand <small>matched by name", amazon_codes, re.S)
    assert re.search(r"<code>Amazon Pay</code>.*?8 — Amazon Pay <small>matched by name", amazon_codes, re.S)
    assert "<code>GLS</code>" not in amazon_codes and "Prime Versand" not in woo_codes


def test_the_configuration_page_renders_nothing_secret(
    console_sandbox: SandboxHandle, marketplace: SandboxHandle, tmp_path: Path
) -> None:
    settings = _settings(console_sandbox, marketplace, tmp_path)
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as operator:
        assert sign_in(operator).status_code == 303
        page = operator.get("/console/configuration").text
    for secret in (
        console_sandbox.token,
        MARKETPLACE_TOKEN,
        WOO_KEY,
        AMAZON_KEY,
        ADMIN_KEY,
        OPERATOR_KEY,
        SECRET,
        SECRET.removeprefix("whsec_"),
        HOOK_TOKEN,
    ):
        assert secret not in page, secret
    woo = _section(page, "woo")
    assert "http://127.0.0.1:9/hook?••••••" in woo  # the webhook URL, in the client card and the check
    assert re.search(r"<td[^>]*>webhook_secret</td><td[^>]*>\(set\)</td>", woo)


@contextmanager
def _sandbox_deprecating(method: str, path: str) -> Iterator[SandboxHandle]:
    """A sandbox whose operation `method path` is deprecated, as Xentral marks one months before it goes: its
    answers carry `Deprecation` and `Sunset` (xentral_sandbox/front.py)."""
    config = SandboxConfig(rate_limit=None)
    app = create_sandbox_app(SandboxState(config.seed_path, config.readings, tokens_of(config)), config)
    chosen, served = f"{method} {path}", app.front.operations
    app.front.operations = tuple(replace(op, deprecated=op.deprecated or op.name == chosen) for op in served)
    server = Background(app)
    server.start()
    try:
        yield SandboxHandle(
            server.base_url, config.token, app.state, app.faults, app.calls, app.delivery, app.event_faults
        )
    finally:
        app.delivery.stop()
        server.stop()


def test_a_deprecation_xentral_announced_is_shown_with_its_sunset(tmp_path: Path) -> None:
    """What the running service's own calls were told (`Sunset` / `Deprecation` on the v2 product list the SKU
    lookup uses) is on the configuration page as a warning, not a problem: the next move seen ahead."""
    with _sandbox_deprecating("GET", "/api/v2/products") as sandbox:
        settings = console_settings(sandbox, tmp_path, "http://127.0.0.1:9/hook")
        with running_service(settings) as url:
            _post(url, API_KEY)
            with httpx.Client(base_url=url, timeout=30) as operator:
                assert sign_in(operator).status_code == 303
                page = operator.get("/console/configuration").text
    shop = _section(page, "shop")
    assert "xentral.list_products" in shop and "/api/v2/products" in shop
    warning = re.search(r'<span class="state queued">([^<]*plan the move before the sunset)</span>', shop)
    assert warning is not None and "Sunset: " in warning.group(1)  # a warning (queued's colour), not a problem
