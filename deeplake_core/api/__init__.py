"""Public API faces (Deep Lake 3 module functions, info, read/link helpers)."""
