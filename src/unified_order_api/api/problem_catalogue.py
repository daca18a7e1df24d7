"""What every problem `code` of this service means, and what to do about it: the source of docs/errors.md.

The codes themselves come from the error classes (every subclass of `PROBLEM_ROOTS` brings one), the
statuses from `error_handlers.STATUS`; an entry here adds what a reader needs: the meaning, whether
sending the same request again can help, and what the caller or the operator does. The app serves each
entry at the code's problem `type` URI (`/problems/{code}`); `python -m unified_order_api.api.problem_catalogue`
prints docs/errors.md, and a test fails when the file, the entries or the classes drift apart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .error_handlers import PROBLEM_ROOTS, status_of

__all__ = ["ENTRIES", "ProblemEntry", "entry_for", "entry_html", "errors_markdown", "problem_classes", "statuses_of"]


@dataclass(frozen=True, slots=True)
class ProblemEntry:
    """One problem code as its reader needs it. `retryable`: "yes", "no", or when it depends, on what."""

    code: str
    meaning: str
    retryable: str
    action: str


def problem_classes() -> Iterator[type[Exception]]:
    """Every error class that can become a problem answer: the roots with a code and all their subclasses."""
    seen: set[type[Exception]] = set()
    pending = list(PROBLEM_ROOTS)
    while pending:
        kind = pending.pop()
        if kind in seen:
            continue
        seen.add(kind)
        pending.extend(kind.__subclasses__())
        if isinstance(getattr(kind, "code", None), str):
            yield kind


def statuses_of(code: str) -> list[int]:
    """The statuses a code is answered with (two for `xentral_outcome_unknown`: 502 and 504)."""
    statuses = {status_of(kind) for kind in problem_classes() if getattr(kind, "code", None) == code}
    return sorted(status for status in statuses if status is not None)


_RETRY_AFTER = "yes, after `Retry-After` seconds"

ENTRIES: tuple[ProblemEntry, ...] = (
    # --- the request itself -------------------------------------------------------------
    ProblemEntry(
        "invalid_json",
        "The body is not valid JSON, or not a JSON object where the endpoint needs one.",
        "no",
        "Caller: send a JSON object with `Content-Type: application/json`; `detail` quotes the parser.",
    ),
    ProblemEntry(
        "request_invalid",
        "The body is JSON but breaks the request schema (a missing, unknown or malformed field). `errors` lists "
        "every problem at once, each with a JSON pointer into the body (for a shop's webhook: into the shop's JSON).",
        "no",
        "Caller: fix every field `errors` names and send again; nothing was created.",
    ),
    ProblemEntry(
        "unauthenticated",
        "No API key, or a key no client has (`Authorization: Bearer <key>` or `X-API-Key`); for the admin API, "
        "the admin key is wrong or no admin key is configured.",
        "no",
        "Caller: send the key the operator gave you. Operator: check the client's `api_key` (or `admin_api_key`).",
    ),
    ProblemEntry(
        "signature_invalid",
        "A shop's webhook whose HMAC signature over the raw body is missing or does not match the shop's secret.",
        "no",
        "Operator: give the shop block the same secret the shop signs with (docs/shops.md); a proxy must pass the "
        "body through unchanged.",
    ),
    ProblemEntry(
        "webhook_stale",
        "A signed shop webhook whose timestamp is older than the shop's `max_age_seconds`: refused as a replay.",
        "no",
        "Operator: check the clocks of the shop and this service; let the shop send a fresh delivery.",
    ),
    ProblemEntry(
        "xentral_event_signature_invalid",
        "A Xentral event (`POST /api/xentral/{instance}/events`) whose `xentral-signature` is missing or does not "
        "match its body and timestamp under our subscription's key, or that came before we had a subscription.",
        "no",
        "Operator: run `unified-order-api subscribe-xentral` (it sends Xentral our key again); a proxy must pass the "
        "body and headers through unchanged.",
    ),
    ProblemEntry(
        "xentral_event_stale",
        "A Xentral event whose `xentral-request-timestamp` is further from our clock than "
        "`xentral_events.timestamp_tolerance_seconds`: refused as a replay.",
        "no",
        "Operator: check the clock of this service (NTP); Xentral's retries carry fresh timestamps.",
    ),
    ProblemEntry(
        "not_found",
        "No route at this address, or no shop of this kind is connected for this client.",
        "no",
        "Caller: check the URL (the client name and shop kind in `/api/shops/{client}/{kind}`).",
    ),
    ProblemEntry(
        "order_not_found",
        "`GET /api/orders/{reference}`: this client sent no order with this reference (references are "
        "case-sensitive, and each client sees only its own orders).",
        "no",
        "Caller: check the reference and the API key it was sent with.",
    ),
    ProblemEntry(
        "delivery_not_found",
        "The admin API: no outbound webhook delivery has this event id (the `webhook-id` a receiver saw).",
        "no",
        "Operator: list deliveries with `GET /api/admin/webhooks/deliveries` to find the id.",
    ),
    ProblemEntry(
        "method_not_allowed",
        "The route exists but not with this HTTP method; the `Allow` header lists the methods it has.",
        "no",
        "Caller: use a method from `Allow`.",
    ),
    ProblemEntry(
        "request_timeout",
        "The body arrived slower than the minimum rate (`UOA_LIMITS__MIN_BODY_BYTES_PER_SECOND` after "
        "`UOA_LIMITS__BODY_TIMEOUT_SECONDS`); the connection is closed.",
        "yes",
        "Caller: send the whole body at once. Operator: raise the limits if legitimate clients are that slow.",
    ),
    ProblemEntry(
        "body_too_large",
        "The body is larger than `UOA_LIMITS__MAX_BODY_BYTES`; it is read and discarded first (up to "
        "`UOA_LIMITS__DRAIN_MAX_BYTES`) so the client sees this answer.",
        "no",
        "Caller: send a smaller order. Operator: raise the limit if such orders are legitimate.",
    ),
    ProblemEntry(
        "unsupported_media_type",
        "The body is not sent as `application/json` (only the console's forms and WooCommerce's ping may be "
        "form-encoded).",
        "no",
        "Caller: send `Content-Type: application/json`.",
    ),
    ProblemEntry(
        "idempotency_key_reused",
        "The `Idempotency-Key` was used before for a different request body; nothing was done.",
        "no",
        "Caller: send a new key for a new request, or the identical body to get the first answer again.",
    ),
    # --- the order ----------------------------------------------------------------------
    ProblemEntry(
        "order_invalid",
        "The request is well-formed but cannot become an order as it stands (an unknown SKU, an unmapped "
        "shipping or payment code, …); `errors` lists every problem with its pointer. Nothing was created.",
        "no",
        "Caller: fix what `errors` names. Operator: when a code is unmapped, add it to `shipping_map` or "
        "`payment_map`; `check-config` shows what Xentral knows. A `*_unsupported` problem (`fee_unsupported`, "
        "`discount_unsupported`, `shipping_cost_unsupported`, `tax_rounding_unsupported`: the shop rounded its "
        "tax otherwise than Xentral, and the balancing lines need both a fee and a discount product) names "
        "the `UOA_DEFAULTS__*_PRODUCT_ID` setting to configure; `tax_rounding_unbalanced` means the shop's tax "
        "amounts are more than rounding explains (docs/concepts/money.md).",
    ),
    ProblemEntry(
        "customer_not_found",
        "No Xentral customer matches the given customer number or email, and none may be created (creating "
        "customers is disabled, or a new one needs an email).",
        "no",
        "Caller: send the customer's email (to create one) or an existing customer number. Operator: set "
        "`UOA_CUSTOMERS__CREATE_MISSING` if new customers should be created.",
    ),
    ProblemEntry(
        "total_mismatch",
        "The order's computed gross total differs from `expected_total` by more than the tolerance, and the "
        "client's rule is to refuse; `detail` gives the difference.",
        "no",
        "Caller: compare prices, taxation and charges with the shop's; a dry run (`Prefer: dry-run`) shows "
        "each line. Operator: check the client's prices and taxation settings.",
    ),
    ProblemEntry(
        "order_cancelled",
        "The order's payment status is voided or cancelled: such an order is never imported, as it must not "
        "be fulfilled.",
        "no",
        "Caller: nothing to do; send the order again only if it becomes valid.",
    ),
    ProblemEntry(
        "customer_ambiguous",
        "Several Xentral customers match the customer number or email, so none is chosen.",
        "no",
        "Caller: send the customer number of the right one. Operator: merge the duplicate customers in Xentral.",
    ),
    ProblemEntry(
        "order_in_progress",
        "The same order (reference or key) is being processed by an earlier request right now.",
        _RETRY_AFTER,
        "Caller: retry with the same reference after `Retry-After`; the retry gets the first request's answer.",
    ),
    ProblemEntry(
        "reference_taken",
        "Xentral holds an order with this reference that this service made for another client; its ids are "
        "not shown, and no order was created.",
        "no",
        "Caller: send another reference. Operator: give each client its own `reference_prefix`.",
    ),
    ProblemEntry(
        "order_error",
        "The order service failed in a way it has no more specific code for: a fault of this service.",
        "no",
        "Operator: look up the request id in the logs and report it.",
    ),
    # --- Xentral -------------------------------------------------------------------------
    ProblemEntry(
        "xentral_rejected",
        "Xentral refused the order; `errors` quotes Xentral's own violations (`xentral_violation`) with "
        "pointers into Xentral's payload.",
        "no",
        "Caller: fix the order if a violation names your data. Operator: otherwise the mapping or Xentral's "
        "master data (articles, projects) is at fault.",
    ),
    ProblemEntry(
        "xentral_error",
        "Xentral answered a read with a server error of its own (5xx).",
        _RETRY_AFTER,
        "Caller: retry with the same reference. Operator: check Xentral's status if it persists.",
    ),
    ProblemEntry(
        "xentral_unavailable",
        "Xentral could not be reached, or the connection broke during a read.",
        _RETRY_AFTER,
        "Caller: retry with the same reference. Operator: check the Xentral URL, DNS and network.",
    ),
    ProblemEntry(
        "xentral_timeout",
        "Xentral did not answer a read in time.",
        _RETRY_AFTER,
        "Caller: retry with the same reference. Operator: check Xentral's load and the client timeouts.",
    ),
    ProblemEntry(
        "xentral_outcome_unknown",
        "Xentral did not answer a write in time, the connection broke, it answered 5xx or an unreadable answer: "
        "the order may or may not have landed (502 after a 5xx, 504 otherwise).",
        _RETRY_AFTER,
        "Caller: retry with the same reference: the retry looks the order up before anything is sent again, so "
        "it is never created twice.",
    ),
    ProblemEntry(
        "xentral_order_unconfirmed",
        "Xentral accepted the import, but reading the order back did not prove it is this caller's; it is not "
        "reported as created.",
        _RETRY_AFTER,
        "Caller: retry with the same reference; the retry finds the order by reference. Operator: if it "
        "persists, compare the order in Xentral with the request (docs/xentral.md, verifying answers).",
    ),
    ProblemEntry(
        "xentral_outcome_unresolved",
        "An order's outcome stayed unknown (Xentral did not answer the lookups that would decide it) for longer "
        "than `UOA_RECONCILER__GIVE_UP_DAYS`; the reconciler failed it (with `order.failed`) so someone looks. "
        "Seen on the order's status and in its `order.failed` callback, never as an answer to a request.",
        "yes: the retry looks the order up by its reference before anything is sent again",
        "Operator: check Xentral for the reference (and its access: token, reachability), then retry the order in "
        "the console. Caller: send the same request again once Xentral answers.",
    ),
    ProblemEntry(
        "xentral_rate_limited",
        "Xentral's request limit is reached (Xentral answered 429, or our own pacing found no free slot in time; "
        "then nothing was sent).",
        "yes, after `Retry-After` seconds (`retryable` is false when Xentral did not say when)",
        "Caller: retry after `Retry-After`. Operator: if it is frequent, check "
        "`UOA_XENTRAL_RATE_LIMIT_PER_MINUTE` and `UOA_XENTRAL_RATE_LIMIT_RESERVE`.",
    ),
    ProblemEntry(
        "xentral_access_denied",
        "Xentral answered 401 or 403: the configured API token is wrong, expired, or lacks a scope.",
        "no",
        "Operator: fix the Xentral token or its scopes (e.g. `salesOrder:create`); retrying does not help before.",
    ),
    ProblemEntry(
        "xentral_misconfigured",
        "Xentral answered 404 where the configuration says something exists: the Xentral URL or a configured "
        "id (project, shipping or payment method) is wrong.",
        "no",
        "Operator: run `check-config` and fix what it reports.",
    ),
    ProblemEntry(
        "xentral_bad_response",
        "Xentral answered in a way this service does not understand (not JSON, a redirect, 406, 415, a 409 on "
        "a read, …).",
        "depends: `retryable` in the body says (yes for a garbled success, e.g. a maintenance page)",
        "Caller: retry only when `retryable` is true. Operator: otherwise this service and Xentral disagree "
        "about the request; compare the Xentral version with the spec this service follows.",
    ),
    ProblemEntry(
        "xentral_rejected_request",
        "Xentral answered 400 to a read of this service: the fault is this service's or Xentral's, not the order's.",
        "no",
        "Operator: report it with the request id; retrying does not help until it is fixed.",
    ),
    ProblemEntry(
        "xentral_filter_ignored",
        "Xentral answered a filtered lookup with items its filter excludes, so the answer decided nothing and "
        "nothing was written on it.",
        "no",
        "Operator: Xentral is not applying the filter (a proxy rewriting the query, a Xentral bug); see "
        "docs/xentral.md, verifying answers.",
    ),
    # --- this service ------------------------------------------------------------------
    ProblemEntry(
        "database_unavailable",
        "Our order database failed or did not answer within `UOA_DATABASE_TIMEOUT_SECONDS`; "
        "`order_may_exist` says whether the order may already be in Xentral.",
        _RETRY_AFTER,
        "Caller: retry with the same reference (or key): the retry finds an order that landed. Operator: check "
        "the database.",
    ),
    ProblemEntry(
        "internal_error",
        "Something unforeseen failed on our side; nothing about it depends on the request.",
        "no",
        "Operator: find the request id in the logs (`request.unhandled_error`) and report it.",
    ),
)

_BY_CODE = {entry.code: entry for entry in ENTRIES}


def entry_for(code: str) -> ProblemEntry | None:
    return _BY_CODE.get(code)


def _status_text(code: str) -> str:
    return " or ".join(str(status) for status in statuses_of(code))


def errors_markdown() -> str:
    """docs/errors.md: every code with its status, meaning, whether a retry helps, and what to do."""
    lines = [
        "# Errors",
        "",
        "Every error is an RFC 9457 `application/problem+json` answer with a stable `code`; its `type` is",
        "`/problems/{code}`, which this service answers with the entry below. On 5xx, `retryable` says whether",
        "sending the same request again can succeed (then after `Retry-After`). Field problems in `errors`",
        "carry codes of their own (`required`, `unknown_field`, `item_not_found`, `xentral_violation`, …).",
        "A refusal of the web framework itself with a status no route of this service uses would carry",
        "`http_<status>`; none is known to occur.",
        "",
        "Generated from `unified_order_api/api/problem_catalogue.py`",
        "(`python -m unified_order_api.api.problem_catalogue > docs/errors.md`); a test fails when it drifts.",
        "",
        "| Code | Status | Retryable |",
        "| --- | --- | --- |",
    ]
    lines += [f"| [`{e.code}`](#{e.code}) | {_status_text(e.code)} | {e.retryable} |" for e in ENTRIES]
    for entry in ENTRIES:
        lines += [
            "",
            f"## {entry.code}",
            "",
            f"**Status** {_status_text(entry.code)} · **Retryable** {entry.retryable}",
            "",
            entry.meaning,
            "",
            f"What to do: {entry.action}",
        ]
    return "\n".join(lines) + "\n"


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    return _CODE_SPAN.sub(r"<code>\1</code>", html.escape(text, quote=False))


def entry_html(entry: ProblemEntry) -> str:
    """The small page a problem `type` URI answers with."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{entry.code} — Unified Order API</title></head><body>\n"
        f"<h1>{entry.code}</h1>\n"
        f"<p><strong>Status</strong> {_status_text(entry.code)} · <strong>Retryable</strong> "
        f"{_inline(entry.retryable)}</p>\n"
        f"<p>{_inline(entry.meaning)}</p>\n"
        f"<p>What to do: {_inline(entry.action)}</p>\n"
        "</body></html>\n"
    )


if __name__ == "__main__":
    from .. import app  # noqa: F401  (every router, so every error class is defined)

    print(errors_markdown(), end="")
