"""Compiled conditions: refused when malformed, fast and explained when evaluated."""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path
from types import CodeType, MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailor.targeting import (
    ConditionError,
    TargetingError,
    compile_condition,
)

SAVED_GROUPS = {"beta_testers": ["u-1", "u-2"], "staff": ["u-9"]}

# A visitor as the decision engine sees one.
VISITOR = {
    "context": {"country": "DE", "device": "desktop", "hour": 9, "language": "de"},
    "facts": {
        "steps": ["account_created"],
        "event_count": 2,
        "first_seen": 1_700_000_000,
    },
    "traits": {
        "plan": "Pro",
        "agent": "Mozilla/5.0 (Macintosh)",
        "app_version": "2.4.1",
    },
    "segments": ["new_users"],
    "cluster": 3,
}


# ------------------------------------------------------------ compile errors


@pytest.mark.parametrize(
    ("condition", "path", "problem", "hint"),
    [
        pytest.param(
            {"context.device": {"$inn": ["mobile"]}},
            "$.context.device.$inn",
            "unknown operator '$inn'",
            "did you mean '$in'?",
            id="unknown operator",
        ),
        pytest.param(
            {"$nad": [{"cluster": 1}]},
            "$.$nad",
            "unknown logical operator '$nad'",
            "did you mean '$and'?",
            id="unknown logical operator",
        ),
        pytest.param(
            {"traits.agent": {"$regex": "(Mobile"}},
            "$.traits.agent.$regex",
            "invalid regular expression '(Mobile'",
            "missing ), unterminated subpattern at position 0",
            id="invalid regex",
        ),
        pytest.param(
            {"context.device": {"$in": "mobile"}},
            "$.context.device.$in",
            "$in needs a list, not a string",
            '{"$in": ["mobile", "tablet"]}',
            id="$in of a string",
        ),
        pytest.param(
            {"context.device": {"$in": ["mobile", ["tablet"]]}},
            "$.context.device.$in[1]",
            "$in lists strings, numbers, booleans or null, not a list",
            None,
            id="$in of a nested list",
        ),
        pytest.param(
            {"facts.steps": {"$size": "3"}},
            "$.facts.steps.$size",
            "$size needs a non-negative integer or a condition, not a string",
            '{"$size": 3}',
            id="$size of a string",
        ),
        pytest.param(
            {"$and": {"cluster": 1}},
            "$.$and",
            "$and needs a list of conditions, not an object",
            '{"$and": [',
            id="$and of an object",
        ),
        pytest.param(
            {"$or": [{"cluster": 1}, "cluster"]},
            "$.$or[1]",
            "a condition must be an object, not a string",
            '{"context.device": "mobile"}',
            id="$or holding a string",
        ),
        pytest.param(
            {"traits.user": {"$inGroup": "beta_tester"}},
            "$.traits.user.$inGroup",
            "unknown saved group 'beta_tester'",
            "did you mean 'beta_testers'?",
            id="unknown saved group",
        ),
        pytest.param(
            {"facts.event_count": {"$gt": True}},
            "$.facts.event_count.$gt",
            "$gt needs a number or a string, not a boolean",
            None,
            id="$gt of a boolean",
        ),
        pytest.param(
            {"context.device": {"$type": "strng"}},
            "$.context.device.$type",
            "$type needs one of string, number, boolean, array, object, null",
            "did you mean 'string'?",
            id="unknown $type",
        ),
        pytest.param(
            {"context.device": {"$exists": "yes"}},
            "$.context.device.$exists",
            "$exists needs true or false, not a string",
            None,
            id="$exists of a string",
        ),
        pytest.param(
            {"segments": {"$eq": ["new_users"]}},
            "$.segments.$eq",
            "$eq compares single values, not a list",
            "to match a whole list, write it without an operator",
            id="$eq of a list",
        ),
        pytest.param(
            {"context.hour": {"$gt": 8, "max": 12}},
            "$.context.hour",
            "an object mixes operators ($gt) with plain keys (max)",
            "either all operators or a literal",
            id="operators mixed with plain keys",
        ),
        pytest.param(
            {"context..device": "mobile"},
            "$.context..device",
            "attribute path 'context..device' has an empty segment",
            "context.device",
            id="empty path segment",
        ),
        pytest.param(
            {"traits.app_version": {"$vgt": 2}},
            "$.traits.app_version.$vgt",
            "$vgt needs a version string, not a number",
            '"1.2.3"',
            id="version as a number",
        ),
    ],
)
def test_a_malformed_condition_is_refused_naming_where_and_how_to_fix_it(
    condition, path, problem, hint
):
    with pytest.raises(ConditionError) as raised:
        compile_condition(condition, saved_groups=SAVED_GROUPS)

    error = raised.value
    assert error.path == path
    assert problem in error.problem
    if hint is None:
        assert error.hint is None
    else:
        assert error.hint is not None
        assert hint in error.hint
    assert problem in str(error)
    assert path in str(error)
    assert isinstance(error, TargetingError)


def test_a_saved_group_is_unknown_when_no_groups_are_given():
    with pytest.raises(ConditionError) as raised:
        compile_condition({"traits.user": {"$notInGroup": "staff"}})

    assert raised.value.hint == "no saved groups are defined"


def test_a_condition_that_is_not_an_object_is_refused_at_the_root():
    with pytest.raises(ConditionError) as raised:
        compile_condition(["context.device", "mobile"])  # type: ignore[arg-type]

    assert raised.value.path == "$"


def test_a_condition_nested_too_deeply_is_refused():
    condition: dict[str, object] = {"cluster": 1}
    for _ in range(40):
        condition = {"$not": condition}

    with pytest.raises(ConditionError, match="nested more than 32 levels"):
        compile_condition(condition)


# -------------------------------------------------------------- GrowthBook mode


def test_growthbook_mode_gives_a_refused_clause_the_answer_growthbook_gives():
    # GIVEN clauses strict mode refuses: an unknown operator, an unknown group
    unknown_operator = {"context.device": {"$inn": ["desktop"]}}
    unknown_group = {"traits.user": {"$notInGroup": "nobody"}}

    # WHEN they compile in GrowthBook mode
    never = compile_condition(unknown_operator, strict=False)
    always = compile_condition(unknown_group, strict=False)

    # THEN they answer as GrowthBook does, and say why
    assert never(VISITOR) is False
    assert never.explain(VISITOR) == (
        "context.device: unknown operator '$inn' never matches"
    )
    assert always(VISITOR) is True


def test_growthbook_mode_turns_a_malformed_condition_into_one_that_never_matches():
    condition = compile_condition({"$and": "cluster"}, strict=False)

    assert condition({"cluster": 3}) is False
    assert condition.explain({"cluster": 3}) == (
        "the condition is malformed and never matches: $and needs a list of "
        "conditions, not a string at $.$and "
        '(for example {"$and": [{"context.device": "mobile"}, ...]})'
    )


# ------------------------------------------------------------------ matching


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"context.device": {"$in": ["mobile", "tablet"]}}, False),
        ({"context.device": {"$nin": ["mobile", "tablet"]}}, True),
        ({"facts.steps": {"$all": ["account_created"]}}, True),
        ({"facts.event_count": {"$gte": 2, "$lt": 5}}, True),
        ({"traits.plan": {"$ini": ["pro", "team"]}}, True),
        ({"traits.agent": {"$regexi": "macintosh"}}, True),
        ({"traits.app_version": {"$vgte": "2.4.0", "$vlt": "3.0.0"}}, True),
        ({"traits.user": {"$inGroup": "beta_testers"}}, False),
        ({"segments": {"$elemMatch": {"$eq": "new_users"}}}, True),
        ({"facts.steps": {"$size": {"$gt": 0}}}, True),
        ({"traits.missing": {"$exists": False}}, True),
        ({"cluster": {"$type": "number"}}, True),
        ({"$or": [{"context.country": "FR"}, {"context.language": "de"}]}, True),
        ({"$nor": [{"context.country": "FR"}, {"context.language": "fr"}]}, True),
        ({"$not": {"context.hour": {"$lt": 12}}}, False),
    ],
)
def test_a_condition_matches_the_visitor_it_describes(condition, expected):
    compiled = compile_condition(condition, saved_groups=SAVED_GROUPS)

    assert compiled(VISITOR) is expected
    assert compiled.match(VISITOR) is expected


def test_a_condition_keeps_its_meaning_when_its_document_changes_later():
    document = {"context.device": {"$in": ["desktop"]}}
    condition = compile_condition(document)

    document["context.device"]["$in"].append("mobile")
    document["context.device"]["$in"].remove("desktop")

    assert condition(VISITOR) is True


def test_text_in_a_condition_stays_data_and_never_becomes_code():
    # GIVEN attribute names and values written to break out of generated source
    sneaky_name = "x')) or True or (('"
    sneaky_value = "'); raise SystemExit('escaped'); ('"
    condition = compile_condition(
        {sneaky_name: {"$in": [sneaky_value]}, "y}{0}": {"$regex": "\\)\\("}}
    )

    # THEN they are compared as text, like any other
    assert condition({sneaky_name: "other", "y}{0}": ")("}) is False
    assert condition({sneaky_name: sneaky_value, "y}{0}": ")("}) is True


def test_any_mapping_can_hold_the_attributes():
    condition = compile_condition({"context.device": "desktop", "cluster": 3})

    assert condition(MappingProxyType(VISITOR)) is True
    assert condition.explain(MappingProxyType({"cluster": 3})) == (
        "context.device is missing, not 'desktop'"
    )


# ------------------------------------------------------------------- paths


def test_paths_name_every_attribute_a_condition_reads():
    condition = compile_condition(
        {
            "context.device": "mobile",
            "$or": [{"features.sessions_7d": {"$gt": 3}}, {"segments": "power"}],
            "$not": {"scores.churn": {"$gt": 0.8}},
            "facts.steps": {"$elemMatch": {"$eq": "project_created"}},
        }
    )

    assert condition.paths == frozenset(
        {
            "context.device",
            "features.sessions_7d",
            "segments",
            "scores.churn",
            "facts.steps",
        }
    )


def test_paths_inside_an_element_match_belong_to_the_items_not_the_document():
    condition = compile_condition(
        {"experiments.list": {"$elemMatch": {"id": "welcome", "variant": "b"}}}
    )

    assert condition.paths == frozenset({"experiments.list"})


def test_an_empty_condition_reads_nothing_and_matches_everything():
    condition = compile_condition({})

    assert condition.paths == frozenset()
    assert condition({}) is True


# ----------------------------------------------------------------- explain


@pytest.mark.parametrize(
    ("condition", "sentence"),
    [
        (
            {"context.device": {"$in": ["mobile", "tablet"]}},
            "context.device is 'desktop', not in ['mobile', 'tablet']",
        ),
        (
            {"facts.steps": {"$all": ["project_created"]}},
            "facts.steps does not contain all of ['project_created']",
        ),
        (
            {"context.country": "DE", "facts.event_count": {"$gte": 3}},
            "facts.event_count is 2, not at least 3",
        ),
        (
            {"context.region": {"$in": ["BY", "BE"]}},
            "context.region is missing, not in ['BY', 'BE']",
        ),
        (
            {"context.device": {"$nin": ["desktop"]}},
            "context.device is 'desktop', which is in the excluded ['desktop']",
        ),
        (
            {"traits.agent": {"$regex": "Mobile|Android"}},
            "traits.agent is 'Mozilla/5.0 (Macintosh)', which does not match "
            "/Mobile|Android/",
        ),
        (
            {"traits.app_version": {"$vgte": "3.0.0"}},
            "traits.app_version is '2.4.1', not a version at or above '3.0.0'",
        ),
        (
            {"traits.user": {"$inGroup": "beta_testers"}},
            "traits.user is missing, not in saved group 'beta_testers'",
        ),
        (
            {"facts.steps": {"$size": {"$gte": 2}}},
            "the size of facts.steps is 1, not at least 2",
        ),
        (
            {"segments": {"$elemMatch": {"$eq": "power"}}},
            "segments has no item matching {'$eq': 'power'}",
        ),
        (
            {"traits.plan": {"$exists": False}},
            "traits.plan is 'Pro', but must be missing",
        ),
        (
            {"cluster": {"$type": "string"}},
            "cluster is 3, of type number, not 'string'",
        ),
        (
            {"context.hour": {"$not": {"$lt": 12}}},
            "context.hour is 9, which matches the excluded {'$lt': 12}",
        ),
        (
            {"$or": [{"context.country": "FR"}, {"cluster": {"$gt": 5}}]},
            "no alternative matches: context.country is 'DE', not 'FR'; "
            "cluster is 3, not greater than 5",
        ),
        (
            {"$not": {"context.country": "DE"}},
            "it matches the excluded condition {'context.country': 'DE'}",
        ),
        (
            {"$nor": [{"cluster": 1}, {"cluster": 3}]},
            "it matches the excluded alternative {'cluster': 3}",
        ),
    ],
)
def test_explain_names_the_first_failing_clause_in_one_sentence(condition, sentence):
    compiled = compile_condition(condition, saved_groups=SAVED_GROUPS)

    assert compiled(VISITOR) is False
    assert compiled.explain(VISITOR) == sentence


def test_explain_is_none_for_attributes_that_match():
    condition = compile_condition({"context.device": "desktop", "cluster": {"$lt": 5}})

    assert condition.explain(VISITOR) is None


def test_explain_names_the_clause_that_fails_not_the_ones_that_pass():
    # GIVEN a condition whose first and third clauses pass
    condition = compile_condition(
        {
            "context.country": "DE",
            "context.hour": {"$gte": 12},
            "cluster": 3,
        }
    )

    # THEN the sentence is about the second
    assert condition.explain(VISITOR) == "context.hour is 9, not at least 12"


# ------------------------------------------------- evaluation never raises


class Hostile:
    """An attribute value that fails every way a value can fail to compare."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("no comparing")

    def __lt__(self, other: object) -> bool:
        raise TypeError("no ordering")

    __gt__ = __le__ = __ge__ = __lt__

    def __hash__(self) -> int:
        raise TypeError("no hashing")

    def __bool__(self) -> bool:
        raise ValueError("no truth")


def _too_long_to_print() -> int:
    return 10**5000


def _self_referencing_list() -> list[object]:
    items: list[object] = ["loop"]
    items.append(items)
    return items


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(
        ["mobile", "Pro", "1.2.3", "v2.0.0-rc.1", "8", "nan", "project_created"]
    ),
    st.builds(_too_long_to_print),
    st.binary(max_size=4),
    st.tuples(st.integers(), st.text(max_size=3)),
    st.frozensets(st.integers(), max_size=3),
    st.just(datetime.datetime(2026, 1, 1)),
    st.builds(Hostile),
    st.builds(_self_referencing_list),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["device", "steps", "plan", "a"]), inner)
    ),
    max_leaves=8,
)
_DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "context": st.dictionaries(
            st.sampled_from(["device", "country", "hour"]), _VALUES
        )
        | _VALUES,
        "facts": st.dictionaries(st.sampled_from(["steps", "event_count"]), _VALUES),
        "traits": st.dictionaries(
            st.sampled_from(["plan", "agent", "app_version", "user"]), _VALUES
        ),
        "segments": _VALUES,
        "cluster": _VALUES,
    },
)

# One condition per kind of clause, so every operator meets every kind of value.
_EVERY_OPERATOR = [
    compile_condition(condition, saved_groups=SAVED_GROUPS)
    for condition in [
        {"context.device": "mobile"},
        {"context.hour": 9},
        {"context.device": ["mobile", {"a": 1}]},
        {"context.device": {"device": "mobile"}},
        {"context.device": None},
        {"context.device": True},
        {"context.device": {"$eq": "mobile"}},
        {"context.hour": {"$eq": 9}},
        {"context.hour": {"$ne": 9}},
        {"context.hour": {"$gt": 3, "$lte": 20}},
        {"context.hour": {"$lt": "12", "$gte": "0"}},
        {"traits.app_version": {"$vgt": "1.0.0", "$vlte": "3.0.0-rc.1"}},
        {"traits.app_version": {"$veq": "2.0.0", "$vne": "2.0.1"}},
        {"context.device": {"$in": ["mobile", "tablet"]}},
        {"context.hour": {"$in": [1, 2.5, True, None, "x"]}},
        {"context.device": {"$nin": ["mobile"]}},
        {"traits.plan": {"$ini": ["PRO", 3]}},
        {"traits.plan": {"$nini": ["pro"]}},
        {"facts.steps": {"$all": ["project_created", 1]}},
        {"facts.steps": {"$alli": ["PROJECT_CREATED"]}},
        {"facts.steps": {"$all": [{"$regex": "^proj"}, "x"]}},
        {"segments": {"$elemMatch": {"$in": ["a", "b"]}}},
        {"segments": {"$elemMatch": {"plan": "Pro", "steps": {"$size": 2}}}},
        {"facts.steps": {"$size": 2}},
        {"facts.steps": {"$size": {"$gte": 1}}},
        {"cluster": {"$exists": True}},
        {"cluster": {"$type": "array"}},
        {"traits.agent": {"$regex": "Mobile", "$notRegexi": "bot"}},
        {"traits.plan": {"$not": {"$in": ["free"]}}},
        {"traits.user": {"$inGroup": "beta_testers", "$notInGroup": "staff"}},
        {"$or": [{"cluster": 1}, {"$nor": [{"segments": "x"}]}]},
        {"$and": [{"$not": {"context.country": "DE"}}, {"context.hour": {"$lt": 5}}]},
    ]
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_no_attribute_document_makes_a_condition_raise(document):
    for condition in _EVERY_OPERATOR:
        result = condition(document)
        sentence = condition.explain(document)

        assert result is True or result is False
        assert (sentence is None) is result


# ----------------------------------------------- compiled once, not per call


def _python_calls_during(work):
    """The code of every Python function entered while `work` runs, and every
    compiled pattern searched with."""
    codes: list[CodeType] = []
    patterns: list[re.Pattern[str]] = []

    def profile(frame, event, arg):
        if event == "call":
            codes.append(frame.f_code)
        elif event == "c_call" and isinstance(
            getattr(arg, "__self__", None), re.Pattern
        ):
            patterns.append(arg.__self__)

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return codes, patterns


def test_evaluation_runs_only_generated_code_for_attributes_of_the_expected_types():
    # GIVEN a compiled condition
    condition = compile_condition(
        {
            "context.device": {"$in": ["mobile", "tablet"]},
            "context.country": "DE",
            "context.hour": {"$gte": 8, "$lt": 20},
        }
    )
    visitors = [
        {"context": {"device": device, "country": "DE", "hour": hour}}
        for device in ("mobile", "desktop")
        for hour in (3, 9)
    ]

    # WHEN it is evaluated
    codes, _ = _python_calls_during(lambda: [condition(v) for v in visitors])

    # THEN the only Python code that ran (besides this test's lambda and list
    # comprehension) is the function generated for the condition: nothing parsed
    # or walked a condition document
    generated = [code for code in codes if code.co_filename == "<tailor condition>"]
    assert len(generated) == len(visitors)
    assert {code.co_filename for code in codes} == {"<tailor condition>", __file__}


def test_evaluation_searches_with_the_pattern_compiled_once_with_the_condition():
    # GIVEN a condition with a regular expression
    condition = compile_condition({"traits.agent": {"$regex": "Mobile|Tablet"}})
    agents = ["Android Mobile", "iPad Tablet", "Macintosh", "Windows", "Mobile"]

    # WHEN it is evaluated for many visitors
    codes, patterns = _python_calls_during(
        lambda: [condition({"traits": {"agent": agent}}) for agent in agents]
    )

    # THEN no code of the `re` package ran (no re.compile, no re.search), and
    # every search used one and the same pattern object
    re_package = str(Path(re.__file__).parent)
    assert not [code for code in codes if code.co_filename.startswith(re_package)]
    assert len(patterns) == len(agents)
    assert len({id(pattern) for pattern in patterns}) == 1
    assert [condition({"traits": {"agent": agent}}) for agent in agents] == [
        True,
        True,
        False,
        False,
        True,
    ]
