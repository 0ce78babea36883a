"""Wires the bot together in one place: settings in, knowledge, responder and storage out."""

from dataclasses import dataclass

from .config import Settings
from .core.replies import Reply, Request, Responder
from .knowledge_files import load_knowledge
from .storage import Storage


@dataclass
class Bot:
    settings: Settings
    responder: Responder
    storage: Storage

    def handle(self, request: Request) -> tuple[Reply, int]:
        """The reply to a request, logged; returns the log id that feedback buttons refer to."""
        reply = self.responder.reply_to(request.text)
        return reply, self.storage.log_question(request, reply)

    def close(self) -> None:
        self.storage.close()


def build_responder(settings: Settings) -> Responder:
    return Responder(load_knowledge(settings.knowledge_paths))


def build_bot(settings: Settings) -> Bot:
    """Raises KnowledgeError or StorageError with a message for a person; the caller decides how to exit."""
    responder = build_responder(settings)
    return Bot(settings, responder, Storage(settings.database))
