"""The documentation holds together: every relative link in README.md and docs/ resolves (file and
`#anchor`, anchors as GitHub slugs them), and no page points at issue numbers or files outside the
repository, which a reader of a copy of the repository cannot follow."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\S\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

# A hash and digits, or "issue", "pull request" or "PR" and a number; not `#anchor` links, not `&#160;`.
_ISSUE_NUMBER = re.compile(r"(?<![\w&/#])#\d+\b|\b(?:issues?|pull requests?|PRs?)\s+#?\d+", re.IGNORECASE)
# Paths that leave the repository: `../…` in prose, or a machine's absolute paths.
_OUTSIDE_PATH = re.compile(r"(?<![\w.])\.\./|(?<![\w.:/])/(?:work|home|Users|root|mnt)/")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _prose(markdown: str) -> str:
    """The page without fenced blocks and code spans: the text that links and headings live in."""
    return _CODE_SPAN.sub("", _FENCE.sub("", markdown))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: markup dropped, lower case, punctuation gone, spaces → `-`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)  # emphasis underscores, not snake_case ones
    kept = "".join(c for c in text.lower() if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.strip().replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """Every anchor of a page: its headings' slugs (repeats numbered `-1`, `-2` as GitHub does) and `<a id>`."""
    markdown = _FENCE.sub("", _text(page))
    seen: Counter[str] = Counter()
    found = set(_HTML_ANCHOR.findall(markdown))
    for _, heading in _HEADING.findall(markdown):
        slug = github_slug(heading)
        found.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return frozenset(found)


def links(page: Path) -> list[str]:
    markdown = _CODE_SPAN.sub("", _FENCE.sub("", _text(page)))
    return _INLINE_LINK.findall(markdown) + _REFERENCE_DEFINITION.findall(markdown)


def broken(page: Path, target: str) -> str | None:
    """Why `target`, linked from `page`, does not resolve; None when it does (or is not relative)."""
    if not target or _SCHEME.match(target) or target.startswith("//"):
        return None
    path_part, _, anchor = target.partition("#")
    path_part = path_part.split("?", 1)[0]
    if path_part.startswith("/"):
        return "absolute path: link relative to the page instead"
    resolved = (page.parent / path_part).resolve() if path_part else page
    if not resolved.is_relative_to(ROOT):
        return "leaves the repository"
    if not resolved.exists():
        return "no such file"
    if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
        return f"no heading with anchor #{anchor} in {resolved.relative_to(ROOT)}"
    return None


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_there_are_pages_to_check() -> None:
    assert ROOT / "README.md" in PAGES
    assert ROOT / "docs" / "index.md" in PAGES


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_relative_link_resolves(page: Path) -> None:
    problems = [f"{target}: {why}" for target in links(page) if (why := broken(page, target))]
    assert problems == []


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_no_page_refers_to_issue_numbers_or_files_outside_the_repository(page: Path) -> None:
    text = _text(page)
    link_targets = set(links(page))
    prose_without_links = _INLINE_LINK.sub(lambda m: "" if m.group(1) in link_targets else m.group(0), text)
    issue_numbers = _ISSUE_NUMBER.findall(_prose(text))
    outside = [line.strip() for line in prose_without_links.splitlines() if _OUTSIDE_PATH.search(line)]
    assert (issue_numbers, outside) == ([], [])


_DOC_MENTION = re.compile(r"(?<![\w/.])docs/[\w./-]*?\.md(?:#[\w-]+)?")


def mentions_of_docs() -> list[tuple[str, str]]:
    """Every `docs/….md#anchor` that code, tests and scripts point a reader to, with where it is written."""
    sources = [path for folder in ("src", "tests", "bench", "examples") for path in (ROOT / folder).rglob("*.py")]
    return sorted(
        (f"{path.relative_to(ROOT)}", mention)
        for path in sources
        for mention in set(_DOC_MENTION.findall(path.read_text(encoding="utf-8")))
    )


def test_code_points_only_at_pages_and_sections_that_exist() -> None:
    """Code comments cite `docs/xentral.md#<section>` and the like; moving a page or renaming a heading keeps them."""
    mentions = mentions_of_docs()
    assert any(mention.startswith("docs/xentral.md#") for _, mention in mentions)
    problems = [
        f"{source}: {mention}: {why}" for source, mention in mentions if (why := broken(ROOT / "x.md", mention))
    ]
    assert problems == []


def test_the_readme_stays_short() -> None:
    """The README is the front door (what it is, the two commands, one curl, links); the rest is in docs/."""
    assert len(_text(ROOT / "README.md").splitlines()) <= 200


def reachable_from(start: Path) -> set[Path]:
    """The pages a reader reaches from `start` by following links, page to page."""
    seen, todo = {start}, [start]
    while todo:
        page = todo.pop()
        for target in links(page):
            path = target.partition("#")[0]
            if not path or _SCHEME.match(path):
                continue
            linked = (page.parent / path).resolve()
            if linked.suffix == ".md" and linked.is_file() and linked not in seen:
                seen.add(linked)
                todo.append(linked)
    return seen


def test_the_docs_index_leads_to_every_page() -> None:
    """A page no link from the index leads to (through the section indexes) is a page no reader finds."""
    reached = reachable_from(ROOT / "docs" / "index.md")
    unreached = [_name(page) for page in PAGES if page.is_relative_to(ROOT / "docs") and page not in reached]
    assert unreached == []


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Several shops, several Xentral instances", "several-shops-several-xentral-instances"),
        ("Signatures (`shops/signatures.py`)", "signatures-shopssignaturespy"),
        ("Settings (`UOA_CLIENTS[].shop`)", "settings-uoa_clientsshop"),
        ("Money: correct to the cent", "money-correct-to-the-cent"),
        ("Bursts: the async lane", "bursts-the-async-lane"),
        ("`402` — über *Grenzen*", "402--über-grenzen"),
    ],
)
def test_slugs_are_githubs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_a_broken_link_and_an_outside_path_are_caught() -> None:
    """The checks above can fail: a missing file, a missing anchor and a path outside are each reported."""
    page = ROOT / "docs" / "index.md"
    assert broken(page, "no-such-page.md") == "no such file"
    assert broken(page, "../README.md#no-such-heading") is not None
    assert broken(page, "../../outside.md") == "leaves the repository"
    assert broken(page, "https://example.com/x.md#y") is None
    number = 7  # built here, so that this file names no issue itself
    assert _ISSUE_NUMBER.search(f"as decided in issue {number}") and _ISSUE_NUMBER.search(f"see #{number}")
    assert _ISSUE_NUMBER.search(f"issues {number} and 8") and _ISSUE_NUMBER.search(f"PR {number}")
    assert not _ISSUE_NUMBER.search("[money](#money) and &#160;")
    assert _OUTSIDE_PATH.search("read from ../shared/xentral/") and _OUTSIDE_PATH.search("at /work/main/src")
    assert not _OUTSIDE_PATH.search("GET /api/orders/SHOP-1 and src/unified_order_api/")
