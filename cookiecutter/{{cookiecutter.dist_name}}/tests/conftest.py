# Opt in to deeplake-core's pytest fixtures (plugin_registry, registered,
# fake_distribution); they are not loaded into every pytest run automatically.
pytest_plugins = ["deeplake_core.testing.fixtures"]
