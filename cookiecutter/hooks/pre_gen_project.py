"""Validate the answers before anything is generated.

Cookiecutter renders this file with the answers, then runs it; a non-zero exit stops
the bake with the message printed here. Tests import it (the placeholders then stay
literal strings) and call :func:`problems` directly.
"""

from __future__ import annotations

import keyword
import re
import sys

#: Lowercase identifier without leading, trailing or doubled underscores.
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: Normalised distribution name (PEP 503): lowercase words joined by single dashes.
DIST_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")
KINDS = ("htype", "codec", "storage_provider", "query_function")
MAX_NAME = 32

#: Names the kernel itself uses: its built-in plugin, specs and URL schemes, and the
#: htype wrappers. A plugin named like one of them would read as a kernel feature.
KERNEL_NAMES = frozenset(
    {
        "builtin",
        "generic",
        "text",
        "json",
        "list",
        "lz4",
        "runs64",
        "memory",
        "mem",
        "local",
        "file",
        "sequence",
        "link",
        "tiled",
        "link_tiled",
    }
)
#: Names of first-party plugins and of the media kinds they provide.
FIRST_PARTY_NAMES = frozenset(
    {
        "fsspec",
        "htypes_basic",
        "image",
        "audio",
        "video",
        "dicom",
        "nifti",
        "point_cloud",
        "mesh",
        "query_functions",
        "schedulers",
        "ray",
    }
)
RESERVED = KERNEL_NAMES | FIRST_PARTY_NAMES


def _text_problem(label: str, value: str) -> str | None:
    if any(c in value for c in '"\\') or any(ord(c) < 32 for c in value):
        return f"{label} {value!r} may not contain quotes, backslashes or control characters"
    return None


def problems(answers: dict[str, str]) -> list[str]:
    """Every problem with ``answers`` (empty when they are acceptable)."""
    found: list[str] = []
    for key in ("org_prefix", "plugin_name"):
        value = answers[key]
        if not NAME_RE.fullmatch(value) or len(value) > MAX_NAME:
            found.append(
                f"{key} {value!r} must be lowercase letters, digits and single underscores, "
                f"start with a letter and be at most {MAX_NAME} characters (e.g. 'acme')"
            )
        elif value.startswith("deeplake"):
            found.append(
                f"{key} {value!r} may not start with 'deeplake' (reserved for the project)"
            )
        elif value in RESERVED:
            found.append(f"{key} {value!r} is a name deeplake-core or its plugins already use")
    dist, module = answers["dist_name"], answers["module_name"]
    if not DIST_RE.fullmatch(dist):
        found.append(f"dist_name {dist!r} must be lowercase words joined by '-' (e.g. 'acme-scan')")
    elif dist.startswith("deeplake"):
        found.append(f"dist_name {dist!r} may not start with 'deeplake' (reserved for the project)")
    if not NAME_RE.fullmatch(module) or keyword.iskeyword(module):
        found.append(
            f"module_name {module!r} must be a lowercase Python identifier (e.g. 'acme_scan')"
        )
    elif module.startswith("deeplake"):
        found.append(f"module_name {module!r} may not start with 'deeplake'")
    elif module in sys.stdlib_module_names or module in RESERVED:
        found.append(f"module_name {module!r} would shadow an existing module or plugin name")
    if answers["kind"] not in KINDS:
        found.append(f"kind {answers['kind']!r} must be one of {', '.join(KINDS)}")
    for key in ("deeplake_core_min_version", "version"):
        if not VERSION_RE.fullmatch(answers[key]):
            found.append(f"{key} {answers[key]!r} must look like '0.1' or '1.2.3'")
    for key in ("description", "author_name", "author_email"):
        problem = _text_problem(key, answers[key])
        if problem:
            found.append(problem)
    return found


ANSWERS = {
    "org_prefix": "{{ cookiecutter.org_prefix }}",
    "plugin_name": "{{ cookiecutter.plugin_name }}",
    "dist_name": "{{ cookiecutter.dist_name }}",
    "module_name": "{{ cookiecutter.module_name }}",
    "kind": "{{ cookiecutter.kind }}",
    "version": "{{ cookiecutter.version }}",
    "deeplake_core_min_version": "{{ cookiecutter.deeplake_core_min_version }}",
    "description": r"""{{ cookiecutter.description }}""",
    "author_name": r"""{{ cookiecutter.author_name }}""",
    "author_email": r"""{{ cookiecutter.author_email }}""",
}


def main() -> int:
    found = problems(ANSWERS)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
