"""The codec passes the kernel's codec conformance suite and works in a dataset."""

from __future__ import annotations

import deeplake_core as deeplake
import numpy as np
import pytest
from deeplake_core import plugins
from deeplake_core.exceptions import MissingPluginError, SampleDecompressionError
from deeplake_core.testing.codec import CodecConformance

from {{ cookiecutter.module_name }}._impl import {{ cookiecutter.__class_name }}Codec
from {{ cookiecutter.module_name }}._plugin import CODEC

DIST = "{{ cookiecutter.dist_name }}"
ENTRY_POINT = "{{ cookiecutter.__entry_point }}"


class Test{{ cookiecutter.__class_name }}Conformance(CodecConformance):
    """Every check of the kernel's suite, with the codec looked up by name."""

    codec_name = CODEC


def test_decompression_bomb_refused() -> None:
    codec = {{ cookiecutter.__class_name }}Codec()
    codec.max_decoded_bytes = 1000  # on this instance only
    packed = codec.compress(bytes(1001))
    with pytest.raises(SampleDecompressionError):
        codec.decompress(packed)
    assert codec.decompress(codec.compress(bytes(1000))) == bytes(1000)


@pytest.mark.parametrize("setting", ["sample_compression", "chunk_compression"])
def test_dataset_round_trip(tmp_path, setting) -> None:
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("vectors", dtype="int64", **{setting: CODEC})
    samples = [np.arange(n * 10, dtype=np.int64).reshape(n, 10) for n in (1, 5, 0, 30)]
    ds.vectors.extend(samples)
    ds.flush()

    again = deeplake.load(path)
    assert getattr(again.vectors.meta, setting) == CODEC
    for i, sample in enumerate(samples):
        np.testing.assert_array_equal(again.vectors[i].numpy(), sample)


def test_missing_plugin_names_the_distribution(tmp_path, plugin_registry) -> None:
    """With the plugin blocked (as if uninstalled), reading the compressed tensor names
    the package to install; the dataset's other tensors still read."""
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("vectors", sample_compression=CODEC)
    ds.vectors.append(np.arange(100))
    ds.create_tensor("labels")
    ds.labels.append(7)
    ds.flush()

    plugins.block(ENTRY_POINT)  # undone by the plugin_registry fixture
    again = deeplake.load(path)
    assert again.labels.numpy().ravel().tolist() == [7]
    with pytest.raises(MissingPluginError, match=DIST):
        again.vectors.numpy()
