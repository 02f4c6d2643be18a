from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplake_core.exceptions import DeepLakeCoreError, TQLError, TQLSyntaxError
from deeplake_core.tql import ast, parse, parse_expression
from deeplake_core.tql.parser import MAX_NESTING

VALID = [
    "SELECT *",
    "select * where labels == 0",
    "SELECT * WHERE labels = 'cat'",
    "SELECT * FROM 's3://bucket/ds' WHERE confidence > 0.9 LIMIT 1000",
    "SELECT * FROM mydata WHERE score > ?",
    'SELECT labels, "odd name", group/tensor WHERE group/tensor <> 2',
    "SELECT * WHERE index_meta['id'] == 'some_id' AND meta['a']['b'] != 'x'",
    "SELECT * WHERE categories[0] == 1 OR boxes[:2][0] > 3 OR x[:, 2] < 1 OR y[::-1][0] = 2",
    "SELECT * WHERE boxes[0, 1:3] >= ARRAY[1, 2]",
    "SELECT * WHERE labels BETWEEN 0 and 5 AND labels NOT BETWEEN 2 AND 3",
    "SELECT * WHERE labels in ARRAY[0, 2, 4, 6, 8] AND x NOT IN [1] AND y IN ('a', 'b')",
    "SELECT * WHERE CONTAINS(categories, 'person') AND shape(t)[0] == 3",
    "SELECT * WHERE ALL(x > 0) AND ANY(LOGICAL_AND(a, b)) AND NOT all_strict(c)",
    "SELECT * WHERE j IS NULL OR k IS NOT NULL",
    "SELECT * WHERE -x + 3 * (y - 2) / 4 % 5 < -1.5e3",
    "SELECT * WHERE flag = true OR flag = FALSE OR v == null",
    "SELECT * ORDER BY RANDOM()",
    "SELECT * LIMIT 10 OFFSET 5 ORDER BY x DESC",
    "SELECT * ORDER BY cosine_similarity(embedding, ARRAY[0.1, -0.2, .5]) DESC, id ASC LIMIT 10",
    "(select * where contains(categories, 'car') limit 1000) union "
    "(select * where contains(categories, 'motorcycle') limit 1000)",
    "(SELECT * WHERE a) INTERSECT (SELECT * WHERE b) EXCEPT (SELECT * WHERE c) LIMIT 4",
    "((SELECT * WHERE a) UNION (SELECT * WHERE b)) INTERSECT (SELECT *) ORDER BY a LIMIT ?",
    "SELECT * WHERE s == 'it\\'s' OR s == 'it''s' OR s == 'tab\\there'",
]


@pytest.mark.parametrize("query", VALID)
def test_valid_queries_round_trip(query):
    tree = parse(query)
    again = parse(ast.to_tql(tree))
    assert again == tree


def test_tree_shapes():
    tree = parse("SELECT * WHERE a = 1 AND b > 2 OR NOT c LIMIT 3 OFFSET 1")
    assert isinstance(tree, ast.Select)
    assert tree.limit.value == 3 and tree.offset.value == 1
    where = tree.where
    assert isinstance(where, ast.Logical) and where.op == "OR"
    assert isinstance(where.items[0], ast.Logical) and where.items[0].op == "AND"
    assert where.items[0].items[0] == ast.Binary("==", ast.Column("a"), ast.Literal(np.int64(1)))
    assert isinstance(where.items[1], ast.Unary) and where.items[1].op == "NOT"


def test_precedence_and_associativity():
    e = parse_expression("1 - 2 - 3 * -x[0] % 2")
    # (1 - 2) - ((3 * (-(x[0]))) % 2)
    assert isinstance(e, ast.Binary) and e.op == "-"
    assert e.left == ast.Binary("-", ast.Literal(np.int64(1)), ast.Literal(np.int64(2)))
    rem = e.right
    assert rem.op == "%" and rem.left.op == "*"
    neg = rem.left.right
    assert isinstance(neg, ast.Unary) and isinstance(neg.operand, ast.Subscript)


def test_keywords_case_insensitive_and_operators_normalised():
    assert parse("select * where a <> 1") == parse("SELECT * WHERE a != 1")
    assert parse("select * where a = 1") == parse("SELECT * WHERE a == 1")


def test_group_paths_quoted_names_and_division():
    e = parse_expression('g/t + "with space" - x / 2')
    assert e.left.left == ast.Column("g/t")
    assert e.left.right == ast.Column("with space")
    assert e.right == ast.Binary("/", ast.Column("x"), ast.Literal(np.int64(2)))


def test_params_numbered_left_to_right():
    tree = parse("SELECT * WHERE a > ? AND b IN ? LIMIT ?")
    params = [n for n in _walk(tree) if isinstance(n, ast.Param)]
    assert sorted(p.index for p in params) == [0, 1, 2]


def test_slices():
    e = parse_expression("x[1:, :2, ::3, 4, -1:-3:-1]")
    assert e.index[0] == ast.Slice(ast.Literal(np.int64(1)), None, None)
    assert e.index[1] == ast.Slice(None, ast.Literal(np.int64(2)), None)
    assert e.index[2] == ast.Slice(None, None, ast.Literal(np.int64(3)))
    assert e.index[3] == ast.Literal(np.int64(4))


def test_max_weight_pairs():
    e = parse_expression("max_weight(labels == 5: 10, labels == 6: 5)")
    assert isinstance(e, ast.Call) and e.name == "max_weight"
    assert all(isinstance(a, ast.Pair) for a in e.args)


def _walk(node):
    from deeplake_core.tql.planner import walk

    return walk(node)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("query", "line", "column", "expected"),
    [
        ("", 1, 1, "SELECT"),
        ("SELECT", 1, 7, "a tensor name"),
        ("SELECT * WHERE", 1, 15, "an expression"),
        ("SELECT * WHERE a == == 3", 1, 21, "an expression"),
        ("SELECT * WHERE (a", 1, 18, "')'"),
        ("SELECT *\nWHERE a >\n  LIMIT 3", 3, 3, "an expression"),
        ("SELECT * WHERE a BETWEEN 1 OR 2", 1, 28, "AND"),
        ("SELECT * LIMIT x", 1, 16, "non-negative whole number"),
        ("SELECT * WHERE x IN 3", 1, 21, "ARRAY"),
        ("SELECT * WHERE f(a,", 1, 20, "an expression"),
        ("SELECT * WHERE a[1", 1, 19, "']'"),
        ("SELECT * WHERE ARRAY 1", 1, 22, "'[' after ARRAY"),
        ("SELECT * WHERE a IS 3", 1, 21, "NULL"),
        ("SELECT * ORDER x", 1, 16, "BY"),
        ("SELECT * WHERE a = 1 garbage", 1, 22, "end of query"),
        ("(SELECT *) UNION", 1, 17, "'(' SELECT"),
    ],
)
def test_error_positions(query, line, column, expected):
    with pytest.raises(TQLSyntaxError) as info:
        parse(query)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert any(expected in e for e in err.expected), err.expected
    assert "^" in str(err)
    assert isinstance(err, ValueError) and isinstance(err, DeepLakeCoreError)
    assert isinstance(err, TQLError)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("SELECT * WHERE a < b < c", "cannot be chained"),
        ("SELECT * WHERE 'abc", "unterminated string"),
        ('SELECT * WHERE "abc', "unterminated quoted name"),
        ("SELECT * WHERE a = 'x\\q'", "unknown escape"),
        ("SELECT * WHERE a @ b", "unexpected character '@'"),
        ("SELECT * WHERE order = 1", 'must be quoted: "order"'),
        ("SELECT * WHERE 1x = 1", "malformed number"),
        ("SELECT * WHERE 99999999999999999999 > 1", "too large"),
        ("SELECT * UNION SELECT *", "parentheses"),
        ("SELECT * WHERE x[1:2:3:4]", "at most three parts"),
        ("SELECT count(x)", "only tensor names"),
        ('SELECT * WHERE "" = 1', "empty quoted name"),
    ],
)
def test_error_messages(query, fragment):
    with pytest.raises(TQLSyntaxError, match=None) as info:
        parse(query)
    assert fragment in str(info.value)


def test_deep_nesting_is_a_syntax_error_not_recursion_error():
    for query in (
        "SELECT * WHERE " + "(" * 5000 + "a" + ")" * 5000,
        "SELECT * WHERE " + "-" * 5000 + "a",
        "SELECT * WHERE " + "NOT " * 5000 + "a",
        "SELECT * WHERE " + "f(" * 5000 + ")" * 5000,
        "SELECT * WHERE x" + "[0]" * 5000,
        "SELECT * WHERE " + " + ".join(["a"] * 5000),
        "SELECT * WHERE " + "[" * 5000,
        "(" * 5000 + "SELECT *" + ")" * 5000,
    ):
        with pytest.raises(TQLSyntaxError, match="too deeply"):
            parse(query)


def test_long_flat_chains_are_fine():
    parse("SELECT * WHERE " + " OR ".join(f"labels == {i}" for i in range(3000)))
    parse("SELECT * WHERE labels IN [" + ", ".join(str(i) for i in range(5000)) + "]")
    parse("SELECT * WHERE " + "(" * (MAX_NESTING - 5) + "a" + ")" * (MAX_NESTING - 5))


def test_non_string_query_is_a_type_error():
    with pytest.raises(TypeError):
        parse(b"SELECT *")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- fuzzing

_PIECES = [
    "SELECT",
    "*",
    "FROM",
    "WHERE",
    "ORDER",
    "BY",
    "LIMIT",
    "OFFSET",
    "ASC",
    "DESC",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "IS",
    "NULL",
    "ARRAY",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "?",
    "=",
    "==",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "/",
    "%",
    "a",
    "b/c",
    "f",
    "'s'",
    "'unterminated",
    '"q"',
    "1",
    "2.5",
    ".5e",
    "1e",
    "@",
    "#",
    "\\",
    "\n",
    "true",
    "x[",
    "0:",
    "::",
]


@st.composite
def mutated(draw):
    base = draw(st.sampled_from(VALID))
    ops = draw(
        st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.sampled_from(_PIECES)),
            min_size=1,
            max_size=4,
        )
    )
    text = base
    for kind, where, piece in ops:
        pos = where % (len(text) + 1)
        if kind == 0:
            text = text[:pos] + piece + text[pos:]
        elif kind == 1:
            text = text[:pos] + text[pos + 1 + where % 5 :]
        elif kind == 2:
            text = text[:pos]
        else:
            text = text[:pos] + " " + piece + " " + text[pos:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        mutated(),
        st.lists(st.sampled_from(_PIECES), max_size=25).map(" ".join),
        st.text(max_size=60),
    )
)
@pytest.mark.timeout(120)
def test_malformed_queries_raise_syntax_errors_with_positions(text):
    try:
        parse(text)
    except TQLSyntaxError as err:
        assert err.line is not None and err.column is not None
        assert 1 <= err.line <= text.count("\n") + 1
        assert err.column >= 1
        return
    # accepted: it must print back to an equal tree
    assert parse(ast.to_tql(parse(text))) == parse(text)


def test_hundreds_of_generated_malformed_queries_are_rejected():
    rng = np.random.default_rng(7)
    rejected = 0
    for _ in range(600):
        base = VALID[rng.integers(len(VALID))]
        cut = int(rng.integers(len(base)))
        text = (
            base[:cut]
            + str(rng.choice(["((", "==", ",", "[", "'", "BETWEEN", "@", "?("]))
            + base[cut:]
        )
        try:
            parse(text)
        except TQLSyntaxError as err:
            assert err.column is not None
            rejected += 1
    assert rejected > 400
