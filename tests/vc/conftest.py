import itertools

import pytest

_counter = itertools.count()


@pytest.fixture
def mem_path():
    """A fresh in-memory dataset path."""
    return f"mem://vc-test-{next(_counter)}"
