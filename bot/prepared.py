"""Built knowledge kept on disk between runs: a command that starts often (`ask`, `chat`) loads the word index,
the entries' meaning vectors and their profiles instead of building them again, as long as neither the knowledge
nor the code changed.

A cached file is only ever a copy of what the process would build itself. Its name is a digest of everything the
build reads (the entries, the build code, the model file), so an edit simply misses and builds anew; a missing,
stale, foreign or damaged file is built anew too. Nothing here is needed for correctness: a folder that cannot be
written just means every run builds. The folder is the user's own cache folder, made private to them, and a file
is only read when that user owns it, because unpickling runs whatever the file says.
"""

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
# Each change to the knowledge (a phrasing taught in chat) makes a new file; only the newest few of a kind stay.
KEEP_FILES = 6
ABANDONED_SECONDS = 3600
PACKAGE = Path(__file__).resolve().parent


def code_fingerprint(*folders: Path) -> str:
    """What changes when the code (or a data file) in `folders` changes: names, sizes and modification times."""
    parts = [sys.version, str(pickle.HIGHEST_PROTOCOL)]
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in {".py", ".safetensors", ".json", ".onnx"}:
                status = path.stat()
                parts.append(f"{path.name}:{status.st_size}:{status.st_mtime_ns}")
    return "\n".join(parts)


class PreparedCache:
    """Loads what an earlier run built for the same input, else builds it and stores it for the next run."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def get(self, kind: str, key: str, build: Callable[[], T]) -> T:
        """`build()`'s result, from the file named by `kind` and the digest of `key` when one is there."""
        if self.folder is None:
            return build()
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        path = self.folder / f"{kind}-{digest}.pickle"
        found = self._load(path)
        if found is not None:
            return found
        built = build()
        self._store(path, kind, built)
        return built

    def _load(self, path: Path):
        try:
            with open(path, "rb") as file:
                if os.fstat(file.fileno()).st_uid != os.getuid():
                    log.warning("ignoring %s: it belongs to another user", path)
                    return None
                return pickle.load(file)
        except FileNotFoundError:
            return None
        except Exception as error:  # a damaged or foreign file: build anew, as if it were not there
            log.debug("ignoring the cached %s: %s", path, error)
            return None

    def _store(self, path: Path, kind: str, built) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Written aside and renamed into place: a process reading it never sees half a file.
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=f".{kind}-", delete=False) as file:
                try:
                    pickle.dump(built, file, protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:
                    os.unlink(file.name)
                    raise
            os.replace(file.name, path)
            self._prune(kind)
        except Exception as error:  # the cache is optional: a folder or a build it cannot keep only costs time
            log.debug("cannot keep the built %s in %s: %s", kind, self.folder, error)

    def _prune(self, kind: str) -> None:
        files = sorted(self.folder.glob(f"{kind}-*.pickle"), key=lambda path: path.stat().st_mtime, reverse=True)
        # A file being written is renamed into place within a second; one this old was left by a killed process.
        abandoned = [path for path in self.folder.glob(f".{kind}-*")
                     if time.time() - path.stat().st_mtime > ABANDONED_SECONDS]
        for old in files[KEEP_FILES:] + abandoned:
            old.unlink(missing_ok=True)
