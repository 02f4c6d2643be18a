"""The library-wide random seed (``deeplake.random.seed(n)``, ``deeplake.random.get_seed()``).

It drives every random choice deeplake-core makes itself: dataloader shuffling,
``random_split``, ``sample_by`` and the query language's random functions. It does not
seed NumPy's, Python's or any other library's global state.

Code that needs randomness calls :meth:`DeeplakeRandom.rng` for a fresh
``numpy.random.Generator``. Once seeded, the generators handed out form a reproducible
sequence (the same program run twice makes the same choices); each is independent, so
it can be used from its own thread or process. ``seed(None)`` goes back to fresh
entropy for every generator.
"""

from __future__ import annotations

import operator
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


class DeeplakeRandom:
    """Process-wide seed holder; ``DeeplakeRandom()`` always returns the same object."""

    _instance: DeeplakeRandom | None = None
    _create_lock = threading.Lock()

    def __new__(cls) -> DeeplakeRandom:
        if cls._instance is None:
            with cls._create_lock:
                if cls._instance is None:
                    inst = super().__new__(cls)
                    inst._lock = threading.Lock()
                    inst._seed = None
                    inst._sequence = None
                    cls._instance = inst
        return cls._instance

    _lock: threading.Lock
    _seed: int | None
    _sequence: Any  # numpy.random.SeedSequence | None

    def seed(self, seed: int | None = None) -> None:
        """Seed deeplake-core's random operations; ``None`` removes the seed.

        ``TypeError`` for anything but an int or None; ``ValueError`` for a negative int.
        """
        if seed is not None:
            if isinstance(seed, bool):
                raise TypeError("the seed must be an int or None, not a bool")
            try:
                seed = operator.index(seed)
            except TypeError:
                raise TypeError(
                    f"the seed must be an int or None, got {type(seed).__name__}"
                ) from None
            if seed < 0:
                raise ValueError(f"the seed must be >= 0, got {seed}")
        with self._lock:
            self._seed = seed
            self._sequence = None

    def get_seed(self) -> int | None:
        """The current seed, or None if unseeded."""
        return self._seed

    def rng(self) -> np.random.Generator:
        """A new generator: the next of a reproducible sequence if seeded, else random."""
        import numpy as np

        with self._lock:
            if self._seed is None:
                return np.random.default_rng()
            if self._sequence is None:
                self._sequence = np.random.SeedSequence(self._seed)
            child = self._sequence.spawn(1)[0]
        return np.random.default_rng(child)

    def next_seed(self) -> int:
        """A 63-bit integer seed for code that takes an int (plugins, subprocesses)."""
        return int(self.rng().integers(0, 2**63 - 1))

    def __repr__(self) -> str:
        return f"DeeplakeRandom(seed={self._seed})"


#: The object exposed as ``deeplake.random``.
random = DeeplakeRandom()
