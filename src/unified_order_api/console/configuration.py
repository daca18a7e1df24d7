"""The configuration as an operator needs to see it, client by client on its own Xentral instance:
its effective mappings and defaults named as that instance names them, the configuration check's
findings, and the codes the client sent recently that no mapping covers (with what the automatic
name match on its instance makes of them).

The names and problems come from the configuration check (`configcheck.check_config`), which reads
Xentral uncached: its result is kept for `CHECK_SECONDS`, so reloading the page costs no calls.
The name match uses each instance's cached reference data (5 minutes), as orders do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import order_policies
from ..configcheck import GLOBAL, ConfigFinding, check_config
from ..orders.journal import CodeKind, CodeUse, OrderJournal
from ..orders.model import PaymentMethod, ShippingMethod
from ..orders.payments import mapped_entries
from ..orders.policy import ClientPolicy
from ..orders.reference_data import match_code
from .formatting import human
from .masking import MASK, mask_url

if TYPE_CHECKING:
    from ..bootstrap import Container

__all__ = ["CHECK_SECONDS", "CheckCache", "ClientView", "ConfigurationView", "configuration_view"]

RECENT_DAYS = 7
CHECK_SECONDS = 60.0
_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>,]+", re.I)
_SECRET_SETTING = re.compile(r"secret|token|password|api[_-]?key|credential", re.I)


@dataclass
class CheckCache:
    """The last configuration check, for `CHECK_SECONDS`; concurrent page views share one run."""

    seconds: float = CHECK_SECONDS
    _at: float = 0.0
    _owner: int | None = None  # the container it was made for: a restarted service checks anew
    _findings: list[ConfigFinding] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def findings(self, container: Container) -> tuple[list[ConfigFinding], float]:
        """The findings and how old they are (seconds)."""
        async with self._lock:
            now = time.monotonic()
            if self._owner != id(container) or now - self._at >= self.seconds:
                self._findings = await check_config(container)
                self._owner, self._at = id(container), time.monotonic()
            return self._findings, time.monotonic() - self._at


@dataclass(frozen=True, slots=True)
class MappedCode:
    kind: CodeKind
    code: str
    xentral_id: str
    xentral_name: str | None
    problem: str | None  # e.g. no such id on this client's instance
    own: bool  # the client's own entry, not the global one


@dataclass(frozen=True, slots=True)
class UnmappedCode:
    use: CodeUse
    resolves_to: str | None  # the method the name match picks, as "id — designation"
    note: str


@dataclass(frozen=True, slots=True)
class DefaultView:
    setting: str
    value: str | None
    xentral_name: str | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class ClientView:
    name: str
    instance: str
    reference_prefix: str
    webhook_url: str | None
    callback_hosts: tuple[str, ...]
    respond_async: bool
    notify_failures: bool
    mapped: list[MappedCode]
    defaults: list[DefaultView]
    findings: list[ConfigFinding]
    unmapped: list[UnmappedCode]
    xentral_error: str | None  # why the name match could not run

    @property
    def problems(self) -> int:
        return sum(1 for finding in self.findings if not finding.ok)


@dataclass(frozen=True, slots=True)
class ConfigurationView:
    clients: list[ClientView]
    operators: list[str]
    check_error: str | None  # why the configuration check could not run, if it could not
    check_age: int  # seconds since the check ran
    recent_days: int


def _mask_text(text: str | None) -> str | None:
    return _URL.sub(lambda url: mask_url(url.group(0)) or MASK, text) if text else text


def _masked(finding: ConfigFinding) -> ConfigFinding:
    """A finding with URL credentials and anything secret-sounding masked (values, names, problems)."""
    secret = _SECRET_SETTING.search(finding.setting) and finding.value not in (None, "(set)")
    return dataclasses.replace(
        finding,
        value=MASK if secret else _mask_text(finding.value),
        xentral_name=_mask_text(finding.xentral_name),
        problem=_mask_text(finding.problem),
        warning=_mask_text(finding.warning),
    )


def _names(methods: Sequence[ShippingMethod | PaymentMethod]) -> dict[str, str]:
    return {method.id: method.designation or method.type for method in methods}


def _unmapped(
    uses: list[CodeUse],
    policy: ClientPolicy,
    methods: Mapping[CodeKind, Sequence[ShippingMethod | PaymentMethod]] | None,
) -> list[UnmappedCode]:
    maps: dict[CodeKind, Mapping[str, object]] = {"shipping": policy.shipping_map, "payment": policy.payment_map}
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


async def _methods(
    container: Container, instance: str
) -> tuple[dict[CodeKind, Sequence[ShippingMethod | PaymentMethod]] | None, str | None]:
    adapters = container.instances.get(instance)
    if adapters is None:
        return None, f"Xentral instance '{instance}' is not configured"
    try:
        shipping = await adapters.reference_data.shipping_methods.get()
        payment = await adapters.reference_data.payment_methods.get()
    except Exception as failure:  # shown on the page; the page still lists the configuration
        return None, f"Xentral's lists could not be read ({type(failure).__name__})"
    return {"shipping": shipping, "payment": payment}, None


async def _client_view(
    container: Container,
    policy: ClientPolicy,
    findings: list[ConfigFinding],
    journal: OrderJournal,
    since: dt.datetime,
) -> ClientView:
    settings = container.settings
    client = next((c for c in settings.clients if c.name == policy.name), None)
    by_setting = {finding.setting: finding for finding in findings}
    mapped = []
    for kind, codes, own in (
        ("shipping", sorted(policy.shipping_map.items()), client.shipping_map if client else {}),
        ("payment", list(mapped_entries(policy.payment_map)), client.payment_map if client else {}),
    ):
        for code, xentral_id in codes:
            checked = by_setting.get(f"{kind}_map.{code}")
            name, problem = (checked.xentral_name, checked.problem) if checked else (None, None)
            # A status entry (`prepayment.paid`) is the client's own when its code is.
            ours = code.split(".", 1)[0] in own if kind == "payment" else code in own
            mapped.append(MappedCode(kind, code, xentral_id, name, problem, ours))  # type: ignore[arg-type]
    defaults = []
    for setting, value in policy.defaults.model_dump().items():
        checked = by_setting.get(f"defaults.{setting}")
        if value is None and checked is None:
            continue
        defaults.append(
            DefaultView(
                setting,
                None if value is None else human(value),  # `no`, not Python's `False`
                checked.xentral_name if checked else None,
                checked.problem if checked else None,
            )
        )
    methods, error = await _methods(container, policy.instance)
    uses = await journal.codes_used(since, client=policy.name if client else None)
    return ClientView(
        name=policy.name or GLOBAL,
        instance=policy.instance,
        reference_prefix=policy.reference_prefix,
        webhook_url=mask_url(client.webhook_url) if client else None,
        callback_hosts=tuple(client.callback_hosts) if client else (),
        respond_async=policy.respond_async,
        notify_failures=policy.notify_failures,
        mapped=mapped,
        defaults=defaults,
        findings=findings,
        unmapped=_unmapped(uses, policy, methods),
        xentral_error=error,
    )


async def configuration_view(
    container: Container, journal: OrderJournal, checks: CheckCache, now: dt.datetime
) -> ConfigurationView:
    settings = container.settings
    check_error = None
    try:
        findings, age = await checks.findings(container)
    except Exception as failure:  # the page still shows the configuration, without Xentral's names
        findings, age, check_error = [], 0.0, f"the configuration check failed ({type(failure).__name__})"
    findings = [_masked(finding) for finding in findings]
    policies = order_policies(settings)
    since = now - dt.timedelta(days=RECENT_DAYS)
    clients = [
        await _client_view(
            container, policy, [f for f in findings if f.client == (policy.name or GLOBAL)], journal, since
        )
        for policy in policies.clients() or [policies.default]
    ]
    return ConfigurationView(
        clients=clients,
        operators=[operator.name for operator in settings.console.operators],
        check_error=check_error,
        check_age=int(age),
        recent_days=RECENT_DAYS,
    )
