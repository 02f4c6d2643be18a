"""Every ```python block in README.md and docs/*.md runs.

The blocks of one file run in order in one fresh namespace (later blocks may use names
defined by earlier ones), in a temporary working directory. A block whose info string
is ``python no-run`` is shown but not executed (see docs/index.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = sorted(p for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")] if p.exists())

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_RUNNABLE_LANGS = {"python", "py"}


@dataclass(frozen=True)
class CodeBlock:
    path: Path
    line: int  # 1-based line of the first code line
    source: str
    run: bool


def extract_blocks(text: str, path: Path) -> list[CodeBlock]:
    """Python code blocks of a Markdown text, in order (other languages are ignored)."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        words = opening["info"].split()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if (
                closing
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        if words and words[0].lower() in _RUNNABLE_LANGS:
            run = "no-run" not in words[1:]
            blocks.append(CodeBlock(path, i + 2, "\n".join(body) + "\n", run))
        i = j + 1
    return blocks


def _files_with_code() -> list[Path]:
    return [
        p for p in DOC_FILES if any(b.run for b in extract_blocks(p.read_text(encoding="utf-8"), p))
    ]


def run_blocks(blocks: list[CodeBlock]) -> dict:
    """Execute the runnable blocks in order in one fresh namespace; return it."""
    namespace: dict = {"__name__": "__doc_example__"}
    for block in blocks:
        if not block.run:
            continue
        # Leading newlines make tracebacks point at the Markdown file's own line numbers.
        padded = "\n" * (block.line - 1) + block.source
        exec(compile(padded, str(block.path), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("path", _files_with_code(), ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_blocks(extract_blocks(path.read_text(encoding="utf-8"), path))


def test_extract_blocks_order_languages_and_no_run() -> None:
    text = "\n".join(
        [
            "# Title",
            "```python",
            "x = 1",
            "```",
            "```bash",
            "echo not python",
            "```",
            "```python no-run",
            "raise SystemExit('must not run')",
            "```",
            "- item",
            "  ````py",
            "  y = x + 1",
            '  s = """',
            "  ```",
            '  """  # a shorter fence inside does not close the block',
            "  ````",
            "~~~python",
            "z = y * 10",
            "~~~",
        ]
    )
    blocks = extract_blocks(text, Path("doc.md"))
    assert [b.run for b in blocks] == [True, False, True, True]
    assert blocks[0].line == 3
    assert blocks[2].source.splitlines()[0] == "y = x + 1"
    namespace = run_blocks(blocks)
    assert namespace["z"] == 20
    assert namespace["s"] == "\n```\n"


def test_failing_block_reports_markdown_line(tmp_path: Path) -> None:
    doc = tmp_path / "bad.md"
    doc.write_text("intro\n\n```python\nok = 1\nraise ValueError('boom')\n```\n")
    with pytest.raises(ValueError, match="boom") as info:
        run_blocks(extract_blocks(doc.read_text(), doc))
    last = info.traceback[-1]
    assert Path(str(last.path)) == doc
    assert last.lineno + 1 == 5  # pytest's traceback lines are 0-based


def test_plugin_guide_covers_every_spec_field_and_hook() -> None:
    """docs/plugins.md documents every spec kind, field and hook the kernel defines."""
    from deeplake_core.plugins.specs import SPEC_KINDS, PluginInfo

    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    missing = []
    for kind, model in SPEC_KINDS.items():
        if model.__name__ not in guide or kind.replace("_", " ") not in guide:
            missing.append(f"spec kind {kind} ({model.__name__})")
        missing += [
            f"{model.__name__}.{field}" for field in model.model_fields if f"`{field}`" not in guide
        ]
    missing += [f"PluginInfo.{f}" for f in PluginInfo.model_fields if f"{f}=" not in guide]
    try:
        from deeplake_core.plugins.hookspecs import EVENT_HOOKS, REGISTRY_HOOKS
    except ImportError:
        hooks: list[str] = []
    else:
        hooks = [*REGISTRY_HOOKS.values(), *EVENT_HOOKS]
    missing += [f"hook {h}" for h in hooks if f"`{h}" not in guide]
    assert not missing, f"docs/plugins.md does not mention: {missing}"
