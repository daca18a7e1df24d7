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
    XentralValidationError,
)
from ..xentral.filters import Cursor, Filter, Page, cursor_params, filter_params, page_params
from ..xentral.problems import is_token_scopes
from .findings import Finding, Verdict
from .orders import line
from .session import VerifySession

__all__ = ["cursor_end", "location_form", "missing_scope", "oversize_page", "rate_limit_headers", "repeated_reference"]


async def location_form(session: VerifySession) -> Finding:
    """A 201's `Location`: the client trusts only its trailing digits, so either form (URL or path) is read."""
    order_id, answer = await session.import_order(session.body("LOCATION", [line(session.target, "1.00")]))
    location = answer.location or ""
    form = "an absolute URL" if urlsplit(location).scheme else "a path alone"
    return Finding(
        "location-form",
        "agrees",
        f"the import's 201 says Location {location!r}: {form}, the id {order_id} read from its trailing digits",
    )


async def repeated_reference(session: VerifySession) -> Finding:
    """The same `externalOrderNumber` imported twice: accepted (a second order), or refused (400, 409)."""
    body = session.body("REPEAT", [line(session.target, "1.00")])
    first, _ = await session.import_order(body)
    try:
        second, _ = await session.import_order(body)
    except XentralConflict:
        return Finding(
            "repeated-reference",
            "agrees",
            "a repeated reference is refused with 409; the service then looks the reference up before answering",
        )
    except XentralValidationError as refused:
        return Finding(
            "repeated-reference",
            "agrees",
            f"a repeated reference is refused with 400 ({refused}); "
            "the service then looks the reference up before answering",
        )
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


async def oversize_page(session: VerifySession) -> Finding:
    """`page[size]=51` on the product list: refused, served as 50, or served as asked."""
    params = page_params(Page(1, 50))
    params[-1] = ("page[size]", "51")
    try:
        answer = await session.client.probe("list_products", "GET", "/api/v2/products", params=params)
    except XentralValidationError as refused:
        return Finding(
            "oversize-page",
            "agrees",
            f"page[size]=51 is refused with 400 ({refused}); the client never asks for more than 50",
        )
    session.answers.append(answer)
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    count = len(data) if isinstance(data, list) else None
    verdict: Verdict = "agrees" if count is not None and count <= 50 else "noted"
    return Finding(
        "oversize-page",
        verdict,
        f"page[size]=51 is answered 200 with {count} items (more than 50 only when the list holds them)",
        "nothing to change: the client asks for 50 at most (xentral/filters.py MAX_PAGE_SIZE)",
    )


async def cursor_end(session: VerifySession) -> Finding:
    """The customer list by cursor, one customer per page, filtered to the test customer: how its end is marked."""
    filters = filter_params([Filter("id", "equals", session.target.customer_id)])
    marks: list[str] = []
    cursor = Cursor(size=1)
    for _ in range(3):
        answer = await session.client.probe(
            "list_customers", "GET", "/api/v2/customers", params=filters + cursor_params(cursor)
        )
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
    """With a token lacking a scope: the answer to the first read it lacks, and whether the client reads it as a
    configuration error (never as "order invalid")."""
    if session.limited is None:
        return Finding(
            "missing-scope",
            "not_checked",
            "no token lacking a scope was given",
            "create a token in Xentral without one read scope (say customer:read) and pass it with "
            "--limited-token-file PATH",
        )
    for scope, read in _SCOPE_READS.items():
        try:
            await read(session.limited)
        except XentralAuthError as refused:
            form = "400 #token-scopes" if is_token_scopes(refused.problem) else str(refused.status_code)
            named = f", naming {', '.join(refused.missing_scopes)}" if refused.missing_scopes else ""
            return Finding(
                "missing-scope",
                "agrees",
                f"lacking {scope}: answered {form}{named}; read as a configuration error, never retried",
            )
        except XentralStatusError as other:
            return Finding(
                "missing-scope",
                "differs",
                f"lacking {scope}: answered {other.status_code} ({other})",
                "the service would not see a missing scope here: report the answer (docs/xentral.md#errors)",
            )
    return Finding(
        "missing-scope",
        "not_checked",
        "the limited token has every read scope the service needs",
        "give a token lacking one of: " + ", ".join(_SCOPE_READS),
    )


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
