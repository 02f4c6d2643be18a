from __future__ import annotations

import pytest
from tql_tables import make_source

from deeplake_core.tql import ArraySource


@pytest.fixture
def source() -> ArraySource:
    return make_source(200, seed=3)
