"""The configuration as an operator needs to see it: mapped ids named as Xentral names them, and the
codes callers send that no mapping covers (with what the automatic name match makes of them).

Xentral's lists come from the service's cached reference data (5 minutes), so opening the page
costs at most three Xentral calls when the cache is cold, and none otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import Settings
from ..orders.journal import CodeKind, CodeUse, OrderJournal
from ..orders.model import PaymentMethod, Project, ShippingMethod
from ..orders.reference_data import ReferenceData, match_code
from .masking import mask_url

__all__ = ["ClientView", "ConfigurationView", "MappedCode", "UnmappedCode", "configuration_view"]

RECENT_DAYS = 7


@dataclass(frozen=True, slots=True)
class MappedCode:
    kind: CodeKind
    code: str
    xentral_id: str
    xentral_name: str | None  # None: Xentral has no method with this id (or its list could not be read)


@dataclass(frozen=True, slots=True)
class UnmappedCode:
    use: CodeUse
    resolves_to: str | None  # the method the name match picks, as "id — designation"
    note: str


@dataclass(frozen=True, slots=True)
class ClientView:
    name: str
    reference_prefix: str
    webhook_url: str | None
    callback_hosts: tuple[str, ...]
    respond_async: bool
    notify_failures: bool


@dataclass(frozen=True, slots=True)
class DefaultView:
    label: str
    value: str | None
    xentral_name: str | None


@dataclass(frozen=True, slots=True)
class ConfigurationView:
    clients: list[ClientView]
    operators: list[str]
    mapped: list[MappedCode]
    unmapped: list[UnmappedCode]
    defaults: list[DefaultView]
    xentral_error: str | None  # why Xentral's names are missing, if they are
    recent_days: int


def _names(methods: Sequence[ShippingMethod | PaymentMethod]) -> dict[str, str]:
    return {method.id: method.designation or method.type for method in methods}


def _unmapped(
    uses: list[CodeUse],
    maps: Mapping[CodeKind, Mapping[str, str]],
    methods: Mapping[CodeKind, Sequence[ShippingMethod | PaymentMethod]] | None,
) -> list[UnmappedCode]:
    found = []
    for use in uses:
        if use.code.strip().lower() in maps[use.kind]:
            continue
        if methods is None:
            found.append(UnmappedCode(use, None, "Xentral's methods could not be read"))
            continue
        names = _names(methods[use.kind])
        match = match_code(use.code, {}, methods[use.kind])
        if match.id is not None:
            found.append(UnmappedCode(use, f"{match.id} — {names.get(match.id, '?')}", "matched by name"))
        elif match.candidates:
            found.append(UnmappedCode(use, None, "ambiguous: matches ids " + ", ".join(match.candidates)))
        else:
            found.append(UnmappedCode(use, None, "no Xentral method matches: orders with it fail"))
    return found


async def configuration_view(
    settings: Settings, reference: ReferenceData | None, journal: OrderJournal, now: dt.datetime
) -> ConfigurationView:
    shipping: Sequence[ShippingMethod] = []
    payment: Sequence[PaymentMethod] = []
    projects: Sequence[Project] = []
    error = None
    if reference is None:
        error = "this service has no Xentral reference data"
    else:
        try:
            shipping = await reference.shipping_methods.get()
            payment = await reference.payment_methods.get()
            projects = await reference.projects.get()
        except Exception as failure:  # shown on the page; the page still lists the configuration
            error = f"Xentral's lists could not be read ({type(failure).__name__})"
    shipping_names, payment_names = _names(shipping), _names(payment)
    mapped = [
        MappedCode("shipping", code, xentral_id, shipping_names.get(xentral_id))
        for code, xentral_id in sorted(settings.shipping_map.items())
    ] + [
        MappedCode("payment", code, xentral_id, payment_names.get(xentral_id))
        for code, xentral_id in sorted(settings.payment_map.items())
    ]
    uses = await journal.codes_used(now - dt.timedelta(days=RECENT_DAYS))
    maps: dict[CodeKind, Mapping[str, str]] = {"shipping": settings.shipping_map, "payment": settings.payment_map}
    methods: dict[CodeKind, Sequence[ShippingMethod | PaymentMethod]] | None = (
        None if error else {"shipping": shipping, "payment": payment}
    )
    project_names = {project.id: f"{project.name} ({project.key_name})" for project in projects}
    defaults = settings.defaults
    return ConfigurationView(
        clients=[
            ClientView(
                name=client.name,
                reference_prefix=client.reference_prefix,
                webhook_url=mask_url(client.webhook_url),
                callback_hosts=tuple(client.callback_hosts),
                respond_async=client.respond_async,
                notify_failures=client.notify_failures,
            )
            for client in settings.clients
        ],
        operators=[operator.name for operator in settings.console.operators],
        mapped=mapped,
        unmapped=_unmapped(uses, maps, methods),
        defaults=[
            DefaultView(
                "Project",
                defaults.project_id or (projects[0].id if projects else None),
                project_names.get(defaults.project_id or (projects[0].id if projects else "")),
            ),
            DefaultView(
                "Shipping method", defaults.shipping_method_id, shipping_names.get(defaults.shipping_method_id or "")
            ),
            DefaultView(
                "Payment method", defaults.payment_method_id, payment_names.get(defaults.payment_method_id or "")
            ),
            DefaultView("Currency", defaults.currency, None),
        ],
        xentral_error=error,
        recent_days=RECENT_DAYS,
    )
