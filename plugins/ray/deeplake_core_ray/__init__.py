"""The ``ray`` transform scheduler for deeplake-core."""
