"""The demo: ``python -m deeplake_core.demo [PATH]`` (``python3 scripts/dev.py demo``).

It exercises the kernel end to end with what is installed and writes under ``PATH``
(default ``./demo_data``):

1. lists the installed plugins and what each provides (plugin discovery + registry);
2. creates a dataset on local disk with tensors of several htypes (a generic array
   tensor with lz4 chunk compression, class labels, bounding boxes, embeddings, text
   and JSON), writes 32 rows, reopens it read-only, checks every sample against what
   was written and prints a summary and a view.

Needs the first-party ``htypes/basic`` plugin (installed by ``scripts/dev.py setup``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

#: Dataset folder under the demo path (replaced at each run).
DATASET_NAME = "demo_dataset"


def show_plugins() -> None:
    """Print every plugin found, its status and what it provides."""
    from deeplake_core.plugins import get_registry, list_plugins

    records = list_plugins(load=True)
    print(f"Plugins ({len(records)}):")
    for rec in records:
        origin = "built-in" if rec.builtin else f"{rec.distribution} {rec.version or ''}".strip()
        print(f"  {rec.name:<16} {rec.status:<11} {origin}")
        if rec.reason:
            print(f"      reason: {rec.reason}")
        for kind, names in sorted(rec.provides.items()):
            print(f"      {kind:<18} {', '.join(sorted(names))}")

    reg = get_registry()
    schemes = ", ".join(
        f"{s or '<path>'}->{p}" for s, p in sorted(reg.storage_providers.schemes().items())
    )
    print(f"Registry: {len(reg.htypes)} htypes, {len(reg.codecs)} codecs; storage {schemes}")


CLASS_NAMES = ["cat", "dog", "bird"]


def sample_rows(n: int = 32) -> dict[str, list[Any]]:
    """Synthetic columns: images, class labels, boxes, embeddings, captions, JSON."""
    import numpy as np

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:48, 0:64]
    base = (x // 8) * 24 + (y // 8) * 40  # 8x8 blocks, like a coarse segmentation map
    labels = rng.integers(0, len(CLASS_NAMES), size=n)
    return {
        "images": [
            (np.dstack([base, base[::-1], base + 8 * i]) % 256).astype(np.uint8) for i in range(n)
        ],
        "labels": [int(v) for v in labels],
        # A varying number of boxes per image: tensors hold ragged samples.
        "boxes": [rng.uniform(0, 48, size=(1 + i % 3, 4)).astype(np.float32) for i in range(n)],
        "embeddings": [rng.standard_normal(16).astype(np.float32) for _ in range(n)],
        "captions": [f"a {CLASS_NAMES[v]} in picture {i}" for i, v in enumerate(labels)],
        "attributes": [{"id": i, "split": "train" if i % 4 else "val"} for i in range(n)],
    }


def build_dataset(root: str, rows: dict[str, list[Any]]) -> None:
    """Create a dataset with several htypes at ``root`` (replacing any) and fill it."""
    import deeplake_core as deeplake

    ds = deeplake.empty(root, overwrite=True)
    ds.create_tensor("images", htype="generic", dtype="uint8", chunk_compression="lz4")
    ds.create_tensor("labels", htype="class_label", class_names=CLASS_NAMES)
    ds.create_tensor("boxes", htype="bbox")
    ds.create_tensor("embeddings", htype="embedding")
    ds.create_tensor("captions", htype="text")
    ds.create_tensor("attributes", htype="json")
    ds.extend(rows)
    ds.flush()


def check_dataset(root: str, rows: dict[str, list[Any]]) -> Any:
    """Reopen the dataset read-only and compare every sample with what was written."""
    import numpy as np

    import deeplake_core as deeplake

    ds = deeplake.load(root, read_only=True)
    if len(ds) != len(rows["images"]) or set(ds.tensors) != set(rows):
        raise SystemExit(f"demo failed: read back {len(ds)} rows of {sorted(ds.tensors)}")
    for name in ("images", "boxes", "embeddings"):
        for i, expected in enumerate(rows[name]):
            if not np.array_equal(ds[name][i].numpy(), expected):
                raise SystemExit(f"demo failed: {name}[{i}] differs from what was written")
    if ds.labels.numpy().ravel().tolist() != rows["labels"]:
        raise SystemExit("demo failed: labels differ from what was written")
    for i, (caption, attrs) in enumerate(zip(rows["captions"], rows["attributes"], strict=True)):
        if ds.captions[i].text() != caption or ds.attributes[i].dict() != attrs:
            raise SystemExit(f"demo failed: text/json row {i} differs from what was written")
    return ds


def dataset_roundtrip(path: Path) -> None:
    """Write a dataset on local disk, read it back, check it, print a summary."""
    root = str(path / DATASET_NAME)
    rows = sample_rows()
    started = time.perf_counter()
    build_dataset(root, rows)
    written = time.perf_counter() - started
    started = time.perf_counter()
    ds = check_dataset(root, rows)
    read = time.perf_counter() - started

    raw = sum(a.nbytes for column in ("images", "boxes", "embeddings") for a in rows[column])
    on_disk = sum(f.stat().st_size for f in Path(root).rglob("*") if f.is_file())
    print(
        f"Wrote {len(ds)} rows x {len(ds.tensors)} tensors to {root} in {written:.2f}s "
        f"({raw} B of array data, {on_disk} B on disk in total);\n"
        f"read it back read-only and checked every sample in {read:.2f}s: identical.\n"
    )
    ds.summary()
    view = ds[4:8]
    names = [CLASS_NAMES[v] for v in view.labels.numpy().ravel()]
    counts = [len(b) for b in view.boxes.numpy(aslist=True)]
    print(f"\nView ds[4:8]: labels {names}, boxes per image {counts}")
    print(f"First caption: {ds.captions[0].text()!r}; attributes: {ds.attributes[0].dict()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deeplake_core.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "path", nargs="?", default="./demo_data", help="folder to write to (default ./demo_data)"
    )
    args = parser.parse_args(argv)

    import deeplake_core

    path = Path(args.path).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    print(
        f"deeplake-core {deeplake_core.__version__}, Python {sys.version.split()[0]}, data in {path}\n"
    )
    show_plugins()
    print()
    dataset_roundtrip(path)
    print("\nDemo finished.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
