"""One error vocabulary: every error class has a code, a status and an entry in docs/errors.md.

The classes are discovered by walking the subclasses of the service's error roots, so a new error
without a status or an entry fails here rather than answering 500 or a `type` that 404s. That each
`type` answers over HTTP is tested in tests/integration/service/test_problem_types.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from unified_order_api.api import errors as edge
from unified_order_api.api.error_handlers import STATUS, status_of
from unified_order_api.api.problem_catalogue import ENTRIES, entry_html, errors_markdown
from unified_order_api.app import create_app
from unified_order_api.config import Settings
from unified_order_api.orders import errors as order_errors
from unified_order_api.orders.attempts import StoreUnavailable
from unified_order_api.shops import intake
from unified_order_api.xentral_events import intake as events

DOCS = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
ROOTS: tuple[type[Exception], ...] = (
    order_errors.OrderError,
    StoreUnavailable,
    edge.RequestRefused,
    intake.ShopRefused,
    events.XentralEventRefused,
)
# Bases that only group refusals; each subclass brings its own code.
ABSTRACT = (edge.RequestRefused, intake.ShopRefused, events.XentralEventRefused)
# Exceptions the framework raises and the handlers turn into one of the edge's refusals.
FRAMEWORK = (RequestValidationError, WebSocketRequestValidationError, StarletteHTTPException, Exception)


def _walk(kind: type[Exception]) -> Iterator[type[Exception]]:
    yield kind
    for sub in kind.__subclasses__():
        yield from _walk(sub)


def _error_classes() -> list[type[Exception]]:
    return [kind for root in ROOTS for kind in _walk(root) if kind not in ABSTRACT]


def _documented_codes() -> list[str]:
    return re.findall(r"^## (\S+)$", DOCS.read_text(encoding="utf-8"), re.MULTILINE)


def test_the_walk_finds_the_whole_vocabulary() -> None:
    # Guards the walk itself: these live in three packages and at several depths.
    found = set(_error_classes())
    assert {order_errors.XentralOrderUnconfirmed, StoreUnavailable, edge.DeliveryNotFound, intake.ArrivalStale} <= found
    assert len(found) > 30


@pytest.mark.parametrize("kind", _error_classes(), ids=lambda kind: kind.__name__)
def test_every_error_class_has_a_code_a_status_and_an_entry(kind: type[Exception]) -> None:
    code = getattr(kind, "code", None)
    assert isinstance(code, str) and code, f"{kind.__name__} has no code"
    assert isinstance(getattr(kind, "title", None), str), f"{kind.__name__} has no title"
    assert status_of(kind) is not None, f"{kind.__name__} ({code}) has no status in error_handlers.STATUS"
    assert code in _documented_codes(), f"{code} ({kind.__name__}) has no entry in docs/errors.md"


def test_no_entry_is_stale_and_none_is_twice() -> None:
    codes = {getattr(kind, "code", None) for kind in _error_classes()}
    documented = _documented_codes()
    assert sorted(set(documented)) == sorted(documented), "an entry appears twice"
    assert set(documented) - codes == set(), "entries for codes no error class has"
    assert {entry.code for entry in ENTRIES} == set(documented)


@pytest.mark.parametrize("base", ABSTRACT, ids=lambda kind: kind.__name__)
def test_a_base_of_refusals_is_never_answered_itself(base: type[Exception]) -> None:
    assert not hasattr(base, "code")
    assert base not in STATUS


def test_every_table_row_is_an_error_of_the_vocabulary() -> None:
    classes = set(_error_classes())
    assert set(STATUS) <= classes, set(STATUS) - classes


def test_every_exception_handler_answers_a_root_of_the_vocabulary() -> None:
    settings = Settings(xentral_url="http://xentral.invalid", xentral_token="t" * 20, clients=[])
    handled = {kind for kind in create_app(settings).exception_handlers if isinstance(kind, type)}
    assert handled - set(ROOTS) - set(FRAMEWORK) == set()
    assert set(ROOTS) <= handled


def test_a_status_is_found_along_the_class_hierarchy() -> None:
    class LateTimeout(order_errors.XentralTimedOut):
        """A class the table does not name gets its nearest ancestor's row."""

    assert LateTimeout not in STATUS
    assert status_of(LateTimeout) == 504
    assert status_of(order_errors.XentralOrderUnconfirmed) == 502  # its own ancestor's, not XentralTimedOut's
    assert status_of(order_errors.XentralRateLimited) == 503
    assert status_of(ValueError) is None


def test_docs_errors_md_is_generated_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == errors_markdown(), (
        "docs/errors.md drifted: run `python -m unified_order_api.api.problem_catalogue > docs/errors.md`"
    )


def test_an_entry_page_says_what_the_entry_says() -> None:
    for entry in ENTRIES:
        page = entry_html(entry)
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert f"<h1>{entry.code}</h1>" in page
        assert entry.meaning.replace("`", "") in text and entry.action.replace("`", "") in text
