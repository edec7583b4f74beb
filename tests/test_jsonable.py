"""to_jsonable: any value becomes something strict ``json.dumps`` accepts, without raising."""

from __future__ import annotations

import datetime
import decimal
import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from healthcheck.jsonable import to_jsonable


def strict_json(value: object) -> str:
    """Serialise the way a strict consumer would: no NaN, no fallback ``default=``."""
    return json.dumps(value, allow_nan=False)


class Labelled:
    def __str__(self) -> str:
        return "labelled!"


class BrokenStr:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")


class BrokenRepr:
    """No ``__str__``: ``str()`` falls back to the broken ``__repr__``."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def test_json_scalars_pass_through_unchanged() -> None:
    for value in (None, True, False, 0, -7, 1.5, "text", ""):
        assert to_jsonable(value) == value
        assert type(to_jsonable(value)) is type(value)


def test_non_string_keys_become_strings() -> None:
    converted = to_jsonable({1: "int", (1, 2): "tuple", None: "none", 2.5: "float"})

    assert converted == {"1": "int", "(1, 2)": "tuple", "None": "none", "2.5": "float"}
    assert all(isinstance(key, str) for key in converted)


def test_tuples_become_lists_at_any_depth() -> None:
    converted = to_jsonable({"pair": (1, (2, 3)), "list": [(4,)]})

    assert converted == {"pair": [1, [2, 3]], "list": [[4]]}


def test_sets_and_frozensets_become_lists() -> None:
    converted = to_jsonable({"set": {3, 1, 2}, "frozen": frozenset({"b", "a"})})

    assert isinstance(converted["set"], list)
    assert sorted(converted["set"]) == [1, 2, 3]
    assert isinstance(converted["frozen"], list)
    assert sorted(converted["frozen"]) == ["a", "b"]


def test_non_finite_floats_become_strings() -> None:
    converted = to_jsonable([math.nan, math.inf, -math.inf, 0.25])

    assert all(isinstance(item, str) for item in converted[:3])
    assert converted[3] == 0.25
    assert "nan" in converted[0].lower()
    strict_json(converted)


def test_other_objects_become_their_str() -> None:
    moment = datetime.datetime(2024, 5, 6, 7, 8, 9)
    converted = to_jsonable(
        {"decimal": decimal.Decimal("1.50"), "when": moment, "custom": Labelled(), "bytes": b"x"}
    )

    assert converted == {
        "decimal": "1.50",
        "when": str(moment),
        "custom": "labelled!",
        "bytes": str(b"x"),
    }


def test_a_list_containing_itself_is_cut_with_a_marker() -> None:
    looped: list[object] = [1]
    looped.append(looped)

    converted = to_jsonable(looped)

    assert converted[0] == 1
    assert isinstance(converted[1], str)  # the marker, where the cycle closes
    strict_json(converted)


def test_a_dict_containing_itself_is_cut_with_a_marker() -> None:
    looped: dict[str, object] = {"name": "root"}
    looped["self"] = looped

    converted = to_jsonable(looped)

    assert converted["name"] == "root"
    assert isinstance(converted["self"], str)
    strict_json(converted)


def test_a_shared_but_acyclic_value_is_not_mistaken_for_a_cycle() -> None:
    shared = [1, 2]

    assert to_jsonable({"a": shared, "b": shared, "c": [shared, shared]}) == {
        "a": [1, 2],
        "b": [1, 2],
        "c": [[1, 2], [1, 2]],
    }


def test_nesting_deeper_than_the_recursion_limit_is_cut_without_raising() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]

    converted = to_jsonable(deep)

    text = strict_json(converted)
    assert text.startswith("[[[")
    assert '"' in text  # the marker string replaces what lies below the cut


def test_an_object_whose_str_raises_does_not_raise() -> None:
    converted = to_jsonable({"value": BrokenStr(), "items": [BrokenStr()]})

    assert isinstance(converted["value"], str)
    assert isinstance(converted["items"][0], str)
    strict_json(converted)


def test_a_key_whose_str_raises_does_not_raise() -> None:
    converted = to_jsonable({BrokenStr(): 1})

    assert list(converted.values()) == [1]
    assert all(isinstance(key, str) for key in converted)


def test_a_set_holding_an_unprintable_object_does_not_raise() -> None:
    # str() of BrokenRepr raises as well, so it is "an object whose __str__ raises".
    converted = to_jsonable({"members": {BrokenRepr()}})

    assert isinstance(converted["members"], list)
    assert len(converted["members"]) == 1
    strict_json(converted)


def test_an_integer_too_long_for_json_does_not_break_serialisation() -> None:
    # json.dumps (and str) refuse ints over sys.get_int_max_str_digits() digits.
    strict_json(to_jsonable({"huge": 10**5000}))


def test_the_input_is_not_modified() -> None:
    original = {"t": (1, 2), 3: {4, 5}}

    to_jsonable(original)

    assert original == {"t": (1, 2), 3: {4, 5}}


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5)
    | st.binary(max_size=5)
    | st.decimals(allow_nan=False)
)
_keys = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(_keys, children, max_size=4)
        | st.frozensets(st.integers() | st.text(max_size=3), max_size=4)
    ),
    max_leaves=20,
)


@settings(database=None, max_examples=200, deadline=None)
@given(_values)
def test_any_nested_value_becomes_strict_json(value: object) -> None:
    converted = to_jsonable(value)

    assert json.loads(strict_json(converted)) == converted
