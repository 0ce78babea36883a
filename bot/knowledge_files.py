"""Finds and reads knowledge YAML files: the shipped pack plus the folders a team adds."""

from pathlib import Path

import yaml

from .core.knowledge import KnowledgeBase, Problem, build_knowledge

# libyaml's safe loader reads the starter pack in about 3 ms instead of 55: a fifth of `ask`'s start-up.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped_folder() -> Path:
    """Installed, the pack sits inside the package; in a source checkout (or editable install), beside it."""
    installed = Path(__file__).parent / "knowledge"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "knowledge"


def find_files(paths: list[Path]) -> list[Path]:
    """YAML files in `paths` (files or folders), in a stable order, each once even when reached by two paths."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    by_real_path: dict[Path, Path] = {}
    for path in found:
        by_real_path.setdefault(path.resolve(), path)
    return list(by_real_path.values())


def read_file(path: Path, problems: list[Problem]) -> object:
    if path.exists() and not path.is_file():
        # A FIFO or a device would block the read (or never end); only regular files are knowledge.
        problems.append(Problem(str(path), "", "", "is not a regular file"))
        return None
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path), "", "", f"cannot be read: {error}"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(str(path), "", "", f"is not valid YAML{where}: {getattr(error, 'problem', error)}"))
    return None


def without_replaced(files: list[Path]) -> list[Path]:
    """A team's file named like a shipped one (backend.yaml) replaces it: point KNOWLEDGE_PATH at an edited copy
    of the repo's knowledge folder and serve it after `pip install .`."""
    shipped = shipped_folder().resolve()
    own_names = {path.name for path in files if path.resolve().parent != shipped}
    return [path for path in files if path.resolve().parent != shipped or path.name not in own_names]


def read_documents(paths: list[Path], problems: list[Problem]) -> list[tuple[str, object]]:
    """(file name, parsed YAML) for each readable knowledge file under `paths`; the others go in `problems`."""
    documents = []
    for path in without_replaced(find_files(paths)):
        known_problems = len(problems)
        data = read_file(path, problems)
        if len(problems) == known_problems:
            documents.append((str(path), data))
    return documents


def defined_ids(documents: list[tuple[str, object]]) -> set:
    """The entry ids the documents define, read from the raw YAML before any checking."""
    return {raw.get("id") for _, data in documents if isinstance(data, dict)
            for raw in (data.get("entries") if isinstance(data.get("entries"), list) else []) if isinstance(raw, dict)}


def load_knowledge(paths: list[Path], extra: list[tuple[str, object]] = ()) -> KnowledgeBase:
    """Every entry of the YAML files under `paths` (and of `extra` documents, such as the entries added in chat);
    raises KnowledgeError naming each broken file/entry/field."""
    problems: list[Problem] = []
    return build_knowledge(read_documents(paths, problems) + list(extra), problems)
