"""The knowledge the bot serves right now: its files plus what the team taught, rebuilt when either changes."""

import logging
import threading
from pathlib import Path

from .core.entries import FIELDS
from .core.fusion import ClosenessFactory, OpinionFactory
from .core.knowledge import KnowledgeBase, KnowledgeError, Problem, build_knowledge, with_aliases
from .core.replies import ANSWERED, Responder
from .knowledge_files import defined_ids, find_files, read_documents, without_replaced
from .prepared import PACKAGE, PreparedCache, code_fingerprint
from .storage import LearnedStore, Phrasing

log = logging.getLogger(__name__)
# Questions are matched on their first 500 characters; a longer phrasing would teach nothing more.
MAX_PHRASING_CHARS = 500
# Where entries added in chat say they come from, in problems and in `kb list`.
ADDED_IN_CHAT = "entries added in chat"


class LiveKnowledge:
    """Holds the current Responder; `refresh` swaps in a new one whole, so no question is ever answered from
    half-loaded knowledge, and a broken edit leaves the last good knowledge serving."""

    def __init__(self, paths: list[Path], learned: LearnedStore, semantic: ClosenessFactory | None = None,
                 cache: PreparedCache = PreparedCache(None), opinion: OpinionFactory | None = None):
        self.paths = paths
        self.learned = learned
        self.semantic = semantic
        self.opinion = opinion
        self.cache = cache
        self.stamp = self._stamp()
        self.responder, self.orphans = self._build()
        self.problem = ""
        # On PostgreSQL storage work runs on several threads: two refreshes at once must not swap in the older build.
        self._refreshing = threading.Lock()

    def _stamp(self) -> tuple:
        """What changes when a knowledge file is edited, added or removed, or a phrasing is taught."""
        files = []
        problems: list[Problem] = []
        for path in without_replaced(find_files(self.paths, problems)):
            try:
                status = path.stat()
                files.append((str(path), status.st_mtime_ns, status.st_size))
            except OSError:
                files.append((str(path), None, None))
        # A folder that can no longer be listed changes the stamp too, so the rebuild names it.
        return tuple(files), tuple(map(str, problems)), self.learned.version()

    def _build(self) -> tuple[Responder, list[tuple[str, str]]]:
        knowledge, orphans = self._knowledge()
        for text, entry_id in orphans:
            log.warning("the taught phrasing %r names entry %s, which the knowledge no longer has; kept, not served",
                        text[:80], entry_id)
        return self._responder(knowledge), orphans

    def _responder(self, knowledge: KnowledgeBase) -> Responder:
        """The word index from an earlier run when the entries and the code are the same, meaning attached after."""
        key = "\n".join((repr((knowledge.entries, knowledge.sources)), code_fingerprint(PACKAGE / "core")))
        responder = self.cache.get("responder", key, lambda: Responder(knowledge))
        responder.attach_meaning(self.semantic, self.opinion)
        return responder

    def _knowledge(self, new_entry: dict | None = None) -> tuple[KnowledgeBase, list[tuple[str, str]]]:
        """The files' entries, the entries added in chat (and `new_entry`) and the taught phrasings; raises
        KnowledgeError naming what is wrong."""
        taught = [(phrasing.text, phrasing.entry_id) for phrasing in self.learned.phrasings()]
        problems: list[Problem] = []
        documents = read_documents(self.paths, problems)
        # An entry added in chat whose id a knowledge file now defines gives way to the file (it was probably
        # exported there); it stays stored, so nothing is lost.
        in_files = defined_ids(documents)
        added = [entry for entry in self.learned.entries() if entry.get("id") not in in_files]
        if added or new_entry:
            documents.append((ADDED_IN_CHAT, {"entries": added + ([new_entry] if new_entry else [])}))
        return with_aliases(build_knowledge(documents, problems), taught)

    def refresh(self) -> bool:
        """Rebuilds when something changed (True when new knowledge is now served); runs on the database thread."""
        with self._refreshing:
            stamp = self._stamp()
            if stamp == self.stamp:
                return False
            self.stamp = stamp
            try:
                responder, orphans = self._build()
                responder.warm()  # here, on the database thread, rather than in the first question after the swap
                self.responder, self.orphans = responder, orphans
            except KnowledgeError as error:
                self.problem = (f"{len(error.problems)} problem(s) in the knowledge, the first: {error.problems[0]}; "
                                "still serving the last good one")
                log.error("%s: %s", self.problem, "; ".join(str(problem) for problem in error.problems[:5]))
                return False
            self.problem = ""
            log.info("knowledge reloaded: %d entries", len(self.responder.knowledge.entries))
            return True


def entry_problems(live: LiveKnowledge, entry: dict) -> dict[str, str]:
    """What the knowledge files' own rules say against adding `entry` (field -> message); empty when it may be
    added. The whole knowledge is built with it, so a clash with any file's id or a broken link shows too."""
    try:
        live._knowledge(entry)
    except KnowledgeError as error:
        found: dict[str, str] = {}
        for problem in error.problems:
            if problem.file == ADDED_IN_CHAT:
                found.setdefault(problem.field if problem.field in FIELDS else "question", problem.message)
        return found or {"question": "cannot be added while the knowledge files have problems: "
                                     + str(error.problems[0])}
    return {}


def checked(done: str, live: LiveKnowledge) -> str:
    """`done`, served at once, and naming any taught phrasing that no longer reaches its entry: said after every
    learning change, never silently."""
    live.refresh()
    lost = astray(live.responder, live.learned.phrasings())
    return done + (" Check these taught phrasings: " + "; ".join(lost[:5]) + "." if lost else "")


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
