"""The order page's *Cancellation by the shop* card, rendered alone: its verdict per outcome. A cancellation
kept while the order was still importing is waiting, not "not carried out" (a red alert would send the
operator to stop a parcel that will never be picked)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import pytest

import unified_order_api.console as console
from unified_order_api.console.formatting import FILTERS
from unified_order_api.orders.cancellations import CancellationOutcome, CancellationRecord

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def card(outcome: CancellationOutcome) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(console.__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(FILTERS)
    record = CancellationRecord("shop", "R", "woocommerce", NOW, outcome, "the detail")
    return environment.get_template("_shop_cancellation.html").render(cancellation=record)


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        (CancellationOutcome.CANCELLED, "Carried out"),
        (CancellationOutcome.ALREADY_CANCELLED, "Carried out"),
        (CancellationOutcome.PENDING, "Not settled yet"),
        (CancellationOutcome.AWAITING_IMPORT, "Waiting for the import"),
        (CancellationOutcome.NOT_CANCELLED_DISPATCHED, "Not carried out"),
        (CancellationOutcome.NOT_IN_XENTRAL, "Not carried out"),
    ],
)
def test_each_outcome_has_its_verdict(outcome: CancellationOutcome, verdict: str) -> None:
    page = card(outcome)
    assert f'id="cancellation-verdict">{verdict}' in page
    assert ('role="alert"' in page) is outcome.needs_operator
