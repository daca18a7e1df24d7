from __future__ import annotations

from unified_order_api.xentral.problems import problem_messages, violation_pairs


def test_nested_violations_become_json_pointers() -> None:
    problem = {
        "type": "https://api.xentral.biz/problems/request-validation",
        "title": "Request payload validation failed.",
        "violations": {
            "positions": {"0": {"product": {"id": ["This value should not be blank."]}}},
            "financials": {"currency": ["Missing.", "Too short."]},
        },
    }
    assert violation_pairs(problem) == [
        ("/positions/0/product/id", "This value should not be blank."),
        ("/financials/currency", "Missing."),
        ("/financials/currency", "Too short."),
    ]


def test_violations_as_array_index_by_position() -> None:
    problem = {"violations": [{"quantity": ["Must be positive."]}, {"product": {"id": ["Unknown."]}}]}
    assert violation_pairs(problem) == [("/0/quantity", "Must be positive."), ("/1/product/id", "Unknown.")]


def test_whole_body_violation_points_at_the_root() -> None:
    assert violation_pairs({"violations": {"_": ["This collection should contain at most `9` elements."]}}) == [
        ("", "This collection should contain at most `9` elements.")
    ]


def test_pointer_segments_are_escaped() -> None:
    assert violation_pairs({"violations": {"a/b": {"c~d": ["x"]}}}) == [("/a~1b/c~0d", "x")]


def test_generic_validation_string_messages() -> None:
    problem = {"type": "https://api.xentral.biz/problems/generic-validation", "messages": ["Unknown project"]}
    assert problem_messages(problem) == ["Unknown project"]
    assert violation_pairs(problem) == []


def test_generic_validation_field_messages_become_pointers() -> None:
    problem = {"messages": {"email": ["Not a valid email."]}}
    assert violation_pairs(problem) == [("/email", "Not a valid email.")]
    assert problem_messages(problem) == []


def test_conflict_items_messages() -> None:
    problem = {"items": [{"id": 17, "title": "Customer 17", "messages": ["Number taken."]}]}
    assert problem_messages(problem) == ["Customer 17: Number taken."]
