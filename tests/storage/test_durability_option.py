"""The ``durability=`` choice through the dataset API and ``StorageProvider.from_url``."""

from __future__ import annotations

import pytest

import deeplake_core as deeplake
from deeplake_core.storage import get_base_storage, open_storage
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider


def _base(ds):
    return get_base_storage(ds._state.storage)


@pytest.mark.parametrize("mode", ["flush", "always", "never"])
def test_empty_load_and_dataset_forward_durability(tmp_path, mode, monkeypatch) -> None:
    monkeypatch.delenv("DEEPLAKE_CORE_DURABILITY", raising=False)
    ds = deeplake.empty(str(tmp_path / "a"), durability=mode)
    assert isinstance(_base(ds), LocalProvider) and _base(ds).durability == mode
    ds.create_tensor("x", dtype="int32")
    ds.x.extend([1, 2, 3])
    ds.flush()
    del ds
    again = deeplake.load(str(tmp_path / "a"), durability=mode, read_only=True)
    assert _base(again).durability == mode and again.x.numpy().ravel().tolist() == [1, 2, 3]
    created = deeplake.dataset(str(tmp_path / "b"), durability=mode)
    assert _base(created).durability == mode


def test_default_comes_from_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DEEPLAKE_CORE_DURABILITY", "never")
    assert _base(deeplake.empty(str(tmp_path / "a"))).durability == "never"
    assert _base(deeplake.empty(str(tmp_path / "b"), durability="always")).durability == "always"
    monkeypatch.delenv("DEEPLAKE_CORE_DURABILITY")
    assert _base(deeplake.empty(str(tmp_path / "c"))).durability == "flush"


def test_unknown_durability_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="durability must be one of"):
        deeplake.empty(str(tmp_path / "a"), durability="sometimes")
    with pytest.raises(ValueError, match="durability must be one of"):
        deeplake.empty("mem://durability-bad", durability="sometimes")
    assert not (tmp_path / "a").exists()  # refused before anything is written


def test_stores_without_the_option_ignore_it() -> None:
    ds = deeplake.empty("mem://durability-ignored", durability="always", overwrite=True)
    assert isinstance(_base(ds), MemoryProvider)
    assert isinstance(open_storage("mem://durability-x", durability="never"), MemoryProvider)
