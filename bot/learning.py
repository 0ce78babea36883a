"""The knowledge the bot serves right now: its files plus what the team taught, rebuilt when either changes."""

import logging
from pathlib import Path

from .core.fusion import ClosenessFactory
from .core.knowledge import KnowledgeError, with_aliases
from .core.replies import ANSWERED, Responder
from .knowledge_files import find_files, load_knowledge, without_replaced
from .storage import LearnedPhrasings, Phrasing

log = logging.getLogger(__name__)
# Questions are matched on their first 500 characters; a longer phrasing would teach nothing more.
MAX_PHRASING_CHARS = 500


class LiveKnowledge:
    """Holds the current Responder; `refresh` swaps in a new one whole, so no question is ever answered from
    half-loaded knowledge, and a broken edit leaves the last good knowledge serving."""

    def __init__(self, paths: list[Path], learned: LearnedPhrasings, semantic: ClosenessFactory | None = None):
        self.paths = paths
        self.learned = learned
        self.semantic = semantic
        self.stamp = self._stamp()
        self.responder, self.orphans = self._build()
        self.problem = ""

    def _stamp(self) -> tuple:
        """What changes when a knowledge file is edited, added or removed, or a phrasing is taught."""
        files = []
        for path in without_replaced(find_files(self.paths)):
            try:
                status = path.stat()
                files.append((str(path), status.st_mtime_ns, status.st_size))
            except OSError:
                files.append((str(path), None, None))
        return tuple(files), self.learned.version()

    def _build(self) -> tuple[Responder, list[tuple[str, str]]]:
        taught = [(phrasing.text, phrasing.entry_id) for phrasing in self.learned.phrasings()]
        knowledge, orphans = with_aliases(load_knowledge(self.paths), taught)
        for text, entry_id in orphans:
            log.warning("the taught phrasing %r names entry %s, which the knowledge no longer has; kept, not served",
                        text[:80], entry_id)
        return Responder(knowledge, self.semantic), orphans

    def refresh(self) -> bool:
        """Rebuilds when something changed (True when new knowledge is now served); runs on the database thread."""
        stamp = self._stamp()
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        try:
            self.responder, self.orphans = self._build()
        except KnowledgeError as error:
            self.problem = f"{len(error.problems)} problem(s) in the knowledge; still serving the last good one"
            log.error("%s: %s", self.problem, "; ".join(str(problem) for problem in error.problems[:5]))
            return False
        self.problem = ""
        log.info("knowledge reloaded: %d entries", len(self.responder.knowledge.entries))
        return True


def why_not_teach(responder: Responder, text: str, entry_id: str, force: bool = False) -> str | None:
    """Why teaching `text` as a phrasing of `entry_id` would do harm, or None when it may be taught."""
    if responder.knowledge.get(entry_id) is None:
        return f"There is no entry {entry_id!r}; `backend-bot kb list` shows the ids."
    if len(text) > MAX_PHRASING_CHARS:
        return f"A phrasing is a question as people ask it: at most {MAX_PHRASING_CHARS} characters."
    _, topical = responder.matcher.weigh_query(text)
    if not topical:
        return f"“{text}” has no words the knowledge is about, so it would teach nothing that can be matched."
    reply = responder.reply_to(text)
    if not force and reply.status == ANSWERED and reply.entry.id != entry_id:
        return (f"“{text}” is already answered confidently by {reply.entry.id}; teaching it to {entry_id} would "
                "change that answer. Teach it anyway with --force (in chat: ask an admin to use the terminal).")
    return None


def astray(responder: Responder, phrasings: list[Phrasing]) -> list[str]:
    """Taught phrasings that no longer reach their entry: said after every change, never silently."""
    lost = []
    for phrasing in phrasings:
        reply = responder.reply_to(phrasing.text)
        if phrasing.entry_id in responder.knowledge.by_id and (reply.entry is None or
                                                                reply.entry.id != phrasing.entry_id):
            lost.append(f"“{phrasing.text}” now goes to {reply.entry.id if reply.entry else 'no entry'}, "
                        f"not {phrasing.entry_id}")
    return lost
