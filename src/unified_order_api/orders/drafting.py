"""From a command to an order draft: items, shipping and payment methods and project, resolved and checked.

Nothing here writes to Xentral. Every problem is collected before raising, so one answer tells
the caller everything to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from ..clock import Clock
from .commands import PlaceOrder
from .errors import FieldProblem, OrderRejected
from .items import resolve_items
from .model import Address, ExternalTotal, Fulfilment, OrderDraft, PaymentMethod, ShippingMethod
from .payments import payment_codes as payment_codes_for
from .policy import ClientPolicy, OrderDefaults
from .ports import XentralGateway
from .pricing import MoneySettings, check_expected_total, price_order
from .reads import gather_reads
from .reference_data import ReferenceData, match_code
from .rounding_balance import RoundingBalance
from .totals import TotalsCheck

__all__ = ["OrderDrafter"]


class OrderDrafter:
    def __init__(self, gateway: XentralGateway, reference_data: ReferenceData, clock: Clock) -> None:
        self._gateway = gateway
        self.reference_data = reference_data
        self._clock = clock

    async def draft(self, command: PlaceOrder, policy: ClientPolicy) -> OrderDraft:
        """Every check that needs no write, with every problem collected before raising."""
        defaults = policy.defaults
        currency = (command.currency or defaults.currency).upper()
        skus = list(dict.fromkeys(item.sku for item in command.items))
        reference = self.reference_data
        products, shipping_methods, payment_methods, projects = await gather_reads(
            self._gateway.products_by_sku(skus),
            reference.shipping_methods.get(),
            reference.payment_methods.get(),
            reference.projects.get(),
        )
        lines, problems = resolve_items(command.items, products, currency)
        shipping_id = _method_id(
            command.shipping, defaults.shipping_method_id, policy.shipping_map, shipping_methods, "shipping", problems
        )
        payment_id = _payment_id(command, policy, payment_methods, problems)
        project_id = command.project_id or defaults.project_id
        if project_id is None and projects:
            project_id = projects[0].id
        if project_id is None or not any(p.id == project_id for p in projects):
            pointer = "/project" if command.project_id else "/"
            problems.append(
                FieldProblem(pointer, "unknown_project", f"Project '{project_id}' does not exist in Xentral")
            )
        # -- money: VAT per line, shipping costs, fees, discounts and the expected total (orders/pricing.py)
        money = MoneySettings.for_policy(policy, currency)
        rates = next((p.tax_rates for p in projects if p.id == project_id), None)
        pricing, money_problems = price_order(command, lines, products, rates, currency, money)
        problems += money_problems
        if command.preferred_warehouse is not None and command.storage_country is not None:
            # Xentral's import: "Only use preferredWarehouse OR storageCountry. You cannot use both at the same time."
            problems.append(
                FieldProblem(
                    "/storage_country", "not_both", "Send `preferred_warehouse` or `storage_country`, not both"
                )
            )
        if problems:
            raise OrderRejected(problems)
        totals = check_expected_total(pricing, command, money)
        # -- end money

        assert shipping_id is not None and payment_id is not None and project_id is not None
        billing = command.billing_address or _customer_address(command)
        if billing is not None and billing.phone is None and command.customer.phone:
            billing = replace(billing, phone=command.customer.phone)  # the billing phone Xentral's connectors send
        return OrderDraft(
            order_date=command.order_date or self._clock().date(),
            reference=policy.external_reference(command.reference),
            customer_id="",
            project_id=project_id,
            payment_method_id=payment_id,
            shipping_method_id=shipping_id,
            currency=currency,
            lines=pricing.lines,
            billing_address=billing,
            shipping_address=command.shipping_address or billing,
            sales_channel_id=defaults.sales_channel_id,
            external_order_id=command.external_order_id,
            transaction_number=command.transaction_id,
            customer_order_number=command.customer_order_number,
            internal_note=_internal_note(command, pricing.balances),
            internal_designation=defaults.internal_designation,
            language=command.language or defaults.language,
            auto_shipping=defaults.auto_shipping if command.auto_shipping is None else command.auto_shipping,
            custom_fields=dict(command.custom_fields),
            prices=pricing.prices,
            taxation=pricing.taxation,
            vat_id=pricing.vat_id,
            shipping_costs=pricing.shipping_costs,
            discounts=pricing.discounts,
            totals=totals,
            external_total=_external_total(totals, policy),
            vat_id_checked=defaults.vat_id_checked if command.vat_id_checked is None else command.vat_id_checked,
            fulfilment=_fulfilment(command, defaults),
        )


def _fulfilment(command: PlaceOrder, defaults: OrderDefaults) -> Fulfilment:
    """The request's fast lane, documents and place of fulfilment over the client's defaults. A request naming a
    warehouse or a storage country replaces the default place as a whole (Xentral takes one of the two)."""
    warehouse, country = defaults.preferred_warehouse_id, defaults.storage_country
    if command.preferred_warehouse is not None or command.storage_country is not None:
        warehouse, country = command.preferred_warehouse, command.storage_country
    return Fulfilment(
        fast_lane=defaults.fast_lane if command.fast_lane is None else command.fast_lane,
        documents=command.auto_create_documents or defaults.auto_create_documents,
        preferred_warehouse_id=warehouse,
        storage_country=country,
    )


def _external_total(totals: TotalsCheck | None, policy: ClientPolicy) -> ExternalTotal | None:
    """The buyer's total for Xentral to book, when one is known and the client has not turned it off."""
    if not policy.totals.set_total_amount or totals is None or totals.expected is None:
        return None
    return ExternalTotal(totals.expected, totals.tolerance)  # the order's: at least the currency's smallest unit


def _payment_id(
    command: PlaceOrder, policy: ClientPolicy, methods: Sequence[PaymentMethod], problems: list[FieldProblem]
) -> str | None:
    """The payment method for the order's code and, where the code is mapped by status, its payment status."""
    codes, status_unmapped = payment_codes_for(policy.payment_map, command.payment_status)
    code = (command.payment or "").strip().lower()
    unmapped = next((entry for entry in status_unmapped if command.payment and entry.code == code), None)
    if unmapped is not None:
        problems.append(FieldProblem("/payment", "unknown_payment_method", unmapped.detail))
        return None
    return _method_id(command.payment, policy.defaults.payment_method_id, codes, methods, "payment", problems)


def _method_id(
    code: str | None,
    default_id: str | None,
    mapping: Mapping[str, str],
    methods: Sequence[ShippingMethod | PaymentMethod],
    what: str,
    problems: list[FieldProblem],
) -> str | None:
    """The Xentral id of the shipping or payment method the request means, or a problem about it."""
    pointer = f"/{what}"
    if code is None:
        if default_id is None:
            problems.append(
                FieldProblem(pointer, "required", f"Required field '{what}' is missing (no default is configured)")
            )
        elif not any(method.id == default_id for method in methods):
            problems.append(
                FieldProblem(
                    pointer,
                    f"unknown_{what}_method",
                    f"The default {what} method id '{default_id}' does not exist in Xentral",
                )
            )
        return default_id
    match = match_code(code, mapping, methods)
    if match.id is None:
        if len(match.candidates) > 1:
            detail = (
                f"{what.capitalize()} code '{code}' matches several Xentral methods "
                f"(ids {', '.join(match.candidates)}); configure a mapping"
            )
        elif match.candidates:
            mapped = match.candidates[0]
            detail = f"{what.capitalize()} code '{code}' is mapped to Xentral id '{mapped}', which does not exist"
        else:
            detail = f"Unknown {what} code '{code}'"
        problems.append(FieldProblem(pointer, f"unknown_{what}_method", detail))
    return match.id


def _customer_address(command: PlaceOrder) -> Address | None:
    details = command.customer
    address = details.address
    if not (address.street and address.zip and address.city and address.country):
        # Xentral then fills the address from the customer's master data (docs/xentral.md#sales-order-import)
        return None
    return replace(
        address,
        email=address.email or details.email,
        company=address.company or details.company,
        phone=address.phone or details.phone,
    )


def _internal_note(command: PlaceOrder, balances: Sequence[RoundingBalance] = ()) -> str | None:
    """The internal comment; it also carries what Xentral's import has no field for.

    The import has no paid flag (docs/xentral.md#sales-order-import), so the payment status is written
    here, where a clerk sees it on the order; the transaction id goes to `transactionNumber`. Balancing
    lines (`rounding_balance.py`) are explained here, so nobody takes them for a charge.
    """
    parts = []
    if command.internal_note:
        parts.append(command.internal_note)
    if command.payment_status:
        parts.append(f"Payment status: {command.payment_status}")
    if command.redeemed:
        parts.append(paid_how(command))
    if balances:
        parts.append(rounding_note(balances))
    return "\n".join(parts) or None


def rounding_note(balances: Sequence[RoundingBalance]) -> str:
    """Why the order has balancing lines, and what they move (net 0.00, the shop's tax per rate)."""
    moved = "; ".join(f"{format(b.rate.normalize(), 'f')} % {b.difference:+} to {b.stated}" for b in balances)
    return (
        f"Rounding balance: the shop rounded its tax otherwise than per line ({moved}); the balancing lines add "
        "up to 0.00 and make Xentral's tax per rate the shop's"
    )


def paid_how(command: PlaceOrder) -> str:
    """What was paid how: each gift card and store credit, and the rest by the order's payment method."""
    said = [
        f"{redemption.kind.replace('_', ' ')}{f' {redemption.code}' if redemption.code else ''} {redemption.amount}"
        for redemption in command.redeemed
    ]
    if command.expected_total is not None:
        rest = command.expected_total - sum((r.amount for r in command.redeemed), Decimal(0))
        said.append(f"rest {rest} by {command.payment or 'the payment method'}")
    return "Paid with: " + "; ".join(said)
