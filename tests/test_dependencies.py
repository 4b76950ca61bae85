"""What the production code imports is what a plain install (no extras) declares, pinned twice.

The installed-package test (test_installed.py) proves the same at run time; this one names
the missing distribution in a second, without building anything.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("bot", "db", "jobs")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def runtime_requirements() -> list[Requirement]:
    return [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]


def extra_requirements() -> list[Requirement]:
    return [Requirement(line)
            for extra in PYPROJECT["project"].get("optional-dependencies", {}).values()
            for line in extra]


def imported_top_levels(path: Path) -> set[str]:
    """Absolute imports anywhere in the file, function bodies included (lazy imports count)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the files importing it, for modules outside the stdlib and the project."""
    ours = set(CODE_DIRS) | {"__future__"}
    found: dict[str, set[str]] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in imported_top_levels(path) - ours - sys.stdlib_module_names:
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_module_the_code_imports_comes_from_a_runtime_dependency():
    declared = {canonicalize_name(r.name) for r in runtime_requirements()}
    providers = packages_distributions()
    missing = {}
    for module, files in sorted(third_party_imports().items()):
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        assert distributions, f"{module} (imported by {sorted(files)}) is not installed at all"
        if not distributions & declared:
            missing[module] = (sorted(distributions), sorted(files))
    assert not missing, f"imported by production code but not in [project] dependencies: {missing}"


def test_the_check_sees_the_imports_it_is_about():
    # A walker that found nothing would pass the test above vacuously.
    found = third_party_imports()
    assert {"aiohttp", "sqlalchemy", "telegram", "dateutil", "aiolimiter"} <= set(found)
    assert "bot/web.py" in found["aiohttp"]


def test_every_requirement_is_pinned_and_the_lock_agrees():
    lock = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            lock[canonicalize_name(requirement.name)] = str(requirement.specifier)
    for requirement in runtime_requirements() + extra_requirements():
        pin = str(requirement.specifier)
        assert pin.startswith("==") and "," not in pin, f"{requirement} is not pinned"
        assert lock.get(canonicalize_name(requirement.name)) == pin, \
            f"{requirement.name}: pyproject.toml says {pin}, requirements.lock says " \
            f"{lock.get(canonicalize_name(requirement.name))}"


def test_no_test_extra_repeats_a_runtime_dependency():
    runtime = {canonicalize_name(r.name) for r in runtime_requirements()}
    assert runtime & {canonicalize_name(r.name) for r in extra_requirements()} == set()
