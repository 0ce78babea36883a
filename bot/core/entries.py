"""New knowledge entries written in chat: the form's fields, and the entry they make, in a knowledge file's own
shape so the same rules check it and `kb learned --export` writes it back out unchanged."""

import re
import unicodedata
from dataclasses import dataclass, field

from .knowledge import MAX_ID_CHARS
from .text import well_formed

# The form's fields, in the order a person fills them in; Discord's modals hold at most five.
FIELDS = ("question", "answer", "tags", "related", "id")
LABELS = {"question": "Question, as people ask it", "answer": "Answer (a line starting with - is a point)",
          "tags": "Tags, comma-separated", "related": "Related entry ids, comma-separated",
          "id": "Entry id (leave empty to make one from the question)"}
# What each field may hold in a form: the platform shows these limits as it types.
MAX_CHARS = {"question": 300, "answer": 3000, "tags": 300, "related": 300, "id": MAX_ID_CHARS}
REQUIRED = ("question", "answer")
_POINT = re.compile(r"^\s*[-•*]\s+")


@dataclass(frozen=True)
class EntryForm:
    """Show the new-entry form, with the question filled in when it comes from the review."""

    question: str = ""


@dataclass(frozen=True)
class FormProblems:
    """Why the form cannot be saved yet, per field: shown beside the field where the platform can."""

    problems: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "The entry was not added: " + "; ".join(f"{name} {message}" for name, message in self.problems.items())


def slug(text: str) -> str:
    """'How do we rotate secrets?' -> 'how-do-we-rotate-secrets', at most MAX_ID_CHARS, cut at a word."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    made = ""
    for word in words:
        longer = f"{made}-{word}" if made else word
        if len(longer) > MAX_ID_CHARS:
            break
        made = longer
    return made or "entry"


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def entry_from_form(fields: dict[str, str]) -> dict:
    """The entry the form describes, as a knowledge file holds it (id, question, answer, tags, related)."""
    values = {name: " ".join(well_formed(str(fields.get(name) or "")).split()) if name != "answer"
              else well_formed(str(fields.get(name) or "")).strip() for name in FIELDS}
    lines = [line.strip() for line in values["answer"].splitlines() if line.strip()]
    points = [_POINT.sub("", line) for line in lines]
    answer: str | list[str] = points if len(lines) > 1 and all(_POINT.match(line) for line in lines) \
        else values["answer"]
    entry: dict = {"id": values["id"].lower() or slug(values["question"]), "question": values["question"],
                   "answer": answer}
    if values["tags"]:
        entry["tags"] = _list(values["tags"])
    if values["related"]:
        entry["related"] = [item.lower() for item in _list(values["related"])]
    return entry


def form_problems(fields: dict[str, str]) -> dict[str, str]:
    """What the form itself gets wrong before the knowledge rules are asked: missing or too long."""
    found = {}
    for name in FIELDS:
        value = str(fields.get(name) or "").strip()
        if name in REQUIRED and not value:
            found[name] = "is needed"
        elif len(value) > MAX_CHARS[name]:
            found[name] = f"is longer than {MAX_CHARS[name]} characters"
    return found

