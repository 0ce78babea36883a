"""Renders the daily tip, the quiz of the day and its reveal as Block Kit messages within Slack's limits."""

import re
from collections.abc import Callable

from ...core.knowledge import MAX_LABEL_CHARS, shorten
from ...core.quiz import QuizCard, QuizResult
from ...core.tips import Tip
from .render import MAX_BLOCKS, MAX_TEXT_CHARS, context, entry_blocks, escape, split_text

QUIZ_ACTION = "quiz_answer"
QUIZ_TITLE = "Quiz of the day"
MAX_HEADER_CHARS = 150
# A tip has no question in the log: its related-question buttons carry question id 0, which no vote refers to.
TIP_QUESTION_ID = 0
QUIZ_RULES = ("One answer per person, and only you will see whether you were right. "
              "The answer is revealed to everyone when the quiz closes.")
QUIZ_CLOSED = "This quiz is closed. A new one comes on the next quiz day."
_QUIZ_VALUE = re.compile(r"^(\d+)\|([A-Z])$")


def header(text: str, block_id: str) -> dict:
    return {"type": "header", "block_id": block_id,
            "text": {"type": "plain_text", "text": shorten(text, MAX_HEADER_CHARS), "emoji": True}}


def sections(text: str, prefix: str) -> list[dict]:
    return [{"type": "section", "block_id": f"{prefix}_{number}", "text": {"type": "mrkdwn", "text": piece}}
            for number, piece in enumerate(split_text(text))]


def fallback(text: str) -> str:
    """The plain `text` of a message, for notifications and clients that cannot show blocks."""
    return escape(shorten(text, MAX_TEXT_CHARS))


def render_tip(tip: Tip) -> dict:
    # Room for the header, the source line and the related questions.
    blocks = [header(tip.title, "tip_title"),
              *entry_blocks(tip.entry, list(tip.related), TIP_QUESTION_ID, room=MAX_BLOCKS - 3, source="From")]
    return {"text": fallback(f"{tip.title}: {tip.entry.question} {tip.entry.answer_text}"), "blocks": blocks}


def encode_quiz_value(quiz_id: int, letter: str) -> str:
    """A quiz button's value: the quiz id in the database, so the button works after a restart."""
    return f"{quiz_id}|{letter}"


def decode_quiz_value(value) -> tuple[int, str]:
    """(quiz id, letter); ValueError when the value was not written by us."""
    found = _QUIZ_VALUE.match(str(value))
    if not found:
        raise ValueError(f"not a backend-bot quiz button value: {str(value)[:80]!r}")
    return int(found[1]), found[2]


def quiz_buttons(quiz_id: int, card: QuizCard) -> dict:
    elements = [{"type": "button", "action_id": f"{QUIZ_ACTION}_{letter}", "value": encode_quiz_value(quiz_id, letter),
                 "text": {"type": "plain_text", "text": shorten(label, MAX_LABEL_CHARS), "emoji": False}}
                for letter, label in card.button_labels()]
    return {"type": "actions", "block_id": "quiz_answers", "elements": elements}


def _question_text(card: QuizCard) -> str:
    return f"*{escape(card.prompt)}*\n{escape(card.subject)}"


def render_quiz(quiz_id: int, card: QuizCard) -> dict:
    """The question and an answer button per option; options too long for a button are listed A-D above them."""
    text = _question_text(card)
    if not card.has_text_buttons:
        text += "\n\n" + "\n".join(f"*{option.letter}.* {escape(option.text)}" for option in card.options)
    blocks = [header(QUIZ_TITLE, "quiz_title"), *sections(text, "quiz"), quiz_buttons(quiz_id, card),
              context(QUIZ_RULES, "quiz_rules")]
    return {"text": fallback(f"{QUIZ_TITLE}: {card.prompt} {card.subject}"), "blocks": blocks}


def render_quiz_result(result: QuizResult) -> dict:
    """The quiz message once closed: every option with the right one marked, the outcome, and no buttons."""
    card = result.card
    options = [f"✅ *{option.letter}. {escape(option.text)}*" if option.letter == card.correct
               else f"{option.letter}. {escape(option.text)}" for option in card.options]
    blocks = [header(f"{QUIZ_TITLE}: the answer", "quiz_title"),
              *sections(_question_text(card) + "\n\n" + "\n".join(options), "quiz"),
              *sections(escape(result.summary), "quiz_result"), context(QUIZ_CLOSED, "quiz_closed")]
    return {"text": fallback(result.summary), "blocks": blocks}


def render_reveal(result: QuizResult, name_of: Callable[[str], str]) -> dict:
    """Who got it right, by name: `name_of` gives plain text, since a <@U…> mention would notify each of them."""
    shown = result.winners_text(lambda user: escape(name_of(user)))
    return {"text": fallback(result.winners_text(name_of)), "blocks": sections(shown, "reveal")}
