"""Transform schedulers for deeplake-core: ``serial``, ``threaded``, ``processed``."""
