"""The ``deeplake-core`` command (also ``python -m deeplake_core``).

Subcommands live in their own modules, listed in :data:`COMMANDS`; each module's
``add_parser(subparsers, name)`` adds its parser and sets ``func`` (``args -> int``)
as a default. To add a command, add one entry here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand name -> ``"module:function"`` adding its parser.
COMMANDS: dict[str, str] = {
    "plugins": "deeplake_core.plugins.cli:add_parser",
    "gc": "deeplake_core.core.vc.gc:add_parser",
}


def build_parser() -> argparse.ArgumentParser:
    from deeplake_core import __version__

    parser = argparse.ArgumentParser(
        prog="deeplake-core",
        description="deeplake-core: a database for AI data, extended by plugins.",
    )
    parser.add_argument("--version", action="version", version=f"deeplake-core {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name, target in COMMANDS.items():
        module_name, _, attr = target.partition(":")
        getattr(importlib.import_module(module_name), attr)(subparsers, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from deeplake_core.exceptions import DeepLakeCoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except DeepLakeCoreError as exc:
        print(f"deeplake-core: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
