"""Generated broken queries run through ``ds.query`` end to end: each either runs or
raises a ``TQLError`` (syntax errors with a line and column), quickly; never another
exception, a crash or a hang."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.exceptions import TQLError, TQLSyntaxError

VALID = [
    "select * where labels == 'cat'",
    "select * where labels in ARRAY[0, 2] and score between 0.1 and 0.5",
    "select * where contains(caption, 'do') or info_j['k'] > 1",
    "select * where ALL(embedding > 0) order by score desc limit 3 offset 1",
    "select * order by cosine_similarity(embedding, ARRAY[1, 0, 0, 1]) desc limit 2",
    "select * order by l2_norm(embedding, ARRAY[0.5, 0.5, 0.5, 0.5]) limit 4",
    "(select * where score > 0.5) union (select * where labels = 'dog') order by score",
    "(select * where shape(embedding)[0] == 4) except (select * where caption == '')",
    "select * where embedding[1:3][0] < 0 and NOT info_j['s'] == 'x'",
    "select * where max_weight(labels == 0: 2, score > 0.5: 1) > 1",
]
PIECES = [
    "select", "*", "where", "order by", "limit", "offset", "and", "or", "not", "between",
    "in", "ARRAY", "union", "(", ")", "[", "]", ",", ":", "?", "==", "<", "+", "/", "'x'",
    "'open", "1", "-2.5", "1e", "labels", "embedding", "nope", "cosine_similarity(",
    "contains(", "shape(", "unknown_fn(", "info_j['k']", "@", "\n", "ARRAY[1, 2]",
]  # fmt: skip


@pytest.fixture(scope="module")
def ds():
    rng = np.random.default_rng(0)
    ds = deeplake.dataset("mem://malformed-queries", overwrite=True)
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=["cat", "dog"])
        ds.create_tensor("score", dtype="float32")
        ds.create_tensor("embedding", dtype="float32")
        ds.create_tensor("caption", htype="text")
        ds.create_tensor("info_j", htype="json")
        ds.labels.extend(rng.integers(0, 2, 30).astype(np.uint32))
        ds.score.extend(rng.random(30).astype(np.float32))
        ds.embedding.extend(rng.standard_normal((30, 4)).astype(np.float32))
        ds.caption.extend([str(rng.choice(["dog", "cat", "", "do"])) for _ in range(30)])
        ds.info_j.extend([{"k": int(i % 3), "s": "x" if i % 2 else "y"} for i in range(30)])
    return ds


@st.composite
def broken(draw):
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.integers(0, 2))
        if kind == 0:
            text = text[:pos] + " " + draw(st.sampled_from(PIECES)) + " " + text[pos:]
        elif kind == 1:
            text = text[:pos] + text[pos + draw(st.integers(1, 6)) :]
        else:
            text = text[:pos]
    return text


def run(ds, text: str) -> None:
    start = time.perf_counter()
    try:
        ds.query(text)
    except TQLSyntaxError as err:
        assert err.line is not None and err.column is not None, text
        assert err.expected or "expected" in str(err).lower() or err.reason, text
    except TQLError as err:
        assert err.reason, text
    assert time.perf_counter() - start < 5, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(broken(), st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join)))
def test_broken_queries_give_tql_errors(ds, text):
    run(ds, text)


def test_hundreds_of_broken_queries_mostly_fail_with_positions(ds):
    rng = np.random.default_rng(3)
    positioned = failed = 0
    for _ in range(300):
        text = VALID[rng.integers(len(VALID))]
        cut = int(rng.integers(len(text)))
        text = (
            text[:cut] + str(rng.choice(["((", "==", ",", "[", "'", "between", "@"])) + text[cut:]
        )
        try:
            ds.query(text)
        except TQLError as err:
            failed += 1
            positioned += err.column is not None
    assert failed > 250
    assert positioned == failed
