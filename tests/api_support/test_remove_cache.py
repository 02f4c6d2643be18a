import numpy as np

import deeplake_core as deeplake
from deeplake_core.storage import LRUCache
from deeplake_core.util.remove_cache import (
    create_read_copy_dataset,
    get_base_storage,
    get_dataset_with_zero_size_cache,
)


def test_zero_cache_and_read_copy(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("x", dtype="int32")
    ds.x.extend(np.arange(4, dtype="int32"))
    first = ds.commit("four")
    ds.x.append(4)
    ds.commit("five")

    plain = get_dataset_with_zero_size_cache(ds)
    assert plain.read_only and plain.x.numpy().ravel().tolist() == [0, 1, 2, 3, 4]

    old = create_read_copy_dataset(ds, commit_id=first)
    assert old.read_only and len(old.x) == 4
    assert len(ds.x) == 5  # the original handle is untouched


def test_get_base_storage_strips_caches():
    from deeplake_core.storage import MemoryProvider

    base = MemoryProvider()
    cached = LRUCache(MemoryProvider(), base, 1 << 20)
    assert get_base_storage(cached) is base
