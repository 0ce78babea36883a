"""The weekly review as an embed with a row of buttons per item (teach to an entry, new entry, ignore), and the
new-entry form as a Discord modal. Buttons carry all their state, so they work after a restart."""

import re

import discord

from ...core.entries import FIELDS, LABELS, MAX_CHARS, REQUIRED, EntryForm, FormProblems
from ...core.replies import Note
from ...core.review import IGNORE, TEACH, Review, figures_line, review_items
from .render import (ADMINS, MAX_DESCRIPTION, MAX_LABEL, MAX_TITLE, Rendered, clip, manages_server, place_of,
                     render_note, respond)
from .render_daily import post_marker

# Five rows of five buttons is all a Discord message holds: one row per item.
MAX_ITEMS = 5
MAX_QUESTION_CHARS = 300
REVIEW_COLOUR = discord.Colour.orange()
# Discord labels a modal's inputs with at most 45 characters.
MAX_INPUT_LABEL = 45
# A form left open longer than this is forgotten (its submission then fails, and Discord says so).
FORM_TIMEOUT = 30 * 60


def render_digest(review: Review, post_id: int | None = None) -> Rendered:
    items, more = review_items(review, MAX_ITEMS)
    lines = [figures_line(review) + " (beside the week before)", ""]
    if not items:
        lines.append("Nothing to review: every question was answered and nobody voted an answer down.")
    for number, item in enumerate(items, 1):
        lines.append(f"**{number}. {item.heading}**\n“{clip(item.question, MAX_QUESTION_CHARS)}”{item.detail}")
    if more:
        lines.append(f"…and {more} more: `backend-bot kb review` shows them all.")
    embed = discord.Embed(title=clip(f"Weekly review: the last {review.days} days", MAX_TITLE),
                          description=clip("\n".join(lines), MAX_DESCRIPTION), colour=REVIEW_COLOUR)
    embed.set_footer(text="Only admins can act on these" + post_marker(post_id))
    view = discord.ui.View(timeout=None)
    for row, item in enumerate(items):
        for position, entry_id in enumerate(item.entries[:3]):
            button = ReviewButton(TEACH, item.question_id, entry_id, row, f"{row + 1}: phrasing of {entry_id}")
            if button.fits:
                view.add_item(button)
        view.add_item(ReviewButton("new", item.question_id, "", row, f"{row + 1}: new entry"))
        view.add_item(ReviewButton(IGNORE, item.question_id, "", row, f"{row + 1}: ignore"))
    return Rendered(embed, view)


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"bb:rv:(?P<action>teach|new|ignore):(?P<question_id>\d{1,19})(?::(?P<entry_id>[a-z0-9-]+))?"):
    """One thing an admin can do about a review item; the service checks the admin rule."""

    def __init__(self, action: str, question_id: int, entry_id: str = "", row: int | None = None,
                 label: str = "Review"):
        custom_id = f"bb:rv:{action}:{question_id}" + (f":{entry_id}" if entry_id else "")
        self.fits = len(custom_id) <= 100
        style = discord.ButtonStyle.primary if action == TEACH else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=clip(label, MAX_LABEL), style=style, custom_id=custom_id[:100]),
                         row=row)
        self.action, self.question_id, self.entry_id = action, question_id, entry_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "ReviewButton":
        return cls(match["action"], int(match["question_id"]), match["entry_id"] or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        service = interaction.client.service
        if self.action == "new":
            await open_entry_form(interaction, self.question_id)
            return
        review = service.review(self.action, self.question_id, self.entry_id, place_of(interaction),
                                lambda: manages_server(interaction), ADMINS)
        await respond(interaction, review, ephemeral=True, present=lambda note: render_note(note.text))


async def open_entry_form(interaction: discord.Interaction, question_id: int = 0) -> None:
    """The modal must be Discord's first answer to the interaction: the admin rule is asked before it."""
    form = await interaction.client.service.entry_form(place_of(interaction), lambda: manages_server(interaction),
                                                       ADMINS, question_id)
    if isinstance(form, Note):
        await interaction.response.send_message(**render_note(form.text).as_response())
        return
    await interaction.response.send_modal(EntryModal(form))


class EntryModal(discord.ui.Modal):
    """Question, answer, tags, related ids and id: Discord's five inputs. Discord cannot show errors beside the
    fields, so they come back in a message only the admin sees, with what they typed kept in the form's answer."""

    def __init__(self, form: EntryForm, typed: dict[str, str] | None = None):
        # A form of one's own: two admins filling in forms at once never share one.
        super().__init__(title="New knowledge entry", timeout=FORM_TIMEOUT, custom_id=f"bb:entry:{id(self)}")
        typed = typed or {"question": form.question}
        self.inputs = {}
        for name in FIELDS:
            text_input = discord.ui.TextInput(
                label=clip(LABELS[name], MAX_INPUT_LABEL), custom_id=name, required=name in REQUIRED,
                max_length=MAX_CHARS[name], default=typed.get(name) or None,
                style=discord.TextStyle.paragraph if name == "answer" else discord.TextStyle.short)
            self.inputs[name] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        fields = {name: text_input.value or "" for name, text_input in self.inputs.items()}

        def present(result) -> Rendered:
            if not isinstance(result, FormProblems):
                return render_note(result.text)
            # What was typed is kept (in this process, for a while) so the form reopens with it.
            drafts[interaction.user.id] = fields
            while len(drafts) > MAX_DRAFTS:
                drafts.pop(next(iter(drafts)))
            rendered = render_note(result.text)
            view = discord.ui.View(timeout=None)
            view.add_item(FixEntryButton())
            return Rendered(rendered.embed, view, ephemeral=True)

        adding = interaction.client.service.add_entry(fields, place_of(interaction),
                                                      lambda: manages_server(interaction), ADMINS)
        await respond(interaction, adding, ephemeral=True, present=present)


# Forms sent back with errors, by the admin who typed them: what the "Fix the entry" button reopens.
drafts: dict[int, dict[str, str]] = {}
MAX_DRAFTS = 100


class FixEntryButton(discord.ui.DynamicItem[discord.ui.Button], template=r"bb:entry-fix"):
    """Reopens the form with what the admin typed, since Discord cannot show errors inside a form."""

    def __init__(self):
        super().__init__(discord.ui.Button(label="Fix the entry", style=discord.ButtonStyle.primary,
                                           custom_id="bb:entry-fix"))

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match) -> "FixEntryButton":
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        typed = drafts.pop(interaction.user.id, None)
        if typed is None:
            await interaction.response.send_message(**render_note("That form is gone; start again with `/entry`.")
                                                    .as_response())
            return
        await interaction.response.send_modal(EntryModal(EntryForm(typed.get("question", "")), typed))
