"""The weekly review as Block Kit, with a button for each thing an admin can do about an item, and the form for a
new entry as a modal whose fields show the knowledge rules' errors."""

from ...core.entries import FIELDS, LABELS, MAX_CHARS, REQUIRED, EntryForm
from ...core.knowledge import shorten
from ...core.review import IGNORE, TEACH, Review, figures_line, review_items
from .render import MAX_BLOCKS, button, context, encode_value, escape, section
from .render_daily import fallback, header

REVIEW_ACTION = "review"
NEW = "new"
ENTRY_VIEW = "new_entry"
VALUE_ACTION = "value"
# Each item takes a section and a row of buttons; the header, figures and the closing line take the rest.
MAX_ITEMS = (MAX_BLOCKS - 4) // 2
MAX_QUESTION_CHARS = 300


def quoted(text: str) -> str:
    return f"“{escape(shorten(text, MAX_QUESTION_CHARS))}”"


def render_digest(review: Review) -> dict:
    items, more = review_items(review, MAX_ITEMS)
    blocks = [header(f"Weekly review: the last {review.days} days", "review_title"),
              context(escape(figures_line(review)) + " (beside the week before)", "review_figures")]
    if not items:
        blocks.append(section("Nothing to review: every question was answered and nobody voted an answer down.",
                              "review_empty"))
    for number, item in enumerate(items):
        blocks.append(section(f"*{escape(item.heading)}*\n{quoted(item.question)}{escape(item.detail)}",
                              f"review_item_{number}"))
        buttons = [button(f"Add as a phrasing of {entry_id}", f"{REVIEW_ACTION}_{TEACH}_{position}",
                          encode_value(item.question_id, entry_id), "primary" if position == 0 and item.approve
                          else None) for position, entry_id in enumerate(item.entries)]
        buttons += [button("New entry", f"{REVIEW_ACTION}_{NEW}", encode_value(item.question_id)),
                    button("Ignore", f"{REVIEW_ACTION}_{IGNORE}", encode_value(item.question_id))]
        blocks.append({"type": "actions", "block_id": f"review_actions_{number}", "elements": buttons})
    if more:
        blocks.append(context(f"…and {more} more: `backend-bot kb review` shows them all.", "review_more"))
    return {"text": fallback(f"Weekly review: {figures_line(review)}"), "blocks": blocks}


def entry_modal(form: EntryForm, channel: str, problems: dict[str, str] | None = None) -> dict:
    """The new-entry form; `channel` comes back with the submission, so the answer goes where it was asked."""
    blocks = []
    for name in FIELDS:
        element = {"type": "plain_text_input", "action_id": VALUE_ACTION, "max_length": MAX_CHARS[name],
                   "multiline": name == "answer"}
        if name == "question" and form.question:
            element["initial_value"] = shorten(form.question, MAX_CHARS[name])
        blocks.append({"type": "input", "block_id": name, "optional": name not in REQUIRED,
                       "label": {"type": "plain_text", "text": LABELS[name]}, "element": element})
    return {"type": "modal", "callback_id": ENTRY_VIEW, "private_metadata": channel,
            "title": {"type": "plain_text", "text": "New knowledge entry"},
            "submit": {"type": "plain_text", "text": "Add entry"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def modal_fields(view: dict) -> dict[str, str]:
    """The submitted form's fields from a view_submission's `view.state`."""
    values = (view.get("state") or {}).get("values") or {}
    fields = {}
    for name in FIELDS:
        value = (values.get(name) or {}).get(VALUE_ACTION) or {}
        fields[name] = str(value.get("value") or "")
    return fields
