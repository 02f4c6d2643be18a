"""Version control: commits, branches, merge, diff, tags, saved views, garbage collection.

Submodules are imported lazily by the callers; this package imports nothing heavy.
"""
