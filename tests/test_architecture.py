"""Imports point inward: the core knows no platform, no database library and no environment."""

import ast
from pathlib import Path

FORBIDDEN_MODULES = {"slack_bolt", "slack_sdk", "discord", "sqlite_utils", "sqlite3", "aiohttp", "yaml"}


def core_files() -> list[Path]:
    return sorted((Path(__file__).resolve().parent.parent / "bot" / "core").glob("*.py"))


def offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        found += [f"{path.name} imports {name}" for name in names if name.split(".")[0] in FORBIDDEN_MODULES]
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            found.append(f"{path.name} reads the environment (line {node.lineno})")
    return found


def test_the_core_imports_no_platform_database_or_environment():
    assert core_files(), "bot/core has no modules"
    assert [offence for path in core_files() for offence in offences(path)] == []


def test_the_check_itself_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom slack_bolt import App\nimport sqlite_utils.db\nx = os.environ['A']\n")
    assert offences(sample) == ["sample.py imports slack_bolt", "sample.py imports sqlite_utils.db",
                                "sample.py reads the environment (line 4)"]
