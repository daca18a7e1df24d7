"""The transport and paging checks: how the instance answers where the spec is silent (FACTS §4;
docs/xentral.md#transport, #lists-and-filters, #duplicates, #errors, #rate-limit).

Each reads what the client depends on: the `Location` form, a repeated reference, a page above 50,
the end of a customer cursor, a token lacking a scope, and the rate-limit headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from ..xentral import XentralClient
from ..xentral.errors import (
    XentralAuthError,
    XentralConflict,
    XentralStatusError,
    XentralUnexpectedResponse,
    XentralValidationError,
)
from ..xentral.filters import MAX_PAGE_SIZE, Cursor, Filter, Page, cursor_params, filter_params, page_params
from ..xentral.problems import is_token_scopes
from .findings import Finding
from .orders import line
from .session import CreatedOrder, VerifySession

__all__ = ["cursor_end", "location_form", "missing_scope", "oversize_page", "rate_limit_headers", "repeated_reference"]


async def location_form(session: VerifySession) -> Finding:
    """A 201's `Location`: the client reads the id from its trailing digits, whatever the form (URL or path).
    That id is proven by the order's view showing the imported reference; else the client reads (and would
    act on) another order."""
    reference = session.reference("LOCATION")
    try:
        order_id, answer = await session.import_order(session.body("LOCATION", [line(session.target, "1.00")]))
        await session.view_of(CreatedOrder(order_id, reference))
    except XentralUnexpectedResponse as unusable:  # no Location, no id in it, or another order's id
        return Finding(
            "location-form",
            "differs",
            f"the import's answer names no order the client can use: {unusable}",
            "the service reads each imported order by this id (xentral/responses.py id_from_location): "
            "do not go live; report the Location Xentral sends (docs/xentral.md#transport)",
        )
    location = answer.location or ""
    form = "an absolute URL" if urlsplit(location).scheme else "a path alone"
    return Finding(
        "location-form",
        "agrees",
        f"the import's 201 says Location {location!r}: {form}; its trailing digits, {order_id}, are the order "
        f"imported as {reference}",
    )


async def repeated_reference(session: VerifySession) -> Finding:
    """The same `externalOrderNumber` imported twice: accepted (a second order), or refused (400, 409). A
    refusal agrees only when a lookup by the reference, as the service then makes, finds the first order."""
    body = session.body("REPEAT", [line(session.target, "1.00")])
    first, _ = await session.import_order(body)
    try:
        second, _ = await session.import_order(body)
    except (XentralConflict, XentralValidationError) as refused:
        how = "409" if isinstance(refused, XentralConflict) else f"400 ({refused})"
        return await _looked_up(session, str(body["externalOrderNumber"]), first, how)
    unchecked = session.configured.clients_where(lambda client: client.upstream_check != "always")
    observed = f"a repeated reference is imported again: orders {first} and {second} share it"
    if unchecked:
        return Finding(
            "repeated-reference",
            "differs",
            observed,
            f'only the service\'s own check stops a second order: set idempotency.upstream_check = "always" '
            f"for clients {', '.join(unchecked)}",
        )
    return Finding(
        "repeated-reference",
        "agrees",
        f'{observed}; every client checks Xentral before each import (idempotency.upstream_check = "always")',
    )


async def _looked_up(session: VerifySession, reference: str, first: str, how: str) -> Finding:
    listing = await session.client.list_sales_orders([Filter("externalOrderNumber", "equals", reference)])
    found = [item.id for item in listing.data if item.external_order_number == reference]
    if first in found:
        return Finding(
            "repeated-reference",
            "agrees",
            f"a repeated reference is refused with {how}; the lookup by reference finds order {first}, as the "
            "service looks before answering",
        )
    return Finding(
        "repeated-reference",
        "differs",
        f"a repeated reference is refused with {how}, but the lookup by reference finds no order {first} "
        f"(found: {', '.join(found) or 'none'})",
        "a refused repeat of an order of ours would be answered as failed: report it (docs/xentral.md#duplicates)",
    )


async def oversize_page(session: VerifySession) -> Finding:
    """The client's page, `page[size]=50` (`MAX_PAGE_SIZE`), served in full (assumed: 50 is the largest page;
    a silently smaller one would end a list early, the SKU lookup missing what a later page holds); then
    `page[size]=51`: refused, clamped or served. Proven only on a list longer than 50 (the product list)."""
    try:
        full = await _products(session, 1, MAX_PAGE_SIZE)
    except XentralValidationError as refused:
        return Finding("oversize-page", "differs", f"page[size]=50 is refused with 400 ({refused})", _SMALLER)
    served = len(full)
    if served < MAX_PAGE_SIZE:
        following = await _products(session, 2, MAX_PAGE_SIZE)
        if following:
            return Finding(
                "oversize-page",
                "differs",
                f"page[size]=50 is served as {served} items, and page 2 holds more: the largest page is smaller",
                _SMALLER,
            )
        return Finding(
            "oversize-page",
            "noted",
            f"the product list holds only {served}: a page of 50 is not proven on this instance",
            "nothing to change while its lists are short; rerun once it holds more than 50 products",
        )
    params = page_params(Page(1, MAX_PAGE_SIZE))
    params[-1] = ("page[size]", "51")
    try:
        answer = await session.client.probe("list_products", params=params)
    except XentralValidationError as refused:
        return Finding(
            "oversize-page",
            "agrees",
            f"page[size]=50 is served in full; page[size]=51 is refused with 400 ({refused}): 50 is the largest",
        )
    session.answers.append(answer)
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    count = len(data) if isinstance(data, list) else None
    return Finding(
        "oversize-page",
        "agrees",
        f"page[size]=50 is served in full; page[size]=51 is answered 200 with {count} items",
        "nothing to change: the client asks for 50 at most (xentral/filters.py MAX_PAGE_SIZE)",
    )


_SMALLER = (
    "the client's lists would end early (a short page reads as the last): lower MAX_PAGE_SIZE in "
    "xentral/filters.py to the largest page served, and report it (docs/xentral.md#lists-and-filters)"
)


async def _products(session: VerifySession, number: int, size: int) -> list[Any]:
    answer = await session.client.probe("list_products", params=page_params(Page(number, size)))
    session.answers.append(answer)
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    return data if isinstance(data, list) else []


async def cursor_end(session: VerifySession) -> Finding:
    """The customer list by cursor, one customer per page, filtered to the test customer: how its end is marked."""
    filters = filter_params([Filter("id", "equals", session.target.customer_id)])
    marks: list[str] = []
    cursor = Cursor(size=1)
    for _ in range(3):
        answer = await session.client.probe("list_customers", params=filters + cursor_params(cursor))
        session.answers.append(answer)
        body: dict[str, Any] = answer.body if isinstance(answer.body, dict) else {}
        items = body.get("data") or []
        extra = body.get("extra")
        info = extra.get("cursor") if isinstance(extra, dict) else None
        info = info if isinstance(info, dict) else None
        if info is None or "nextCursor" not in info:
            marks.append(f"{len(items)} item(s), no nextCursor")
            break
        following = info["nextCursor"]
        marks.append(f"{len(items)} item(s), nextCursor {following!r}")
        if not items or not following:
            break
        cursor = Cursor(size=1, next_cursor=str(following))
    else:
        return Finding(
            "cursor-end",
            "differs",
            f"pages: {'; '.join(marks)}: the cursor did not end",
            "the client stops at MAX_PAGES and distrusts the list (xentral/paging.py): report it",
        )
    return Finding(
        "cursor-end",
        "agrees",
        f"pages: {'; '.join(marks)}: read as the end (an empty, null or missing nextCursor, or an empty page)",
    )


_SCOPE_READS: dict[str, Callable[[XentralClient], Awaitable[object]]] = {
    "customer:read": lambda client: client.list_customers([], Cursor(size=1)),
    "product:read": lambda client: client.list_products([], Page(1, 1)),
    "salesOrder:read": lambda client: client.list_sales_orders([], Page(1, 1)),
    "project:read": lambda client: client.list_projects(),
    "shippingMethod:read": lambda client: client.list_shipping_methods(),
    "paymentMethod:read": lambda client: client.list_payment_methods(),
    "salesChannel:read": lambda client: client.list_sales_channels(),
}


async def missing_scope(session: VerifySession) -> Finding:
    """With a token lacking a scope: how each read it lacks is answered, and whether the client reads that as a
    configuration error (never as "order invalid"). Every read is tried: a refusal proves a missing scope only
    when the answer names one or the token was granted another read (a token Xentral does not know at all,
    mistyped or expired, is refused everywhere alike)."""
    if session.limited is None:
        return Finding(
            "missing-scope",
            "not_checked",
            "no token lacking a scope was given",
            "create a token in Xentral without one read scope (say customer:read) and pass it with "
            "--limited-token-file PATH",
        )
    granted: list[str] = []
    refused: list[tuple[str, XentralAuthError]] = []
    for scope, read in _SCOPE_READS.items():
        try:
            await read(session.limited)
        except XentralAuthError as error:
            refused.append((scope, error))
        except XentralStatusError as other:
            return Finding(
                "missing-scope",
                "differs",
                f"lacking {scope}: answered {other.status_code} ({other})",
                "the service would not see a missing scope here: report the answer (docs/xentral.md#errors)",
            )
        else:
            granted.append(scope)
    if not refused:
        return Finding(
            "missing-scope",
            "not_checked",
            "the limited token has every read scope the service needs",
            "give a token lacking one of: " + ", ".join(_SCOPE_READS),
        )
    named = any(error.missing_scopes for _, error in refused)
    if not granted and not named:
        forms = sorted({_answer(error) for _, error in refused})
        return Finding(
            "missing-scope",
            "failed",
            f"the limited token was refused every read ({', '.join(forms)}), naming no scope",
            "that is a token Xentral does not know (mistyped, expired, deleted) as much as one lacking every scope: "
            "give a valid token that lacks only one read scope",
        )
    observed = "; ".join(f"lacking {scope}: answered {_answer(error)}" for scope, error in refused)
    observed += f"; granted {', '.join(granted)}" if granted else ""
    return Finding("missing-scope", "agrees", f"{observed}; read as a configuration error, never retried")


def _answer(error: XentralAuthError) -> str:
    form = "400 #token-scopes" if is_token_scopes(error.problem) else str(error.status_code)
    return form + (f", naming {', '.join(error.missing_scopes)}" if error.missing_scopes else ", naming no scope")


async def rate_limit_headers(session: VerifySession) -> Finding:
    """`X-RateLimit-Limit` / `-Remaining` on the answers of this run, against the configured budget."""
    configured = session.configured
    limits = {answer.headers.get("x-ratelimit-limit") for answer in session.answers} - {None}
    remaining = any("x-ratelimit-remaining" in answer.headers for answer in session.answers)
    if not limits:
        return Finding(
            "rate-limit-headers",
            "noted",
            f"no X-RateLimit-Limit on {len(session.answers)} answers",
            f"the limiter paces by {configured.rate_limit_setting} = {configured.rate_limit_per_minute} "
            "alone; nothing to change",
        )
    try:
        limit = min(int(value) for value in limits if value is not None)
    except ValueError:
        return Finding(
            "rate-limit-headers",
            "differs",
            f"X-RateLimit-Limit unreadable: {sorted(map(str, limits))}",
            "the limiter ignores it; report it",
        )
    observed = f"X-RateLimit-Limit {limit}" + (", X-RateLimit-Remaining sent" if remaining else ", no -Remaining")
    if limit < configured.rate_limit_per_minute:
        return Finding(
            "rate-limit-headers",
            "differs",
            f"{observed}; configured {configured.rate_limit_per_minute}",
            f"set {configured.rate_limit_setting} = {limit}",
        )
    if limit > configured.rate_limit_per_minute:
        return Finding(
            "rate-limit-headers",
            "noted",
            f"{observed}; configured {configured.rate_limit_per_minute}",
            f"{configured.rate_limit_setting} may be raised to {limit} (ask Xentral first)",
        )
    return Finding("rate-limit-headers", "agrees", f"{observed}, as configured ({configured.rate_limit_setting})")
