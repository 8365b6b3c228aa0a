"""The stages stay apart: data flows one way, record -> checks and composers -> document ->
renderers -> faces, and no module imports a stage it must not know about. Imports under
``if TYPE_CHECKING:`` are for type hints only and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "doctool"


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported when ``path`` runs (module level or inside functions), not for typing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("doctool")}


MODULES = {_module(p): _runtime_imports(p) for p in sorted(PACKAGE.rglob("*.py")) if "templates" not in p.parts}


def _imports(module: str, forbidden: str) -> bool:
    return any(name == forbidden or name.startswith(forbidden + ".") for name in MODULES[module])


def _in(package: str) -> list[str]:
    return [m for m in MODULES if m == package or m.startswith(package + ".")]


RENDERERS = [*_in("doctool.render"), *(f"doctool.accessible.{n}" for n in ("text", "braille", "audio", "html_copy", "large_print", "words"))]
RULES = [
    # (modules, what they must not import, why)
    (_in("doctool.compose"), "doctool.checks", "a composer builds the document; the checks judge the record"),
    (_in("doctool.compose"), "doctool.render", "a composer never lays anything out"),
    (_in("doctool.document"), "doctool.model", "the document model knows nothing of the record"),
    (_in("doctool.checks"), "doctool.compose", "the checks judge the record, not a composed document"),
    (_in("doctool.checks"), "doctool.render", "the checks never lay anything out"),
    (RENDERERS, "doctool.model", "a renderer reads the document, never the record"),
    (RENDERERS, "doctool.checks", "a renderer never judges"),
    (RENDERERS, "doctool.compose", "a renderer is given its document"),
    (["doctool.profiles", "doctool.profile_spec"], "doctool.checks", "profiles are validated against the rules in a separate step"),
    (["doctool.cli", *_in("doctool.batch"), *_in("doctool.service")], "doctool.checks", "a face goes through the pipeline"),
    (["doctool.cli", *_in("doctool.batch"), *_in("doctool.service")], "doctool.render", "a face goes through the pipeline"),
    (["doctool.cli", *_in("doctool.batch"), *_in("doctool.service")], "doctool.compose", "a face goes through the pipeline"),
]
CASES = [(m, forbidden, why) for modules, forbidden, why in RULES for m in modules]


@pytest.mark.parametrize(("module", "forbidden", "why"), CASES, ids=[f"{m} !-> {f}" for m, f, _ in CASES])
def test_no_stage_imports_one_it_must_not_know(module: str, forbidden: str, why: str) -> None:
    assert not _imports(module, forbidden), f"{module} imports {forbidden}: {why}"


def test_no_import_cycles() -> None:
    graph = {m: {t for t in MODULES if any(i == t or (i.startswith(t + ".") and i[len(t) + 1 :] not in MODULES) for i in deps) and t != m} for m, deps in MODULES.items()}
    # keep only the most specific module each import names
    graph = {m: {t for t in targets if not any(o != t and o.startswith(t + ".") and o in targets for o in targets)} for m, targets in graph.items()}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module)


def test_what_a_command_does_not_need_it_does_not_load() -> None:
    """Every doctool command starts by importing the CLI, and a Word batch or a batch of
    Typst letters forks its workers from that process. WeasyPrint (0.4 s to import), pypdf
    and the Notify client are loaded only by what uses them, so a Word letter and a Typst
    letter are made without them."""
    import subprocess
    import sys

    code = (
        "import sys\nimport doctool.cli\nfrom doctool.api import render_bytes\n"
        f"raw = open({str(REPO / 'samples' / 'letters' / '02-assessed.json')!r}, 'rb').read()\n"
        "render_bytes(raw, ['charging-letter'], ['docx', 'pdf'])\n"
        "print(sorted(m for m in ('weasyprint', 'pypdf', 'notifications_python_client') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "[]"
