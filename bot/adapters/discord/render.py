"""Discord rendering: replies as embeds, the persistent buttons that answer, vote and say "none of these", and
answering an interaction in time (deferred when the service is slow)."""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from ...core.commands import Place
from ...core.feedback import HELPFUL, NOT_HELPFUL
from ...core.knowledge import Entry
from ...core.replies import ALSO_CLOSE, ANSWERED, SUGGEST, UNKNOWN, Intent, Note, NoteKind, Reply, Request
from ...core.scores import Leaderboard, format_leaderboard

log = logging.getLogger(__name__)

# Discord rejects a message that breaks one of these (DESIGN.md, "Platform limits").
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
# Discord allows a 2048-character footer, but a short one keeps title + description + footer under the
# 6000 characters allowed for all of an embed's text (256 + 4096 + 256).
MAX_FOOTER = 256
MAX_LABEL = 80
MAX_FIELD = 1024
MAX_CUSTOM_ID = 100
# Discord rejects message content over 2000 characters.
MAX_CONTENT = 2000
# Discord forgets an interaction not answered within 3 seconds; one whose answer is not ready by this time is
# deferred ("thinking..."), and the answer follows when the service has it.
DEFER_AFTER = 0.5
NO_MENTIONS = discord.AllowedMentions.none()
# Who may change schedules, teach and add entries on Discord, as notes name them.
ADMINS = "members with Manage Server or people in BOT_ADMINS"
RELATED_ROW, VOTE_ROW = 0, 1
COLOURS = {ANSWERED: discord.Colour.green(), SUGGEST: discord.Colour.gold()}


@dataclass(frozen=True)
class Rendered:
    embed: discord.Embed | None
    view: discord.ui.View | None = None
    ephemeral: bool = False
    content: str = ""

    def as_message(self) -> dict:
        """Keyword arguments for channel.send; nothing sent by the bot may ping anyone."""
        message = {"allowed_mentions": NO_MENTIONS}
        if self.embed is not None:
            message["embed"] = self.embed
        if self.content:
            message["content"] = self.content
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


def mention(user: str) -> str:
    """How a reveal or the leaderboard names someone; sent with no allowed mentions, so it never pings."""
    return f"<@{user}>"


def render(reply: Reply | Note | Leaderboard) -> Rendered:
    if isinstance(reply, Reply):
        return render_reply(reply)
    if isinstance(reply, Note):
        if reply.kind not in NoteKind:
            raise TypeError(f"Discord cannot render a note of kind {reply.kind!r}")
        return render_note(reply.text)
    if isinstance(reply, Leaderboard):
        return render_text(format_leaderboard(reply, mention))
    raise TypeError(f"Discord cannot render a {type(reply).__name__}")


def render_reply(reply: Reply) -> Rendered:
    if reply.status == ANSWERED and reply.entry is not None:
        return render_answer(reply, reply.question_id)
    if reply.status == SUGGEST and reply.suggestions:
        return render_suggestions(reply, reply.question_id)
    if reply.status not in (UNKNOWN, SUGGEST):
        raise TypeError(f"Discord cannot render a reply with status {reply.status!r}")
    if reply.intent == Intent.HELP:
        return render_help(reply.topics)
    return Rendered(discord.Embed(description=clip(reply.message, MAX_DESCRIPTION), colour=discord.Colour.light_grey()))


def render_answer(reply: Reply, question_id: int) -> Rendered:
    entry = reply.entry
    # The title links to where the answer comes from, when the knowledge says.
    embed = discord.Embed(title=clip(entry.question, MAX_TITLE), description=clip(entry.answer_text, MAX_DESCRIPTION),
                          colour=COLOURS[ANSWERED], url=entry.source or None)
    embed.set_footer(text=clip(f"backend-bot knowledge base · entry: {entry.id}", MAX_FOOTER))
    if reply.alternatives:
        embed.add_field(name=ALSO_CLOSE, value=clip("; ".join(other.question for other in reply.alternatives),
                                                    MAX_FIELD), inline=False)
    view = discord.ui.View(timeout=None)
    add_answer_buttons(view, reply.alternatives, discord.ButtonStyle.primary)
    add_answer_buttons(view, reply.related, discord.ButtonStyle.secondary)
    view.add_item(VoteButton(question_id, HELPFUL, entry.id))
    view.add_item(VoteButton(question_id, NOT_HELPFUL, entry.id))
    return Rendered(embed, view)


def render_suggestions(reply: Reply, question_id: int) -> Rendered:
    choices = "\n".join(f"{number}. {match.entry.question}" for number, match in enumerate(reply.suggestions, 1))
    description = clip(f"{reply.message}\n\n{choices}", MAX_DESCRIPTION)
    embed = discord.Embed(title="Did you mean…", description=description, colour=COLOURS[SUGGEST])
    embed.set_footer(text="Pick one to see its answer, or tell me none of these fit.")
    view = discord.ui.View(timeout=None)
    add_answer_buttons(view, [match.entry for match in reply.suggestions], discord.ButtonStyle.primary, question_id)
    view.add_item(NoneOfTheseButton(question_id))
    return Rendered(embed, view)


def add_answer_buttons(view: discord.ui.View, entries, style: discord.ButtonStyle, question_id: int = 0) -> None:
    for entry in entries:
        button = AnswerButton.for_entry(entry, style, RELATED_ROW, question_id)
        if button is not None:
            view.add_item(button)


def render_help(topics: tuple[str, ...]) -> Rendered:
    lines = [
        "I answer backend-engineering questions from the team's knowledge base.",
        "",
        "• `/ask question:` followed by your question, in any channel I am in",
        "• mention me with a question, or send me a direct message",
        "• the buttons under an answer show related questions (first, any entry nearly as close to what you asked) "
        "and tell the team whether it helped",
        "• `/schedule` shows this channel's daily tip and quiz of the day, `/leaderboard` the quiz scores; "
        "members with Manage Server turn them on and off with `/tips` and `/quiz`",
    ]
    if topics:
        lines += ["", "Topics I know about: " + ", ".join(topics) + "."]
    embed = discord.Embed(title="backend-bot help", description=clip("\n".join(lines), MAX_DESCRIPTION))
    return Rendered(embed, ephemeral=True)


def render_text(text: str) -> Rendered:
    """Plain words for the person who typed a command alone; names in it never ping anyone."""
    return Rendered(None, content=clip(text, MAX_CONTENT), ephemeral=True)


def render_note(text: str) -> Rendered:
    """A short reply only the person who clicked sees."""
    return Rendered(discord.Embed(description=clip(text, MAX_DESCRIPTION)), ephemeral=True)


def place_of(interaction: discord.Interaction) -> Place:
    """Where and by whom a command was typed or a button clicked, for the service's admin rule."""
    return Place("discord", str(interaction.channel_id or ""), str(interaction.user.id),
                 str(interaction.guild_id or ""))


async def manages_server(interaction: discord.Interaction) -> bool:
    """Discord's admins: members with Manage Server (or Administrator) where they act."""
    permissions = interaction.permissions
    return bool(permissions.manage_guild or permissions.administrator)


def make_request(interaction: discord.Interaction, text: str) -> Request:
    return Request(text=text, user=str(interaction.user.id), channel=str(interaction.channel_id or ""),
                   platform="discord", workspace=str(interaction.guild_id or ""))


async def respond(interaction: discord.Interaction, work: Awaitable, ephemeral: bool,
                  present: Callable[..., Rendered] | None = None) -> None:
    """Answers the interaction with what `work` (a service call) replies, deferring first when it is slow.

    `ephemeral` says how the deferral shows ("thinking..." for everyone, or for the clicker alone); `present`
    renders the reply (default: `render`)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    rendered = (present or render)(await task)
    if interaction.response.is_done():
        await interaction.followup.send(**rendered.as_response())
    else:
        await interaction.response.send_message(**rendered.as_response())


# Persistent buttons: all their state is in the custom_id, so they keep working after a restart (issue 4).

class AnswerButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"bb:answer:(?P<entry_id>[a-z0-9-]+)(?::(?P<question_id>\d{1,19}))?"):
    """Answers one knowledge entry: a related question, or a "did you mean" candidate (which carries the
    question it was offered for, so the pick is kept)."""

    def __init__(self, entry_id: str, label: str = "Answer", style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                 row: int | None = None, question_id: int = 0):
        custom_id = f"bb:answer:{entry_id}" + (f":{question_id}" if question_id else "")
        button = discord.ui.Button(label=clip(label, MAX_LABEL), style=style, custom_id=custom_id)
        super().__init__(button, row=row)
        self.entry_id, self.question_id = entry_id, question_id

    @classmethod
    def for_entry(cls, entry: Entry, style: discord.ButtonStyle, row: int,
                  question_id: int = 0) -> "AnswerButton | None":
        """The button for `entry`, or None when its id is too long for a custom_id."""
        if len(f"bb:answer:{entry.id}:{question_id}") > MAX_CUSTOM_ID:
            return None
        return cls(entry.id, entry.short_label, style, row, question_id)

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "AnswerButton":
        return cls(match["entry_id"], question_id=int(match["question_id"] or 0))

    async def callback(self, interaction: discord.Interaction) -> None:
        follow = interaction.client.service.follow(make_request(interaction, ""), self.entry_id, self.question_id)
        await respond(interaction, follow, ephemeral=False)


VOTES = {HELPFUL: ("Helpful", "👍", discord.ButtonStyle.success),
         NOT_HELPFUL: ("Not helpful", "👎", discord.ButtonStyle.secondary)}


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
        vote = interaction.client.service.vote(self.question_id, str(interaction.user.id), self.verdict, self.entry_id)
        await respond(interaction, vote, ephemeral=True)


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
        miss = interaction.client.service.none_of_these(self.question_id, str(interaction.user.id))
        await respond(interaction, miss, ephemeral=True)
