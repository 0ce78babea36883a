"""The terminal front door: renders replies as plain text and runs the `chat` loop."""

from collections.abc import Callable
from typing import TextIO

from ..core.replies import ANSWERED, SUGGEST, Reply, Responder, Request
from ..storage import Storage


def render_text(reply: Reply) -> str:
    """Plain text for a reply; follow-up questions are numbered so `chat` can follow them by number."""
    lines: list[str] = []
    if reply.status == ANSWERED and reply.entry:
        lines += [reply.entry.question, "", reply.entry.answer_text]
        if reply.related:
            lines += ["", "Related questions:"]
            lines += [f"  {number}. {entry.question}" for number, entry in enumerate(reply.related, 1)]
    elif reply.status == SUGGEST:
        lines += ["Did you mean:"]
        lines += [f"  {number}. {match.entry.question}" for number, match in enumerate(reply.suggestions, 1)]
        lines += ["  (or none of these: ask it another way)"]
    else:
        lines.append(reply.message)
    return "\n".join(lines)


def follow_ups(reply: Reply) -> list:
    if reply.status == ANSWERED:
        return list(reply.related)
    if reply.status == SUGGEST:
        return [match.entry for match in reply.suggestions]
    return []


def run_chat(responder: Responder, storage: Storage | None, read: Callable[[str], str], out: TextIO) -> None:
    """A question-and-answer loop until end of input or 'quit'; a number follows a numbered question."""
    out.write("Ask a backend question (a number follows a listed question; 'quit' or Ctrl-D to leave).\n")
    choices: list = []
    while True:
        try:
            text = read("> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if text.lower() in {"quit", "exit", "q", ":q"}:
            return
        if text.isdigit() and 1 <= int(text) <= len(choices):
            reply = responder.answer(choices[int(text) - 1])
        else:
            reply = responder.reply_to(text)
        if storage is not None:
            storage.log_question(Request(text=text, platform="console"), reply)
        out.write(render_text(reply) + "\n\n")
        choices = follow_ups(reply)
