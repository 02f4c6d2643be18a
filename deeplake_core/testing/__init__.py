"""Helpers for testing deeplake-core and its plugins (shipped for plugin authors).

* :mod:`deeplake_core.testing.plugins`: :func:`~deeplake_core.testing.plugins.fake_distribution`
  writes a real installed distribution (``.dist-info`` + modules) on ``sys.path`` so
  entry-point discovery sees it.
* :mod:`deeplake_core.testing.fixtures`: opt-in pytest fixtures; enable them with
  ``pytest_plugins = ["deeplake_core.testing.fixtures"]`` in a ``conftest.py``.

Nothing here is imported by ``import deeplake_core``.
"""
