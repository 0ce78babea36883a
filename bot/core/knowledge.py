"""The knowledge base: entries, and validation of parsed knowledge documents with file/entry/field errors."""

import re
from dataclasses import dataclass, field, replace

from .intents import INTENTS

# Buttons on both platforms must hold a label; Slack allows 75 characters and Discord 80.
MAX_LABEL_CHARS = 75
# An id travels in Discord's 100-character custom_id ("bb:vote:<question id>:not_helpful:<id>") and Slack values.
MAX_ID_CHARS = 60
# Caps that keep a broken or hostile file from taking minutes and gigabytes to index; kb check reports them.
MAX_LIST_ITEMS = 300          # aliases, examples, tags, related ids or answer points in one entry
MAX_TEXT_CHARS = 20_000       # one question, alias, tag or answer point
MAX_TOTAL_CHARS = 20_000_000  # everything indexed, over all files
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    answer: tuple[str, ...]
    is_list: bool = False
    aliases: tuple[str, ...] = ()
    # Questions people asked in their own words that the entry answers: compared by meaning, never word for word
    # (a story's every word would otherwise count as the entry's).
    examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    label: str = ""
    origin: str = ""
    # Where the answer comes from: the entry's own `source` link, else its file's (None when neither is a link).
    source: str = ""
    # What kinds of question it answers (see intents.py); empty means any.
    intents: tuple[str, ...] = ()

    @property
    def answer_text(self) -> str:
        if self.is_list:
            return "\n".join(f"• {point}" for point in self.answer)
        return self.answer[0]

    @property
    def short_label(self) -> str:
        return self.label or shorten(self.question, MAX_LABEL_CHARS)


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: entry {self.entry}" if self.entry else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class KnowledgeError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class KnowledgeBase:
    entries: list[Entry]
    sources: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id = {entry.id: entry for entry in self.entries}

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary, with an ellipsis; never half a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def _text_list(value, file, where, name, problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        problems.append(Problem(file, where, name, "must be a list of non-empty strings"))
        return ()
    if len(value) > MAX_LIST_ITEMS:
        problems.append(Problem(file, where, name, f"has {len(value)} items; at most {MAX_LIST_ITEMS} are allowed"))
        return ()
    if any(len(item) > MAX_TEXT_CHARS for item in value):
        problems.append(Problem(file, where, name, f"has an item longer than {MAX_TEXT_CHARS} characters"))
        return ()
    return tuple(item.strip() for item in value)


def _required_text(raw: dict, name: str, file: str, where: str, problems: list[Problem]) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, where, name, "is missing or empty"))
        return ""
    if len(value) > MAX_TEXT_CHARS:
        problems.append(Problem(file, where, name, f"is longer than {MAX_TEXT_CHARS} characters"))
        return ""
    return value.strip()


def _parse_answer(raw: dict, file: str, where: str, problems: list[Problem]) -> tuple[tuple[str, ...], bool]:
    answer = raw.get("answer")
    if isinstance(answer, str) and answer.strip():
        if len(answer) > MAX_TEXT_CHARS:
            problems.append(Problem(file, where, "answer", f"is longer than {MAX_TEXT_CHARS} characters"))
            return (), False
        return (answer.strip(),), False
    if isinstance(answer, list) and answer:
        points = _text_list(answer, file, where, "answer", problems)
        return points, True
    problems.append(Problem(file, where, "answer", "is missing or empty (text or a list of points)"))
    return (), False


def parse_entry(raw, file: str, position: int, problems: list[Problem]) -> Entry | None:
    where = f"#{position}"
    if not isinstance(raw, dict):
        problems.append(Problem(file, where, "", "must be a mapping with id, question and answer"))
        return None
    entry_id = raw.get("id")
    if isinstance(entry_id, str) and entry_id:
        where = f"'{entry_id}' (#{position})"
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        problems.append(Problem(file, where, "id", "must be a lower-case slug like 'make-idempotent'"))
    elif len(entry_id) > MAX_ID_CHARS:
        problems.append(Problem(file, where, "id", f"is longer than {MAX_ID_CHARS} characters, which buttons cannot "
                                                   "carry"))
    known = {"id", "question", "answer", "aliases", "examples", "tags", "related", "label", "source", "intents"}
    for name in sorted(set(raw) - known, key=str):  # YAML keys may be numbers, dates or null beside text
        problems.append(Problem(file, where, str(name), f"is not a known field (known: {', '.join(sorted(known))})"))
    question = _required_text(raw, "question", file, where, problems)
    answer, is_list = _parse_answer(raw, file, where, problems)
    label = raw.get("label") or ""
    if not isinstance(label, str) or len(label) > MAX_LABEL_CHARS:
        problems.append(Problem(file, where, "label", f"must be text of at most {MAX_LABEL_CHARS} characters"))
        label = ""
    return Entry(
        id=entry_id if isinstance(entry_id, str) else "",
        question=question,
        answer=answer,
        is_list=is_list,
        aliases=_text_list(raw.get("aliases"), file, where, "aliases", problems),
        examples=_text_list(raw.get("examples"), file, where, "examples", problems),
        tags=_text_list(raw.get("tags"), file, where, "tags", problems),
        related=_text_list(raw.get("related"), file, where, "related", problems),
        label=label.strip(),
        origin=file,
        source=_link(raw.get("source"), file, where, problems),
        intents=_intents(raw.get("intents"), file, where, problems),
    )


def _intents(value, file: str, where: str, problems: list[Problem]) -> tuple[str, ...]:
    intents = _text_list(value, file, where, "intents", problems)
    unknown = [intent for intent in intents if intent not in INTENTS]
    if unknown:
        problems.append(Problem(file, where, "intents", f"has {', '.join(map(repr, unknown))}; an intent is one of "
                                                        f"{', '.join(INTENTS)}"))
        return ()
    return intents


_LINK = re.compile(r"^https?://[^\s<>|]+$")


def _link(value, file: str, where: str, problems: list[Problem]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not _LINK.match(value.strip()) or len(value) > 2000:
        problems.append(Problem(file, where, "source", "must be an http(s) link"))
        return ""
    return value.strip()


# Mappings of entry ids to more texts for entries of any file, as a file may hold beside (or instead of) entries.
PHRASING_FIELDS = ("aliases", "examples")


def parse_document(data, file: str, problems: list[Problem]) -> tuple[list[Entry], dict]:
    """A file's entries and its source; its `aliases` and `examples` (more texts for entries of any file) go in the
    source, as (text, entry id) pairs."""
    mappings = [name for name in PHRASING_FIELDS if isinstance(data, dict) and name in data]
    if not isinstance(data, dict) or not isinstance(data.get("entries", [] if mappings else None), list):
        problems.append(Problem(file, "", "entries", "the file must be a mapping with an 'entries' list"))
        return [], {}
    entries = [parse_entry(raw, file, position, problems) for position, raw in enumerate(data.get("entries", []), 1)]
    source = {key: data[key] for key in ("title", "source", "attribution") if isinstance(data.get(key), str)}
    phrasings = {name: _parse_phrasings(data[name], file, name, problems) if name in mappings else []
                 for name in PHRASING_FIELDS}
    return [entry for entry in entries if entry is not None], {"file": file, **source, **phrasings}


def _parse_phrasings(value, file: str, name: str, problems: list[Problem]) -> list[tuple[str, str]]:
    """`aliases: {entry-id: [phrasing, ...]}` (what `kb learned --export` writes) or `examples:` alike: texts for
    entries defined in any file."""
    if not isinstance(value, dict):
        problems.append(Problem(file, "", name, "must map entry ids to lists of phrasings"))
        return []
    found = []
    for entry_id, texts in value.items():
        for text in _text_list(texts, file, f"'{entry_id}'", name, problems):
            found.append((text, str(entry_id)))
    return found


def _check_links(entries: list[Entry], problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for entry in entries:
        if not entry.id:
            continue
        if entry.id in seen:
            problems.append(Problem(entry.origin, f"'{entry.id}'", "id", f"is already used in {seen[entry.id]}"))
        seen.setdefault(entry.id, entry.origin)
    for entry in entries:
        for related_id in entry.related:
            if related_id not in seen:
                problems.append(Problem(entry.origin, f"'{entry.id}'", "related", f"names unknown id '{related_id}'"))


def build_knowledge(documents: list[tuple[str, object]], problems: list[Problem] | None = None) -> KnowledgeBase:
    """A knowledge base from (file name, parsed data) pairs; raises KnowledgeError listing every problem."""
    problems = [] if problems is None else problems
    entries: list[Entry] = []
    sources: list[dict] = []
    for file, data in documents:
        file_entries, source = parse_document(data, file, problems)
        entries.extend(file_entries)
        if source:
            sources.append(source)
    _check_links(entries, problems)
    extra = {name: [pair for source in sources for pair in source.pop(name, [])] for name in PHRASING_FIELDS}
    links = {source["file"]: source["source"] for source in sources if _LINK.match(source.get("source", ""))}
    entries = [entry if entry.source or entry.origin not in links else replace(entry, source=links[entry.origin])
               for entry in entries]
    known = {entry.id for entry in entries}
    for name, pairs in extra.items():
        for entry_id in dict.fromkeys(entry_id for _, entry_id in pairs if entry_id not in known):
            problems.append(Problem("knowledge", f"'{entry_id}'", name, f"names unknown id '{entry_id}'"))
    total = sum(len(text) for entry in entries
                for text in (entry.question, *entry.answer, *entry.aliases, *entry.examples, *entry.tags))
    total += sum(len(text) for pairs in extra.values() for text, _ in pairs)
    if total > MAX_TOTAL_CHARS:
        problems.append(Problem("knowledge", "", "", f"holds {total:,} characters; at most {MAX_TOTAL_CHARS:,} can be "
                                                     "indexed"))
    if not entries and not problems:
        problems.append(Problem("knowledge", "", "", "no knowledge entries were found"))
    if problems:
        raise KnowledgeError(problems)
    knowledge = with_aliases(KnowledgeBase(entries, sources), extra["aliases"])[0]
    return with_aliases(knowledge, extra["examples"], "examples")[0]


def with_aliases(knowledge: KnowledgeBase, aliases: list[tuple[str, str]],
                 field_name: str = "aliases") -> tuple[KnowledgeBase, list[tuple[str, str]]]:
    """The knowledge with extra (phrasing, entry id) aliases (or examples, by `field_name`) added to their entries,
    and the ones whose entry is no longer there, returned rather than dropped."""
    extra: dict[str, list[str]] = {}
    orphans = []
    for text, entry_id in aliases:
        if entry_id in knowledge.by_id:
            extra.setdefault(entry_id, []).append(text)
        else:
            orphans.append((text, entry_id))
    if not extra:
        return knowledge, orphans
    entries = [replace(entry, **{field_name: getattr(entry, field_name) + tuple(extra[entry.id])})
               if entry.id in extra else entry for entry in knowledge.entries]
    return KnowledgeBase(entries, knowledge.sources), orphans
