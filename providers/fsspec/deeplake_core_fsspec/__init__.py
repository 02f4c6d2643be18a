"""deeplake-core storage provider over fsspec filesystems."""

__version__ = "0.1.0"
