"""``HtypeConformance``: the test suite every htype plugin subclasses.

Usage in a plugin's tests (pytest collects the inherited ``test_*`` methods)::

    from deeplake_core.testing.htype import HtypeConformance

    class TestBBox(HtypeConformance):
        htype = "bbox"
        entry_module = "acme_htypes._plugin"        # checked to import nothing heavy
        creation_kwargs = {"coords": {"type": "pixel", "mode": "LTRB"}}
        valid_samples = [np.zeros((2, 4)), [[1, 2, 3, 4]], []]
        invalid_samples = [(np.zeros((2, 5)), TensorInvalidSampleShapeError)]
        invalid_creation_kwargs = [({"coords": {"mode": "XYZ"}}, TensorMetaInvalidHtypeOverwriteValue)]

        def sample_strategy(self):                  # optional: hypothesis round trips
            return hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2))

The htype is looked up in the plugin registry; to test a spec that is not installed,
override :meth:`HtypeConformance.registry` and return
``overlay_registry(htypes=[my_spec])``.

What is checked: the spec's fields agree with each other; the behaviour loads; default
and customised configs build, serialise to JSON and rebuild; unknown arguments, both
compressions and unknown compressions are refused; every valid sample is accepted and
reads back to a value that writes again to the same stored data (also inside
``sequence[...]``); every invalid sample raises the given error and leaves ``info``
untouched; the entry module imports no heavy module.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest

from deeplake_core.exceptions import (
    DeepLakeCoreError,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaMutuallyExclusiveKeysError,
    UnsupportedCompressionError,
)
from deeplake_core.htype import (
    HtypeBehavior,
    TensorConfig,
    build_tensor_config,
    coerce_samples,
    logical_shape,
    present,
)
from deeplake_core.htype._registry import behavior_of

#: Modules an entry module must not import (decoders, frameworks, cloud SDKs).
HEAVY_MODULES = (
    "av",
    "cv2",
    "PIL",
    "pydicom",
    "nibabel",
    "laspy",
    "trimesh",
    "torch",
    "tensorflow",
    "jax",
    "pandas",
    "boto3",
    "google.cloud",
    "azure",
)


class _OverlayTable:
    def __init__(self, base: Any, specs: Iterable[Any]):
        self._base = base
        self._specs: dict[str, Any] = {}
        for spec in specs:
            for name in (spec.name, *getattr(spec, "aliases", ())):
                self._specs[name] = spec

    def get(self, name: str, **kwargs: Any) -> Any:
        if name in self._specs:
            return self._specs[name]
        return self._base.get(name, **kwargs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs or name in self._base

    def names(self) -> list[str]:
        return sorted(set(self._base.names()) | {s.name for s in self._specs.values()})


class OverlayRegistry:
    """The plugin registry plus extra specs (for specs that are not installed)."""

    def __init__(self, base: Any, htypes: Iterable[Any] = (), codecs: Iterable[Any] = ()):
        self.htypes = _OverlayTable(base.htypes, htypes)
        self.codecs = _OverlayTable(base.codecs, codecs)


def overlay_registry(htypes: Iterable[Any] = (), codecs: Iterable[Any] = ()) -> OverlayRegistry:
    """The current plugin registry with ``htypes``/``codecs`` specs added."""
    from deeplake_core.plugins import get_registry

    return OverlayRegistry(get_registry(), htypes, codecs)


def same_stored(a: Any, b: Any) -> bool:
    """Whether two coerced samples store the same data."""
    if a is None or b is None:
        return a is b
    if isinstance(a, list) or isinstance(b, list):
        return (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(same_stored(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a is b


def _entries(batch: Any) -> list:
    return list(batch) if isinstance(batch, np.ndarray) else batch


class HtypeConformance:
    """Base class of an htype's conformance tests; see the module doc."""

    #: Name (or alias) of the htype under test.
    htype: str = ""
    #: Entry module of the plugin, checked to stay light (None: skipped).
    entry_module: str | None = None
    #: Creation arguments for the customised config (values must be accepted).
    creation_kwargs: dict[str, Any] = {}
    #: ``(kwargs, error class)`` pairs that ``build_tensor_config`` must refuse.
    invalid_creation_kwargs: list[tuple[dict[str, Any], type[Exception]]] = []
    #: Samples the htype accepts (one per entry; each is appended on its own).
    valid_samples: list[Any] = []
    #: ``(sample, error class)`` pairs the htype refuses.
    invalid_samples: list[tuple[Any, type[Exception]]] = []
    #: Modules the entry module must not import.
    heavy_modules: tuple[str, ...] = HEAVY_MODULES
    #: Key of ``data()`` holding the ``numpy()`` value (video documents ``"frames"``).
    data_value_key: str = "value"

    # -------------------------------------------------------------- hooks
    def registry(self) -> Any:
        """The registry to test against (default: the installed plugins)."""
        from deeplake_core.plugins import get_registry

        return get_registry()

    def sample_strategy(self) -> Any:
        """A hypothesis strategy of valid samples, or None to skip the property test."""
        return None

    # -------------------------------------------------------------- helpers
    def spec(self) -> Any:
        return self.registry().htypes.get(self.htype)

    def config(self, htype: str | None = None, **kwargs: Any) -> TensorConfig:
        return build_tensor_config(htype or self.htype, registry=self.registry(), **kwargs)

    def _round_trip(self, cfg: TensorConfig, sample: Any) -> None:
        reg = self.registry()
        info = copy.deepcopy(cfg.info)
        stored = _entries(coerce_samples(cfg, [sample], info, registry=reg))
        assert len(stored) == 1
        value = present(cfg, stored, info, "numpy", single=True, registry=reg)
        again = _entries(coerce_samples(cfg, [value], info, registry=reg))
        assert same_stored(stored[0], again[0]), (
            f"{sample!r} read back as {value!r}, which stores differently"
        )
        data = present(cfg, stored, info, "data", single=True, registry=reg)
        assert isinstance(data, dict) and self.data_value_key in data
        if not cfg.is_sequence and isinstance(stored[0], np.ndarray):
            shape = logical_shape(cfg, stored[0], registry=reg)
            assert all(isinstance(d, int) and d >= 0 for d in shape)

    # -------------------------------------------------------------- spec
    def test_spec_is_registered(self) -> None:
        spec = self.spec()
        assert self.htype == spec.name or self.htype in spec.aliases

    def test_spec_fields_agree(self) -> None:
        spec = self.spec()
        allowed = spec.allowed_compressions
        for default in (spec.default_sample_compression, spec.default_chunk_compression):
            assert default is None or allowed is None or default in allowed
        if spec.default_chunk_compression is not None:
            assert spec.chunk_compression_allowed
        assert spec.sample_ndim is None or all(n >= 0 for n in spec.sample_ndim)
        assert spec.last_dim is None or all(n > 0 for n in spec.last_dim)
        if spec.sample_form != "array":
            assert spec.fixed_dtype is not None, "byte forms need a fixed dtype"
        json.dumps(spec.creation_args)  # creation defaults end up in info: JSON only

    def test_behavior_loads(self) -> None:
        assert isinstance(behavior_of(self.spec()), HtypeBehavior)

    # -------------------------------------------------------------- config
    def test_default_config(self) -> None:
        spec = self.spec()
        cfg = self.config()
        assert cfg.base_htype == spec.name
        assert set(spec.creation_args) <= set(cfg.info)
        assert cfg.dtype == (spec.fixed_dtype or spec.dtype)

    def test_config_round_trips_through_json(self) -> None:
        cfg = self.config(**self.creation_kwargs)
        data = json.loads(json.dumps(cfg.model_dump(mode="json")))
        assert TensorConfig.model_validate(data) == cfg
        for key, value in self.creation_kwargs.items():
            if key in self.spec().creation_args:
                assert key in cfg.info, f"creation argument {key!r} missing from info"
            else:
                assert getattr(cfg, key, None) is not None or value is None

    def test_unknown_argument_refused(self) -> None:
        with pytest.raises(TensorMetaInvalidHtypeOverwriteKey, match="not_an_argument"):
            self.config(not_an_argument=1)

    def test_invalid_creation_arguments_refused(self) -> None:
        for kwargs, error in self.invalid_creation_kwargs:
            with pytest.raises(error):
                self.config(**kwargs)

    def test_both_compressions_refused(self) -> None:
        with pytest.raises(TensorMetaMutuallyExclusiveKeysError):
            self.config(sample_compression="lz4", chunk_compression="lz4")

    def test_unknown_compression_refused(self) -> None:
        with pytest.raises(UnsupportedCompressionError, match="no_such_codec"):
            self.config(sample_compression="no_such_codec")

    # -------------------------------------------------------------- samples
    def test_valid_samples_round_trip(self) -> None:
        cfg = self.config(**self.creation_kwargs)
        for sample in self.valid_samples:
            self._round_trip(cfg, sample)

    def test_none_is_an_empty_sample(self) -> None:
        cfg = self.config(**self.creation_kwargs)
        assert _entries(coerce_samples(cfg, [None], {}, registry=self.registry())) == [None]

    def test_invalid_samples_refused_without_side_effects(self) -> None:
        cfg = self.config(**self.creation_kwargs)
        reg = self.registry()
        for sample, error in self.invalid_samples:
            info = copy.deepcopy(cfg.info)
            before = copy.deepcopy(info)
            with pytest.raises(error):
                coerce_samples(cfg, [sample], info, registry=reg)
            # after valid samples, a failing one must leave no trace either
            with pytest.raises(DeepLakeCoreError):
                coerce_samples(cfg, [*self.valid_samples, sample], info, registry=reg)
            assert info == before

    def test_sequence_of_valid_samples(self) -> None:
        if not self.spec().supports_sequence or not self.valid_samples:
            pytest.skip("htype does not support sequence[...]")
        reg = self.registry()
        cfg = self.config(f"sequence[{self.htype}]", **self.creation_kwargs)
        first = self.valid_samples[0]
        info = copy.deepcopy(cfg.info)
        out = coerce_samples(cfg, [[first, first], None], info, registry=reg)
        assert len(out) == 2 and out[1] is None and len(out[0]) == 2
        value = present(cfg, out[:1], info, "numpy", aslist=True, single=True, registry=reg)
        assert len(value) == 2

    def test_property_round_trip(self) -> None:
        strategy = self.sample_strategy()
        if strategy is None:
            pytest.skip("no sample_strategy")
        from hypothesis import HealthCheck, given, settings

        cfg = self.config(**self.creation_kwargs)

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def check(sample: Any) -> None:
            self._round_trip(cfg, sample)

        check()

    # -------------------------------------------------------------- packaging
    def test_entry_module_is_light(self) -> None:
        if self.entry_module is None:
            pytest.skip("no entry_module")
        code = (
            "import importlib, json, sys\n"
            f"importlib.import_module({self.entry_module!r})\n"
            f"heavy = {list(self.heavy_modules)!r}\n"
            "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
