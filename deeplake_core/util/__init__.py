"""Reference-API module paths (``deeplake.util.*``)."""
