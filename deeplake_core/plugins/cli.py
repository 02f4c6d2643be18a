"""``deeplake-core plugins``: list installed plugins.

Without ``--load`` only package metadata is read (no plugin is imported); ``--load``
imports them and shows what each provides.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from deeplake_core.plugins.records import PluginRecord


def add_parser(subparsers: Any, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help="list installed plugins",
        description="List deeplake-core plugins found in this environment.",
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="import the plugins and show what each provides, and any failure",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--all", action="store_true", help="include the kernel's built-in plugin")
    parser.add_argument(
        "--requirements",
        action="store_true",
        help="print 'distribution==version' lines for the plugin distributions",
    )
    parser.set_defaults(func=run)
    return parser


def _table(records: list[PluginRecord], load: bool) -> str:
    if not records:
        return "no plugins installed (use --all to include the kernel's built-in plugin)"
    header = ("NAME", "DISTRIBUTION", "VERSION", "ENTRY POINT", "STATUS")
    rows = [
        (
            r.name,
            r.distribution or "(in-process)",
            r.version or "-",
            r.entry_point or "-",
            r.status if r.reason is None else f"{r.status} ({r.reason})",
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:4])]
        return "  ".join([*cells, row[4]]).rstrip()

    lines = [line(header)]
    for record, row in zip(records, rows, strict=True):
        lines.append(line(row))
        if not load:
            continue
        for kind, names in record.provides.items():
            lines.append(f"    {kind}: {', '.join(names)}")
        if record.hooks:
            lines.append(f"    hooks: {', '.join(record.hooks)}")
        lines.extend(f"    problem: {p}" for p in record.problems)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from deeplake_core.plugins import list_plugins

    records = [r for r in list_plugins(load=args.load) if args.all or not r.builtin]
    if args.requirements:
        seen: dict[str, str] = {}
        for r in records:
            if r.distribution and r.version:
                seen.setdefault(r.distribution, r.version)
        for dist, version in seen.items():
            print(f"{dist}=={version}")
    elif args.json:
        print(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
    else:
        print(_table(records, args.load))
    failed = any(r.status in ("failed", "incompatible") for r in records)
    return 1 if args.load and failed else 0
