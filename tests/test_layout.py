"""The project's shape, kept: harvest knows no suite, one way down from terrain to the site, one
place that edits sys.path, modules and functions a reader can hold in mind."""

import ast
import itertools
import re

import pytest

from tests.conftest import ROOT

HARNESS = [ROOT / "harvest", ROOT / "stack", ROOT / "features", ROOT / "terrain.py", ROOT / "lifetime"]
MAX_MODULE, MAX_FUNCTION = 350, 50


def python_files(*roots):
    for root in roots:
        yield from [root] if root.is_file() else sorted(root.rglob("*.py"))


def imports(path):
    """The modules a file imports (absolute names), at any depth of it."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_harvest_imports_nothing_of_the_suite_or_the_site():
    suite = re.compile(r"^(terrain|support|stack|features|publication|blog|pagecache|accounts|operations)\b")
    found = [
        (p.name, name) for p in python_files(ROOT / "harvest") for name in imports(p) if suite.match(name)
    ]
    assert found == []


@pytest.mark.parametrize("path", list(python_files(*HARNESS)), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_are_short(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno >= MAX_FUNCTION
    ]
    assert long == []


def site_modules():
    sut = ROOT / "sut"
    return {
        ".".join(p.relative_to(sut).with_suffix("").parts).removesuffix(".__init__"): p
        for p in sut.rglob("*.py")
        if "migrations" not in p.parts
    }


def test_the_site_imports_nothing_of_the_harness():
    harness = re.compile(r"^(stack|terrain|support|harvest|features)\b")
    found = [(name, i) for name, p in site_modules().items() for i in imports(p) if harness.match(i)]
    assert found == []


def test_no_two_modules_of_the_site_import_each_other():
    modules = site_modules()
    edges = {name: {i for i in imports(path) if i in modules and i != name} for name, path in modules.items()}
    cycles = [(a, b) for a, b in itertools.combinations(modules, 2) if b in edges[a] and a in edges[b]]
    assert cycles == []


def test_only_stack_paths_edits_sys_path():
    folders = ["harvest", "stack", "features", "terrain.py", "lifetime", "tests", "bench", "sut", "mutants"]
    everything = python_files(*(ROOT / folder for folder in folders))
    editing = re.compile(r"sys\.path\s*(\[.*\]\s*=|\.(insert|append|extend)\()")
    found = [str(p.relative_to(ROOT)) for p in everything if editing.search(p.read_text())]
    assert found == ["stack/paths.py"]
