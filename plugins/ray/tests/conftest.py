"""Registers the ``ray`` marker, so ``-m "not ray"`` works from any rootdir."""


def pytest_configure(config):
    config.addinivalue_line("markers", "ray: starts a local Ray cluster (needs ray installed)")
