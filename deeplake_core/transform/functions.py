"""``@deeplake.compute``, ``deeplake.compose`` and the objects they build.

A function decorated with :func:`compute` takes ``(sample_in, samples_out, *args,
**kwargs)``. Calling the decorated function with the extra arguments binds them and
returns a :class:`ComputeFunction`; :func:`compose` chains several into a
:class:`Pipeline`. Both have ``eval`` (see :mod:`deeplake_core.transform.evaluate`).
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from deeplake_core.exceptions import HubComposeEmptyListError, HubComposeIncompatibleFunction


class _Evaluable(ABC):
    """Shared ``eval`` of :class:`ComputeFunction` and :class:`Pipeline`."""

    #: What the last ``eval`` did (samples written, skipped samples); see
    #: :class:`~deeplake_core.transform.evaluate.TransformReport`.
    last_report: Any = None

    @property
    @abstractmethod
    def functions(self) -> list[ComputeFunction]:
        """The compute functions run, in order."""

    def eval(
        self,
        data_in: Any,
        ds_out: Any = None,
        num_workers: int = 0,
        scheduler: str = "threaded",
        progressbar: bool = True,
        skip_ok: bool = False,
        check_lengths: bool = True,
        pad_data_in: bool = False,
        read_only_ok: bool = False,
        cache_size: int = 16,
        checkpoint_interval: int = 0,
        ignore_errors: bool = False,
        verbose: bool = True,
        **kwargs: Any,
    ) -> None:
        """Run the transform on every sample of ``data_in``, appending the outputs to
        ``ds_out`` in input order.

        ``data_in`` is anything with ``__len__`` and ``__getitem__`` (a list, an array,
        a dataset or view). ``ds_out`` is a dataset or group whose tensors include every
        tensor the transform writes, either all empty or all of one length; when it is
        ``None`` the transform rewrites ``data_in`` (a dataset) in place.
        ``num_workers=0`` runs in the caller; otherwise ``scheduler`` names a scheduler
        plugin (``serial``, ``threaded``, ``processed``, ``ray``). With
        ``checkpoint_interval=N`` progress is committed every ``N`` input samples, and
        running the same ``eval`` again after a failure resumes from there.
        ``ignore_errors=True`` skips input samples whose transform fails and reports
        them (``self.last_report``). ``cache_size`` is accepted for compatibility:
        workers read through the input dataset's own cache. Errors:
        ``InvalidInputDataError``, ``InvalidOutputDatasetError``,
        ``TensorMismatchError``, ``InvalidTransformDataset``,
        ``UnsupportedSchedulerError``, ``TransformError`` (with ``index``, the failing
        input sample) and ``ValueError`` for a bad ``checkpoint_interval``.
        """
        from deeplake_core.transform.evaluate import run_eval

        self.last_report = run_eval(
            self.functions,
            data_in,
            ds_out,
            num_workers=num_workers,
            scheduler=scheduler,
            progressbar=progressbar,
            skip_ok=skip_ok,
            check_lengths=check_lengths,
            pad_data_in=pad_data_in,
            read_only_ok=read_only_ok,
            cache_size=cache_size,
            checkpoint_interval=checkpoint_interval,
            ignore_errors=ignore_errors,
            verbose=verbose,
            **kwargs,
        )


class ComputeFunction(_Evaluable):
    """A compute function with its extra arguments bound."""

    def __init__(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.func = func
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.name = name or getattr(func, "__qualname__", None) or repr(func)

    @property
    def functions(self) -> list[ComputeFunction]:
        return [self]

    def __call__(self, sample_in: Any, samples_out: Any) -> Any:
        return self.func(sample_in, samples_out, *self.args, **self.kwargs)

    @property
    def identity(self) -> str:
        """Name and bytecode digest of the wrapped function: the same for the same
        function in every process, whether it was imported as a module or run as
        ``__main__`` (used to recognise a transform when resuming it)."""
        import hashlib

        code = getattr(self.func, "__code__", None)
        digest = hashlib.sha256(code.co_code).hexdigest()[:16] if code is not None else ""
        return f"{self.name}:{digest}"

    def __repr__(self) -> str:
        return f"ComputeFunction({self.name})"


class Pipeline(_Evaluable):
    """Compute functions run one after the other: each row a function writes is one
    ``sample_in`` of the next; the last function's rows go to the output dataset."""

    def __init__(self, functions: Sequence[ComputeFunction]) -> None:
        self._functions = list(functions)

    @property
    def functions(self) -> list[ComputeFunction]:
        return list(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"Pipeline([{', '.join(f.name for f in self._functions)}])"


def compute(fn: Callable[..., Any], name: str | None = None) -> Callable[..., ComputeFunction]:
    """Decorator making ``fn(sample_in, samples_out, *args, **kwargs)`` a compute
    function: ``fn(*args, **kwargs)`` then returns a :class:`ComputeFunction` with
    ``eval``. Anything ``fn`` returns is ignored; outputs go to ``samples_out``."""
    if not callable(fn):
        raise TypeError("deeplake.compute decorates a function")
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        params = None
    if params is not None:
        positional = [
            p
            for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        ]
        if len(positional) < 2 and not any(p.kind == p.VAR_POSITIONAL for p in positional):
            raise TypeError(
                f"a compute function takes (sample_in, samples_out, ...); "
                f"{getattr(fn, '__name__', fn)!r} takes fewer than two positional arguments"
            )

    @functools.wraps(fn)
    def bind(*args: Any, **kwargs: Any) -> ComputeFunction:
        return ComputeFunction(fn, args, kwargs, name)

    bind.__wrapped_compute__ = fn  # type: ignore[attr-defined]
    # ``my_fn.eval(...)`` for a function without extra arguments.
    bind.eval = lambda *a, **k: ComputeFunction(fn, (), {}, name).eval(*a, **k)  # type: ignore[attr-defined]
    return bind


def compose(functions: Sequence[ComputeFunction]) -> Pipeline:
    """Chain compute functions (called with their extra arguments) into a
    :class:`Pipeline`."""
    functions = list(functions)
    if not functions:
        raise HubComposeEmptyListError()
    flat: list[ComputeFunction] = []
    for i, f in enumerate(functions):
        if isinstance(f, Pipeline):
            flat.extend(f.functions)
        elif isinstance(f, ComputeFunction):
            flat.append(f)
        else:
            raise HubComposeIncompatibleFunction(i)
    return Pipeline(flat)
