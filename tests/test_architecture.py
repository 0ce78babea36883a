"""Imports point inward: the core knows no platform, no database library and no environment."""

import ast
from pathlib import Path

# The core stays pure Python: the semantic model (numpy) lives beside it, in bot/semantic.
FORBIDDEN_MODULES = {"slack_bolt", "slack_sdk", "discord", "sqlite_utils", "sqlite3", "psycopg", "psycopg_pool",
                     "aiohttp", "yaml", "numpy", "tokenizers", "safetensors"}


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


ADAPTERS = Path(__file__).resolve().parent.parent / "bot" / "adapters"
PLATFORM_PACKAGES = {"slack", "discord", "console"}


def adapter_offences(source: str, where: Path) -> list[str]:
    """Imports of storage or of another platform in `source`, a module at `where` under bot/adapters/."""
    own = where.parts[0].removesuffix(".py")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [_absolute(where, node)]
        else:
            continue
        for name in names:
            pieces = name.split(".")
            if pieces[0] in {"sqlite_utils", "sqlite3", "psycopg"} or pieces[:2] == ["bot", "storage"]:
                found.append(f"{where} imports {name}")
            elif pieces[:2] == ["bot", "adapters"] and len(pieces) > 2 and pieces[2] in PLATFORM_PACKAGES \
                    and pieces[2] != own:
                found.append(f"{where} imports {name}")
    return found


def _absolute(where: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = ["bot", "adapters", *where.parts[:-1]]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def test_no_platform_module_imports_storage_or_another_platform():
    files = sorted(ADAPTERS.rglob("*.py"))
    assert len(files) > 10
    assert [offence for path in files
            for offence in adapter_offences(path.read_text(), path.relative_to(ADAPTERS))] == []


def test_the_adapter_check_catches_storage_and_a_neighbouring_platform():
    source = "from ...storage import Database\nfrom ..discord.render import render\nfrom . import render\nimport sqlite3\n"
    assert adapter_offences(source, Path("slack/sample.py")) == [
        "slack/sample.py imports bot.storage", "slack/sample.py imports bot.adapters.discord.render",
        "slack/sample.py imports sqlite3"]


def test_every_package_under_bot_is_installed_by_pyproject():
    import tomllib

    root = Path(__file__).resolve().parent.parent
    declared = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(root).parts) for init in (root / "bot").rglob("__init__.py")}
    assert found <= declared, f"missing from pyproject.toml's packages: {sorted(found - declared)}"
