"""Discord rendering of daily tips and quizzes, and the persistent quiz buttons that take one answer per person."""

import logging
import re

import discord

from ...core.quiz import QuizCard, QuizResult
from ...core.replies import ANSWERED
from ...core.tips import Tip
from .render import (COLOURS, MAX_CONTENT, MAX_DESCRIPTION, MAX_FOOTER, MAX_LABEL, MAX_TITLE, NO_MENTIONS,
                     RELATED_ROW, Rendered, add_answer_buttons, clip, mention, respond)

log = logging.getLogger(__name__)

QUIZ_TITLE = "Quiz of the day"
QUIZ_COLOUR = discord.Colour.blurple()
CLOSED_COLOUR = discord.Colour.light_grey()
QUIZ_FOOTER = ("One answer per person; only you see whether you were right. "
               "Everyone sees the answer when the quiz closes.")
QUIZ_TEMPLATE = r"bb:quiz:(?P<quiz_id>\d{1,19}):(?P<letter>[A-D])"


def post_marker(post_id: int | None) -> str:
    """What a scheduled post's footer ends with, so the post can be found in the channel after a crash."""
    return f" · post {post_id}" if post_id else ""


def render_tip(tip: Tip, post_id: int | None = None) -> Rendered:
    """The tip as an answer looks, headed "Tip of the day", with its related-question buttons."""
    entry = tip.entry
    embed = discord.Embed(title=clip(entry.question, MAX_TITLE), description=clip(entry.answer_text, MAX_DESCRIPTION),
                          colour=COLOURS[ANSWERED])
    embed.set_author(name=clip(tip.title, MAX_TITLE))
    embed.set_footer(text=clip(f"backend-bot knowledge base · entry: {entry.id}", MAX_FOOTER - 30)
                     + post_marker(post_id))
    view = discord.ui.View(timeout=None)
    add_answer_buttons(view, tip.related, discord.ButtonStyle.secondary)
    return Rendered(embed, view)


def render_quiz(quiz_id: int, card: QuizCard, post_id: int | None = None) -> Rendered:
    embed = discord.Embed(title=QUIZ_TITLE, description=clip(card.body, MAX_DESCRIPTION), colour=QUIZ_COLOUR)
    embed.set_footer(text=QUIZ_FOOTER + post_marker(post_id))
    view = discord.ui.View(timeout=None)
    for letter, label in card.button_labels():
        view.add_item(QuizButton(quiz_id, letter, button_label(letter, label)))
    return Rendered(embed, view)


def render_quiz_result(quiz_id: int, result: QuizResult) -> Rendered:
    """The quiz message once closed: the right answer and how people did, the buttons greyed out."""
    card = result.card
    description = clip(f"{card.body}\n\n{result.summary}", MAX_DESCRIPTION)
    embed = discord.Embed(title=f"{QUIZ_TITLE}: closed", description=description, colour=CLOSED_COLOUR)
    view = discord.ui.View(timeout=None)
    for letter, label in card.button_labels():
        # Disabled, not removed: the options stay readable, with the right one in green.
        style = discord.ButtonStyle.success if letter == card.correct else discord.ButtonStyle.secondary
        view.add_item(QuizButton(quiz_id, letter, button_label(letter, label), style, disabled=True))
    return Rendered(embed, view)


def render_reveal(result: QuizResult) -> dict:
    """Keyword arguments for channel.send: who got it right (as mentions that ping nobody) and the answer."""
    embed = discord.Embed(title=f"{QUIZ_TITLE}: the answer", description=clip(result.summary, MAX_DESCRIPTION),
                          colour=COLOURS[ANSWERED])
    # Mentions in message content are shown as names by every client; in an embed only if the user is cached.
    content = clip(result.winners_text(mention), MAX_CONTENT)
    return {"content": content, "embed": embed, "allowed_mentions": NO_MENTIONS}


def button_label(letter: str, label: str) -> str:
    return label if label == letter else clip(f"{letter}. {label}", MAX_LABEL)


def quiz_custom_id(quiz_id: int, letter: str) -> str:
    return f"bb:quiz:{quiz_id}:{letter}"


class QuizButton(discord.ui.DynamicItem[discord.ui.Button], template=QUIZ_TEMPLATE):
    """One option of one quiz; the quiz id and letter are in the custom_id, so it works after a restart."""

    def __init__(self, quiz_id: int, letter: str, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.primary, disabled: bool = False):
        # Always a DynamicItem, even greyed out: discord.py keeps a plain button's view in memory for good.
        button = discord.ui.Button(label=label or letter, style=style, disabled=disabled,
                                   custom_id=quiz_custom_id(quiz_id, letter))
        super().__init__(button, row=RELATED_ROW)
        self.quiz_id, self.letter = quiz_id, letter

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "QuizButton":
        return cls(int(match["quiz_id"]), match["letter"])

    async def callback(self, interaction: discord.Interaction) -> None:
        answer = interaction.client.service.answer_quiz(self.quiz_id, str(interaction.user.id), self.letter)
        await respond(interaction, answer, ephemeral=True)
