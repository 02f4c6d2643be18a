"""Tables shared by the TQL tests."""

from __future__ import annotations

import numpy as np

from deeplake_core.tql import ArraySource, ColumnInfo

CLASS_NAMES = ("cat", "dog", "bird")


def make_table(n: int, seed: int = 0) -> dict:
    """A small table with every kind of column the engine handles."""
    rng = np.random.default_rng(seed)
    floats = np.array([-2.5, -1.0, 0.0, 0.5, 1.0, 3.0, np.nan])
    return {
        "a": rng.integers(-5, 6, n).astype(np.int32),
        "b": rng.choice(floats, n),
        "v": rng.integers(-2, 3, (n, 3)).astype(np.float32),
        "t": np.array(rng.choice(["cat", "dog", "", "ant", "Dog"], n), dtype=str),
        "lbl": rng.integers(0, 3, (n, 1)).astype(np.uint32),
        "j": [
            {"s": str(rng.choice(["x", "y", ""]))}
            if rng.random() < 0.25
            else {"k": int(rng.integers(-3, 4)), "s": str(rng.choice(["x", "y"]))}
            for _ in range(n)
        ],
        "r": [rng.integers(-1, 4, int(rng.integers(0, 4))) for _ in range(n)],
    }


def make_source(n: int, seed: int = 0) -> ArraySource:
    infos = {
        "lbl": ColumnInfo(
            htype="class_label",
            dtype="uint32",
            ndim=1,
            class_names=CLASS_NAMES,
            fixed_shape=(1,),
        )
    }
    return ArraySource(make_table(n, seed), infos)


# In-process query functions used by the plugin tests (named by import string).
def double_it(ctx, x):
    """Vectorised: twice each value."""
    return x * 2


def shout(text):
    """Per row: upper-cased text."""
    return None if text is None else str(text).upper() + "!"
