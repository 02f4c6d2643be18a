"""Where the code runs: a Jupyter kernel, Google Colab, or neither."""

from __future__ import annotations

import sys


def _shell_name() -> str | None:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too old or half-imported
        return None
    return type(shell).__name__ if shell is not None else None


def is_colab() -> bool:
    """Whether this is a Google Colab notebook."""
    return "google.colab" in sys.modules


def is_jupyter() -> bool:
    """Whether this is a Jupyter (ZMQ) kernel: notebook, lab or Colab."""
    return _shell_name() == "ZMQInteractiveShell" or is_colab()


def is_notebook() -> bool:
    """Whether this runs in a notebook (Jupyter or Colab) rather than a script or
    terminal IPython."""
    return is_jupyter()
