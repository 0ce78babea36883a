"""Discord rendering: replies as embeds, and the persistent buttons that answer, vote and say "none of these"."""

import logging
import re
from dataclasses import dataclass

import discord

from ..core.knowledge import Entry
from ..core.replies import ANSWERED, SUGGEST, Reply, Request
from ..storage import StorageError

log = logging.getLogger(__name__)

# Discord rejects a message that breaks one of these (DESIGN.md, "Platform limits").
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
# Discord allows a 2048-character footer, but a short one keeps title + description + footer under the
# 6000 characters allowed for all of an embed's text (256 + 4096 + 256).
MAX_FOOTER = 256
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
NO_MENTIONS = discord.AllowedMentions.none()
RELATED_ROW, VOTE_ROW = 0, 1
COLOURS = {ANSWERED: discord.Colour.green(), SUGGEST: discord.Colour.gold()}


@dataclass(frozen=True)
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None = None
    ephemeral: bool = False

    def as_message(self) -> dict:
        """Keyword arguments for channel.send; nothing sent by the bot may ping anyone."""
        message = {"embed": self.embed, "allowed_mentions": NO_MENTIONS}
        if self.view is not None:
            message["view"] = self.view
        return message

    def as_response(self) -> dict:
        return {**self.as_message(), "ephemeral": self.ephemeral}


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a space with an ellipsis; line breaks are kept."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:-\n ") + "…"


def render_reply(reply: Reply, question_id: int) -> Rendered:
    if reply.status == ANSWERED and reply.entry is not None:
        return render_answer(reply, question_id)
    if reply.status == SUGGEST and reply.suggestions:
        return render_suggestions(reply, question_id)
    return Rendered(discord.Embed(description=clip(reply.message, MAX_DESCRIPTION), colour=discord.Colour.light_grey()))


def render_answer(reply: Reply, question_id: int) -> Rendered:
    entry = reply.entry
    embed = discord.Embed(title=clip(entry.question, MAX_TITLE), description=clip(entry.answer_text, MAX_DESCRIPTION),
                          colour=COLOURS[ANSWERED])
    embed.set_footer(text=clip(f"backend-bot knowledge base · entry: {entry.id}", MAX_FOOTER))
    view = discord.ui.View(timeout=None)
    add_answer_buttons(view, reply.related, discord.ButtonStyle.secondary)
    view.add_item(VoteButton(question_id, "helpful", entry.id))
    view.add_item(VoteButton(question_id, "not_helpful", entry.id))
    return Rendered(embed, view)


def render_suggestions(reply: Reply, question_id: int) -> Rendered:
    choices = "\n".join(f"{number}. {match.entry.question}" for number, match in enumerate(reply.suggestions, 1))
    description = clip(f"{reply.message}\n\n{choices}", MAX_DESCRIPTION)
    embed = discord.Embed(title="Did you mean…", description=description, colour=COLOURS[SUGGEST])
    embed.set_footer(text="Pick one to see its answer, or tell me none of these fit.")
    view = discord.ui.View(timeout=None)
    add_answer_buttons(view, [match.entry for match in reply.suggestions], discord.ButtonStyle.primary)
    view.add_item(NoneOfTheseButton(question_id))
    return Rendered(embed, view)


def add_answer_buttons(view: discord.ui.View, entries, style: discord.ButtonStyle) -> None:
    for entry in entries:
        button = AnswerButton.for_entry(entry, style, RELATED_ROW)
        if button is not None:
            view.add_item(button)


def render_help(topics: tuple[str, ...]) -> Rendered:
    lines = [
        "I answer backend-engineering questions from the team's knowledge base.",
        "",
        "• `/ask question:` followed by your question, in any channel I am in",
        "• mention me with a question, or send me a direct message",
        "• the buttons under an answer show related questions and tell the team whether it helped",
        "• `/schedule` shows this channel's daily tip and quiz of the day, `/leaderboard` the quiz scores; "
        "members with Manage Server turn them on and off with `/tips` and `/quiz`",
    ]
    if topics:
        lines += ["", "Topics I know about: " + ", ".join(topics) + "."]
    embed = discord.Embed(title="backend-bot help", description=clip("\n".join(lines), MAX_DESCRIPTION))
    return Rendered(embed, ephemeral=True)


def render_note(text: str) -> Rendered:
    """A short reply only the person who clicked sees."""
    return Rendered(discord.Embed(description=clip(text, MAX_DESCRIPTION)), ephemeral=True)


def make_request(interaction: discord.Interaction, text: str) -> Request:
    return Request(text=text, user=str(interaction.user.id), channel=str(interaction.channel_id or ""),
                   platform="discord")


# Persistent buttons: all their state is in the custom_id, so they keep working after a restart (issue 4).

class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"bb:answer:(?P<entry_id>[a-z0-9-]+)"):
    """Answers one knowledge entry: a related question, or a "did you mean" candidate."""

    def __init__(self, entry_id: str, label: str = "Answer", style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                 row: int | None = None):
        button = discord.ui.Button(label=clip(label, MAX_LABEL), style=style, custom_id=f"bb:answer:{entry_id}")
        super().__init__(button, row=row)
        self.entry_id = entry_id

    @classmethod
    def for_entry(cls, entry: Entry, style: discord.ButtonStyle, row: int) -> "AnswerButton | None":
        """The button for `entry`, or None when its id is too long for a custom_id."""
        if len(f"bb:answer:{entry.id}") > MAX_CUSTOM_ID:
            return None
        return cls(entry.id, entry.short_label, style, row)

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "AnswerButton":
        return cls(match["entry_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = interaction.client.bot
        entry = bot.responder.knowledge.get(self.entry_id)
        if entry is None:
            await send_response(interaction, render_note(
                "That question is no longer in the knowledge base. Ask me again in your own words."))
            return
        reply = bot.responder.answer(entry)
        question_id = bot.storage.log_question(make_request(interaction, entry.question), reply)
        await send_response(interaction, render_reply(reply, question_id))


VOTES = {"helpful": ("Helpful", "👍", discord.ButtonStyle.success),
         "not_helpful": ("Not helpful", "👎", discord.ButtonStyle.secondary)}


VOTE_TEMPLATE = r"bb:vote:(?P<question_id>\d{1,19}):(?P<verdict>helpful|not_helpful)(?::(?P<entry_id>[a-z0-9-]+))?"


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=VOTE_TEMPLATE):
    """Helpful / not helpful on one answer; one vote per person per answer (a second vote replaces the first)."""

    def __init__(self, question_id: int, verdict: str, entry_id: str | None = None):
        custom_id = f"bb:vote:{question_id}:{verdict}"
        if entry_id and len(f"{custom_id}:{entry_id}") <= MAX_CUSTOM_ID:
            custom_id += f":{entry_id}"
        label, emoji, style = VOTES[verdict]
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id), row=VOTE_ROW)
        self.question_id, self.verdict, self.entry_id = question_id, verdict, entry_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "VoteButton":
        return cls(int(match["question_id"]), match["verdict"], match["entry_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        thanks = ("Thanks! Glad it helped." if self.verdict == "helpful" else
                  "Thanks for saying so: the team reviews answers marked not helpful.")
        await record_vote(interaction, self.question_id, self.verdict, self.entry_id, thanks)


class NoneOfTheseButton(discord.ui.DynamicItem[discord.ui.Button], template=r"bb:none:(?P<question_id>\d{1,19})"):
    """Says no "did you mean" candidate fits; logged so the team can add the missing knowledge."""

    def __init__(self, question_id: int):
        button = discord.ui.Button(label="None of these", style=discord.ButtonStyle.secondary,
                                   custom_id=f"bb:none:{question_id}")
        super().__init__(button, row=VOTE_ROW)
        self.question_id = question_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "NoneOfTheseButton":
        return cls(int(match["question_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await record_vote(interaction, self.question_id, "none_of_these", None,
                          "Thanks, noted: the team will look at this question. Try asking it in other words, "
                          "or use `/backend help` to see what I know about.")


async def record_vote(interaction: discord.Interaction, question_id: int, verdict: str, entry_id: str | None,
                      thanks: str) -> None:
    try:
        interaction.client.bot.storage.record_feedback(question_id, str(interaction.user.id), verdict, entry_id)
    except StorageError:
        log.exception("could not store Discord feedback on question %s", question_id)
        thanks = "Sorry, I could not save that just now. Please try again in a minute."
    await send_response(interaction, render_note(thanks))


async def send_response(interaction: discord.Interaction, rendered: Rendered) -> None:
    await interaction.response.send_message(**rendered.as_response())
