"""Renders replies as Slack Block Kit messages within Slack's limits, and edits them after a button click."""

from ...core.commands import USAGE
from ...core.feedback import HELPFUL, NONE_OF_THESE, NOT_HELPFUL
from ...core.knowledge import MAX_LABEL_CHARS, Entry, shorten
from ...core.replies import ALSO_CLOSE, ANSWERED, SUGGEST, UNKNOWN, Intent, Note, NoteKind, Reply
from ...core.scores import Leaderboard, format_leaderboard

# Slack rejects a whole message with invalid_blocks when one of these is exceeded (DESIGN.md "Platform limits").
MAX_SECTION_CHARS = 3000
MAX_BLOCKS = 50
MAX_TEXT_CHARS = 3000
MAX_ECHO_CHARS = 200

ANSWER_ACTION = "answer_entry"
FEEDBACK_BLOCK, NOTE_BLOCK = "feedback", "feedback_note"
COMMAND = "/backend"
HOW_TO_ASK = (f"Ask me by mentioning me in a channel (I answer in the thread), in a direct message, "
              f"or with `{COMMAND} <question>`.")
SCHEDULE_HELP = (f"Daily tips and the quiz of the day: type `{COMMAND}` before one of these (admins turn them on and "
                 f"off). {USAGE}")
INVITE_HINT = (" I post here as a member of the channel: if I'm not in it yet, invite me with "
               "`/invite @backend-bot`, or the posts will pause.")


def escape(text: str) -> str:
    """Slack's escaping: with &, < and > escaped, `<!channel>` or `<@U1>` shows as text and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, broken between lines, else between words."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _split_line(line, limit):
            joined = f"{current}\n{part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current or not pieces:
        pieces.append(current)
    return pieces


def _split_line(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        parts.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    parts.append(line)
    return parts


def encode_value(question_id: int, entry_id: str = "") -> str:
    return f"{question_id}|{entry_id}"


def decode_value(value) -> tuple[int, str]:
    """(question id, entry id) from a button value; ValueError when the value was not written by us."""
    question_id, separator, entry_id = str(value).partition("|")
    if not separator or not question_id.isdigit():
        raise ValueError(f"not a backend-bot button value: {str(value)[:80]!r}")
    return int(question_id), entry_id


def section(text: str, block_id: str | None = None, verbatim: bool = False) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": verbatim}}
    return {**block, "block_id": block_id} if block_id else block


def context(text: str, block_id: str | None = None) -> dict:
    block = {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}
    return {**block, "block_id": block_id} if block_id else block


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    element = {"type": "button", "text": {"type": "plain_text", "text": shorten(text, MAX_LABEL_CHARS), "emoji": True},
               "action_id": action_id, "value": value}
    return {**element, "style": style} if style else element


def entry_buttons(entries: list[Entry], question_id: int) -> list[dict]:
    # action_ids must differ within one actions block, so each carries its position.
    return [button(entry.short_label, f"{ANSWER_ACTION}_{position}", encode_value(question_id, entry.id))
            for position, entry in enumerate(entries)]


def render(reply: Reply | Note | Leaderboard, asked: str = "") -> dict:
    """A chat.postMessage-ready message for anything the service replies: `blocks` where they help, and
    `text` for notifications and old clients."""
    if isinstance(reply, Reply):
        return render_reply(reply, asked)
    if isinstance(reply, Note):
        return render_note(reply)
    if isinstance(reply, Leaderboard):
        # The board's own words hold no markup; <@U…> shows each person's name, and in a message only the asker
        # sees it notifies nobody.
        return {"text": format_leaderboard(reply, lambda user: f"<@{escape(user)}>")}
    raise TypeError(f"Slack cannot render a {type(reply).__name__}")


def render_note(note: Note) -> dict:
    if note.kind not in NoteKind:
        raise TypeError(f"Slack cannot render a note of kind {note.kind!r}")
    return {"text": escape(note.text)}


def render_reply(reply: Reply, asked: str = "") -> dict:
    if reply.status == ANSWERED and reply.entry:
        return render_answer(reply, reply.question_id)
    if reply.status == SUGGEST:
        return render_suggestions(reply, reply.question_id, asked)
    if reply.status != UNKNOWN:
        raise TypeError(f"Slack cannot render a reply with status {reply.status!r}")
    if reply.intent in (Intent.HELP, Intent.EMPTY, Intent.GREETING):
        text = f"{escape(reply.message)}\n{HOW_TO_ASK}\n{SCHEDULE_HELP}"
        return {"text": text, "blocks": [section(text, "help")]}
    blocks = [section(escape(reply.message), "notice")]
    if reply.intent == Intent.QUESTION and asked.strip():
        blocks.append(asked_context(asked))
    return {"text": escape(reply.message), "blocks": blocks}


def asked_context(asked: str) -> dict:
    return context(f"You asked: “{escape(shorten(asked, MAX_ECHO_CHARS))}”", "asked")


def render_answer(reply: Reply, question_id: int) -> dict:
    entry = reply.entry
    # Room for the source line, the entries nearly as close, the related questions, the feedback buttons and a later
    # thank-you note.
    blocks = entry_blocks(entry, list(reply.related), question_id, room=MAX_BLOCKS - 5, source="Answered from",
                          also_close=reply.alternatives)
    blocks.append(feedback_block(question_id, entry.id))
    text = shorten(f"{entry.question} {entry.answer_text}", MAX_TEXT_CHARS)
    return {"text": escape(text), "blocks": blocks}


def entry_blocks(entry: Entry, related: list[Entry], question_id: int, room: int, source: str,
                 also_close: tuple[Entry, ...] = ()) -> list[dict]:
    """An entry's question and answer in at most `room` sections, its source line, a line naming the entries
    `also_close` to the question, and a button for each of those and of `related`, in that order."""
    pieces = split_text(f"*{escape(entry.question)}*\n{escape(entry.answer_text)}")
    if len(pieces) > room:
        pieces = pieces[: room - 1] + [shorten(pieces[room - 1], MAX_SECTION_CHARS - 40) + " (answer cut short)"]
    blocks = [section(piece, f"answer_{number}") for number, piece in enumerate(pieces)]
    line = f"{source} the knowledge base entry `{escape(entry.id)}`"
    if entry.source:
        # Links are checked when the knowledge loads (http(s), no spaces, no < > |), so this markup is safe.
        line += f" · <{entry.source}|source>"
    blocks.append(context(line, "source"))
    if also_close:
        named = "; ".join(f"*{escape(other.question)}*" for other in also_close)
        blocks.append(context(shorten(f"{ALSO_CLOSE} {named}", MAX_SECTION_CHARS), "also_close"))
    if also_close or related:
        blocks.append({"type": "actions", "block_id": "related",
                       "elements": entry_buttons([*also_close, *related], question_id)})
    return blocks


def feedback_block(question_id: int, entry_id: str) -> dict:
    value = encode_value(question_id, entry_id)
    return {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": [
        button("👍 Helpful", f"feedback_{HELPFUL}", value),
        button("👎 Not helpful", f"feedback_{NOT_HELPFUL}", value),
    ]}


def render_suggestions(reply: Reply, question_id: int, asked: str) -> dict:
    entries = [match.entry for match in reply.suggestions]
    elements = entry_buttons(entries, question_id)
    elements.append(button("None of these", NONE_OF_THESE, encode_value(question_id)))
    blocks = [section("I'm not sure which of these you mean. Did you mean:", "did_you_mean")]
    if asked.strip():
        blocks.append(asked_context(asked))
    blocks.append({"type": "actions", "block_id": "suggestions", "elements": elements})
    text = "Did you mean: " + "; ".join(entry.question for entry in entries) + "?"
    return {"text": escape(shorten(text, MAX_TEXT_CHARS)), "blocks": blocks}


def with_note(blocks: list[dict], note: str) -> list[dict]:
    """The message's blocks with `note` as the last block, replacing an earlier note."""
    kept = [block for block in blocks if block.get("block_id") != NOTE_BLOCK]
    return kept + [context(escape(note), NOTE_BLOCK)]
