"""The money table of issue 21: every shop sample and fixture through the real code, to the cent.

For each file in `../shared/shop-payloads/` and `tests/unit/shops/fixtures/`: the shop's connector
translates it (`shops/`), the order goes to `POST /api/orders` of a running service against the
sandbox (the order flow, its totals check, `setTotalAmount`, the sandbox's own booking), and the
table shows the file's source (as its SOURCES.md names it), the shop's total, ours, Xentral's (the
sandbox's booked total, read back), the VAT per rate our pricing books (`orders.pricing`,
`orders.totals.vat_by_rate`: the shop's), the VAT per rate Xentral computes from the import body the
sandbox received (`xentral_sandbox.pricing.booked_by_rate`, before `setTotalAmount`) under both
readings of its rounding (per line, and "Runden nach addieren": each rate's unrounded sum rounded once;
"same" when it equals the shop's) and the verdict: "to the cent" only when all of them agree. Nothing in
it is typed by hand: run it to get the figures.

    .venv/bin/python -m bench.shop_money_table
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from tests.support.shop_orders import payloads_dir
from unified_order_api.api.schemas import OrderRequest
from unified_order_api.config import ShopSettings
from unified_order_api.orders.model import Money, OrderLine, Product
from unified_order_api.orders.pricing import MoneySettings, price_order
from unified_order_api.orders.totals import vat_by_rate
from unified_order_api.shops import CONNECTORS, Ignored
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.pricing import booked_by_rate
from xentral_sandbox.readings import Rounding
from xentral_sandbox.testing import SandboxHandle, running_sandbox

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "unit" / "shops" / "fixtures"
IMPORT = "POST /api/v1/salesOrders/actions/import"
READINGS: tuple[Rounding, ...] = ("per-line", "per-rate-sum")
MONEY = MoneySettings("DE", "gross", Decimal("0.01"), "refuse", "453", "99", "454")


def kind_of(name: str) -> str | None:
    for kind in ("woocommerce", "shopify", "shopware"):
        if name.startswith(kind):
            return kind
    return None


def shop_document(path: Path) -> Any:
    document = json.loads(path.read_text("utf-8"))
    if isinstance(document, dict) and set(document) == {"order"}:
        return document["order"]  # Shopify's REST example: {"order": …}
    if kind_of(path.name) == "shopware" and "data" not in document:
        return {"data": {"payload": {"order": document}}}  # the bare entity, as an app webhook wraps it
    return document


def translated(kind: str, document: Any) -> dict[str, Any] | str:
    """Our request for the shop's order, or why the connector imports nothing."""
    shop = ShopSettings(kind=kind, secret="bench", sku_fields=["sku", "product_id"] if kind == "woocommerce" else None)
    result = CONNECTORS[kind].translate(document, shop)
    if isinstance(result, Ignored):
        return result.reason
    body = dict(result.body)
    # The shop's method codes are mapped per merchant (not money): the demo's methods stand in for them.
    return {**body, "shipping": "dhl_standard", "payment": "paypal"}


def vat_per_rate(body: dict[str, Any]) -> dict[Decimal, Decimal]:
    """The VAT per rate our pricing books for the request (catalogue products at the standard rate)."""
    command = OrderRequest.model_validate(body).to_command()
    lines = [
        OrderLine(str(n), item.sku, item.quantity, Money(item.unit_price, "EUR") if item.unit_price else None)
        for n, item in enumerate(command.items)
    ]
    products = {
        item.sku: Product(str(n), item.sku, item.sku, tax_class="standard") for n, item in enumerate(command.items)
    }
    pricing, problems = price_order(command, lines, products, None, "EUR", MONEY)
    if problems or pricing.totals is None:
        return {}
    return vat_by_rate(pricing.totals.lines)


def shown(vat: dict[Decimal, Decimal]) -> str:
    return ", ".join(f"{format(rate.normalize(), 'f')} %: {tax}" for rate, tax in sorted(vat.items())) or "—"


def xentral_vat(
    sandbox: SandboxHandle, data: dict[str, Any], shop: dict[Decimal, Decimal]
) -> tuple[str, dict[Rounding, bool]]:
    """Xentral's own total and VAT per rate for the import body under each rounding reading, and per
    reading whether its VAT per rate is the shop's (`shop`)."""
    project = sandbox.state.projects[data["project"]["id"]]
    said, agree = [], {}
    for reading in READINGS:
        booked = booked_by_rate(sandbox.state, data, project, reading)
        vat = {rate: tax for rate, (_, tax) in booked.items()}
        total = sum((net + tax for net, tax in booked.values()), Decimal(0))
        agree[reading] = {r: t for r, t in vat.items() if t} == {r.normalize(): t for r, t in shop.items() if t}
        said.append(f"{reading}: {'same' if agree[reading] else f'{total}; {shown(vat)}'}")
    return " / ".join(said), agree


def sources() -> dict[str, str]:
    """Each file's source, as its SOURCES.md names it (the shared samples' shape, the fixtures'
    documentation followed), to its first clause."""
    found: dict[str, str] = {}
    for path, column in ((payloads_dir() / "SOURCES.md", 1), (FIXTURES / "SOURCES.md", 2)):
        by_shop: dict[str | None, str] = {}
        for line in path.read_text("utf-8").splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            name = cells[0].strip("`") if cells else ""
            if len(cells) <= column or not name.endswith(".json") or name in found:
                continue
            text = re.split(r" \(|; |: |, `", cells[column].replace("**", ""), maxsplit=1)[0]
            text = text.split(", ", 1)[0] if len(text) > 60 else text
            if text.startswith("the same") or "as above" in text:
                text = by_shop.get(kind_of(name), text)
            found[name] = by_shop[kind_of(name)] = text
    return found


def main() -> int:
    files = sorted(payloads_dir().glob("*.json")) + sorted(FIXTURES.glob("*.json"))
    cases: list[tuple[str, str, dict[str, Any] | str]] = []
    for path in files:
        kind = kind_of(path.name)
        if kind is None:
            cases.append((path.name, "", "not a shop connector's order (examples/)"))
            continue
        cases.append((path.name, kind, translated(kind, shop_document(path))))
    skus = sorted({item["sku"] for _, _, body in cases if isinstance(body, dict) for item in body.get("items", [])})
    with tempfile.TemporaryDirectory() as directory:
        seed = Path(directory) / "seed.json"
        seed.write_text(json.dumps({"products": [{"number": sku} for sku in skus]}), "utf-8")
        with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed)) as sandbox:
            settings = service_settings(
                sandbox,
                Path(directory),
                defaults={"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
            )
            with running_service(settings) as url, httpx.Client(base_url=url, timeout=60) as api:
                rows = [row(api, sandbox, name, kind, body) for name, kind, body in cases]
    named = sources()
    print(
        "\n| file | source | shop | shop total | our total | Xentral's total | VAT per rate "
        "| Xentral's VAT per rate, by rounding | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, _, _), line in zip(cases, rows, strict=True):
        print(line.replace(f"| {name} |", f"| {name} | {named.get(name, '—')} |", 1))
    return 0


def row(api: httpx.Client, sandbox: SandboxHandle, name: str, kind: str, body: dict[str, Any] | str) -> str:
    if isinstance(body, str):
        return f"| {name} | {kind} | — | — | — | — | — | not imported: {body} |"
    body = {**body, "reference": f"{name[:40]}-{body['reference']}"[:64]}
    imports = len(sandbox.calls.bodies(IMPORT))
    answer = api.post("/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
    data = answer.json()
    if answer.status_code >= 400:
        reason = "; ".join(f"{e.get('pointer')}: {e.get('detail')}" for e in data.get("errors", [])) or data.get(
            "detail"
        )
        return (
            f"| {name} | {kind} | {body.get('expected_total')} | — | — | — | — | refused {data.get('code')}: {reason} |"
        )
    totals = data.get("totals") or {}
    shop, ours, xentral = totals.get("expected"), totals.get("gross"), totals.get("xentral")
    to_the_cent = shop is not None and ours is not None and Decimal(shop) == Decimal(ours)
    booked = xentral is not None and shop is not None and Decimal(xentral) == Decimal(shop)
    vat = vat_per_rate(body)
    sent = sandbox.calls.bodies(IMPORT)[imports:]
    by_xentral, agree = xentral_vat(sandbox, sent[-1], vat) if sent else ("—", {})
    warnings = "; ".join(data.get("warnings", []))
    if not (to_the_cent and booked and agree.get("per-line")):
        verdict = f"differs ({warnings or 'VAT per rate'})"
    elif agree.get("per-rate-sum"):
        verdict = "to the cent"
    else:
        verdict = (
            "to the cent per line (as assumed); rounding each rate's sum once, Xentral's VAT is a cent off the "
            "shop's per-line rounding, which the shop's amounts cannot avoid (setTotalAmount keeps the total)"
        )
    return f"| {name} | {kind} | {shop} | {ours} | {xentral} | {shown(vat)} | {by_xentral} | {verdict} |"


if __name__ == "__main__":
    sys.exit(main())
