"""``healthcheck.security.safe_dict``: py-healthcheck's exact contract."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthcheck.security import safe_dict

MASK = "********"


def reference(dictionary: Mapping[Any, Any], blacklist: Any, max_deep: int) -> Any:
    """The contract, written out plainly (the issue's words), to compare against."""
    if max_deep <= 0:
        return dictionary
    out = {}
    for key, value in dictionary.items():
        if isinstance(value, Mapping):
            out[key] = reference(value, blacklist, max_deep - 1)
        elif any(word.lower() in key.lower() for word in blacklist):
            out[key] = MASK
        else:
            out[key] = value
    return out


def test_keys_containing_a_blacklisted_word_are_masked_in_any_case() -> None:
    data = {"API_KEY": "a", "Token": "b", "db_password": "c", "passport": "d", "user": "e"}
    assert safe_dict(data) == {
        "API_KEY": MASK,
        "Token": MASK,
        "db_password": MASK,
        "passport": MASK,  # "pass" is a substring: masked, as in py-healthcheck
        "user": "e",
    }
    assert data["API_KEY"] == "a"  # the input is not changed


def test_other_values_are_kept_as_they_are() -> None:
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    items = [1, 2]
    result = safe_dict({"when": when, "count": 3, "ratio": 0.5, "items": items, "none": None})
    assert result["when"] is when
    assert result["items"] is items
    assert result == {"when": when, "count": 3, "ratio": 0.5, "items": items, "none": None}


def test_nested_mappings_are_walked_up_to_max_deep() -> None:
    data = {"a": {"secret_key": 1, "b": {"token": 2, "c": {"password": 3}}}}
    # max_deep counts the mappings walked: the top one, "a", "b" and "c" make four.
    assert safe_dict(data, max_deep=4) == {
        "a": {"secret_key": MASK, "b": {"token": MASK, "c": {"password": MASK}}}
    }
    deep = safe_dict(data, max_deep=3)
    assert deep["a"]["secret_key"] == MASK
    assert deep["a"]["b"]["token"] == MASK
    assert deep["a"]["b"]["c"] is data["a"]["b"]["c"]  # beyond max_deep: unchanged


@pytest.mark.parametrize("max_deep", [0, -1])
def test_max_deep_at_or_below_zero_returns_the_input_itself(max_deep: int) -> None:
    data = {"password": "x"}
    assert safe_dict(data, max_deep=max_deep) is data


def test_a_nested_mapping_under_a_blacklisted_key_is_walked_not_masked() -> None:
    assert safe_dict({"keys": {"id": 1, "private_key": "x"}}) == {
        "keys": {"id": 1, "private_key": MASK}
    }


def test_a_custom_blacklist_and_mapping_types() -> None:
    data = MappingProxyType({"Secret": "x", "token": "y", "inner": OrderedDict(SECRET=1)})
    assert safe_dict(data, blacklist=("secret",)) == {
        "Secret": MASK,
        "token": "y",
        "inner": {"SECRET": MASK},
    }
    assert safe_dict({"Secret": 1}, blacklist="SECRET") == {"Secret": MASK}


def test_keys_that_are_not_strings_do_not_break_it() -> None:
    assert safe_dict({1: "one", ("pass", 2): "x"}) == {1: "one", ("pass", 2): MASK}


def test_a_non_mapping_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="mapping"):
        safe_dict(["password"])  # type: ignore[arg-type]


keys = st.text(max_size=12)
leaves = st.one_of(st.integers(), st.text(max_size=8), st.none(), st.floats(allow_nan=False))
trees = st.recursive(
    st.dictionaries(keys, leaves, max_size=5),
    lambda children: st.dictionaries(keys, st.one_of(leaves, children), max_size=5),
    max_leaves=30,
)


@given(
    trees,
    st.lists(st.sampled_from(["key", "TOKEN", "pass", "x", "Ab"]), max_size=3),
    st.integers(-1, 6),
)
def test_it_matches_the_contract_on_any_tree(
    tree: dict[str, Any], blacklist: list[str], max_deep: int
) -> None:
    assert safe_dict(tree, tuple(blacklist), max_deep) == reference(tree, blacklist, max_deep)


def test_mapping_likes_with_keys_and_getitem_are_taken() -> None:
    from werkzeug.datastructures import Headers

    headers = Headers([("Authorization-Token", "abc"), ("X-Api-Key", "k"), ("Accept", "*/*")])
    assert safe_dict(headers) == {
        "Authorization-Token": MASK,
        "X-Api-Key": MASK,
        "Accept": "*/*",
    }
