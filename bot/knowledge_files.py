"""Finds and reads knowledge YAML files: the shipped pack plus the folders a team adds."""

import logging
from pathlib import Path

import yaml

from .core.knowledge import KnowledgeBase, Problem, build_knowledge

log = logging.getLogger(__name__)
# libyaml's safe loader reads the starter pack in about 3 ms instead of 55: a fifth of `ask`'s start-up.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped_folder() -> Path:
    """Installed, the pack sits inside the package; in a source checkout (or editable install), beside it."""
    installed = Path(__file__).parent / "knowledge"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "knowledge"


def find_files(paths: list[Path], problems: list[Problem], empty: list[Path] | None = None) -> list[Path]:
    """YAML files in `paths` (files or folders), in a stable order, each once even when reached by two paths; a
    folder that cannot be listed goes in `problems`, one that holds no YAML file in `empty`."""
    found: list[Path] = []
    for path in paths:
        try:
            if not path.is_dir():
                found.append(path)
                continue
            in_folder = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        except OSError as error:
            # No permission to list it, or a name the file system refuses: said like a file that cannot be read.
            problems.append(Problem(str(path), "", "", f"cannot be read: {error}"))
            continue
        if not in_folder and empty is not None:
            empty.append(path)
        found.extend(in_folder)
    by_real_path: dict[Path, Path] = {}
    for path in found:
        by_real_path.setdefault(real_path(path), path)
    return list(by_real_path.values())


def real_path(path: Path) -> Path:
    """Where `path` leads; a symlink loop leads nowhere, so it stays itself and reading it names the loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


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
    shipped = real_path(shipped_folder())
    is_own = {path: real_path(path).parent != shipped for path in files}  # resolved once: serve looks every few s
    own_names = {path.name for path in files if is_own[path]}
    return [path for path in files if is_own[path] or path.name not in own_names]


def read_documents(paths: list[Path], problems: list[Problem]) -> list[tuple[str, object]]:
    """(file name, parsed YAML) for each readable knowledge file under `paths`; the others go in `problems`."""
    documents = []
    empty: list[Path] = []
    for path in without_replaced(find_files(paths, problems, empty)):
        known_problems = len(problems)
        data = read_file(path, problems)
        if len(problems) == known_problems:
            documents.append((str(path), data))
    if empty and not documents and not problems:
        # Otherwise the only message would be "no knowledge entries were found", without saying where we looked.
        problems.extend(Problem(str(folder), "", "", "holds no knowledge files (.yaml or .yml)") for folder in empty)
    else:
        for folder in empty:
            # A folder mounted or copied wrongly serves nothing of the team's: said, not skipped silently.
            log.warning("the knowledge folder %s holds no knowledge files (.yaml or .yml)", folder)
    return documents


def defined_ids(documents: list[tuple[str, object]]) -> set:
    """The entry ids the documents define, read from the raw YAML before any checking; an id that is not text (a
    list, a mapping) is left to build_knowledge to name."""
    return {raw.get("id") for _, data in documents if isinstance(data, dict)
            for raw in (data.get("entries") if isinstance(data.get("entries"), list) else [])
            if isinstance(raw, dict) and isinstance(raw.get("id"), str)}


def load_knowledge(paths: list[Path], extra: list[tuple[str, object]] = ()) -> KnowledgeBase:
    """Every entry of the YAML files under `paths` (and of `extra` documents, such as the entries added in chat);
    raises KnowledgeError naming each broken file/entry/field."""
    problems: list[Problem] = []
    return build_knowledge(read_documents(paths, problems) + list(extra), problems)
