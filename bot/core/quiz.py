"""Quiz-of-the-day: building a quiz from the knowledge, its open -> closed -> revealed life, judging answers."""

import random
from collections.abc import Sequence
from dataclasses import dataclass

from .knowledge import MAX_LABEL_CHARS, Entry, shorten

LETTERS = "ABCD"
PICK_ANSWER, PICK_QUESTION = "pick_answer", "pick_question"
OPEN, CLOSED, REVEALED = "open", "closed", "revealed"
CORRECT, WRONG, ALREADY_ANSWERED, NOT_OPEN, NOT_AN_OPTION = (
    "correct", "wrong", "already_answered", "not_open", "not_an_option")
# One quiz in three asks the other way round, so the daily habit does not become pattern-matching one form.
REVERSE_SHARE = 1 / 3
# Long enough to carry the gist of an answer, short enough that four of them read well in one message.
EXCERPT_CHARS = 280
# The reveal names at most this many people, so it fits one message (Discord content allows 2000 characters).
MAX_NAMED = 50
_NEXT_STATE = {OPEN: CLOSED, CLOSED: REVEALED}
_PROMPTS = {
    PICK_ANSWER: "Which answer fits this question?",
    PICK_QUESTION: "Which question does this answer belong to?",
}


class QuizError(Exception):
    """A quiz cannot be built, e.g. the knowledge has too few distinct entries for four options."""


class QuizStateError(Exception):
    """A quiz was asked to move to a state its current state does not lead to."""


@dataclass(frozen=True)
class Option:
    letter: str
    entry_id: str
    text: str


@dataclass(frozen=True)
class QuizCard:
    """A quiz as every front door shows it; stored as JSON so a restart shows the same quiz."""

    entry_id: str
    form: str
    subject: str
    options: tuple[Option, ...]
    correct: str

    @property
    def prompt(self) -> str:
        return _PROMPTS[self.form]

    @property
    def has_text_buttons(self) -> bool:
        """Options short enough for a button (Slack 75, Discord 80) go on it; longer ones sit in the body."""
        return all(len(option.text) <= MAX_LABEL_CHARS for option in self.options)

    def button_labels(self) -> list[tuple[str, str]]:
        """(letter, label) per option: the option's text when all fit a button, else just its letter."""
        return [(option.letter, option.text if self.has_text_buttons else option.letter) for option in self.options]

    def option(self, letter: str) -> Option | None:
        return next((option for option in self.options if option.letter == letter.strip().upper()), None)

    @property
    def right_option(self) -> Option:
        return self.option(self.correct)

    @property
    def body(self) -> str:
        """The message text: the prompt, the subject, and the options by letter when buttons carry only letters."""
        lines = [self.prompt, "", self.subject]
        if not self.has_text_buttons:
            lines.append("")
            lines += [f"{option.letter}. {option.text}" for option in self.options]
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"entry_id": self.entry_id, "form": self.form, "subject": self.subject, "correct": self.correct,
                "options": [{"letter": o.letter, "entry_id": o.entry_id, "text": o.text} for o in self.options]}

    @classmethod
    def from_json(cls, data: dict) -> "QuizCard":
        options = tuple(Option(item["letter"], item["entry_id"], item["text"]) for item in data["options"])
        return cls(data["entry_id"], data["form"], data["subject"], options, data["correct"])


def answer_excerpt(entry: Entry) -> str:
    """The gist of an answer: its first point, shortened at a word boundary."""
    return shorten(entry.answer[0], EXCERPT_CHARS)


def _same_text(text: str) -> str:
    return " ".join(text.casefold().split())


def pick_distractors(entry: Entry, entries: Sequence[Entry], rng: random.Random, text_of,
                     count: int = len(LETTERS) - 1) -> list[Entry]:
    """Other entries for the wrong options: those sharing a tag with `entry` first, each with a distinct text."""
    others = [other for other in entries if other.id != entry.id]
    rng.shuffle(others)
    # A stable sort keeps the shuffle inside each group: tag-sharing entries first, in random order.
    others.sort(key=lambda other: not set(other.tags) & set(entry.tags))
    chosen: list[Entry] = []
    seen = {_same_text(text_of(entry))}
    for other in others:
        text = _same_text(text_of(other))
        if text not in seen:
            seen.add(text)
            chosen.append(other)
        if len(chosen) == count:
            return chosen
    raise QuizError(f"the knowledge needs at least {count + 1} entries with different texts to build a quiz")


def build_quiz(entries: Sequence[Entry], rng: random.Random, entry: Entry | None = None,
               form: str | None = None) -> QuizCard:
    """A four-option quiz on `entry` (default: a random one); the form varies unless given."""
    entry = entry or rng.choice(list(entries))
    form = form or (PICK_QUESTION if rng.random() < REVERSE_SHARE else PICK_ANSWER)
    if form == PICK_ANSWER:
        subject, text_of = entry.question, answer_excerpt
    else:
        subject, text_of = answer_excerpt(entry), lambda item: item.short_label
    picked = [entry, *pick_distractors(entry, entries, rng, text_of)]
    rng.shuffle(picked)
    options = tuple(Option(letter, item.id, text_of(item)) for letter, item in zip(LETTERS, picked))
    correct = next(option.letter for option in options if option.entry_id == entry.id)
    return QuizCard(entry.id, form, subject, options, correct)


def advance(state: str, target: str) -> str:
    """`target` when the quiz may move there from `state` (open -> closed -> revealed); QuizStateError if not."""
    if _NEXT_STATE.get(state) != target:
        raise QuizStateError(f"a quiz cannot go from {state!r} to {target!r}")
    return target


def judge(card: QuizCard, state: str, choice: str) -> str:
    """CORRECT or WRONG for a first answer; NOT_OPEN or NOT_AN_OPTION when it cannot count."""
    if state != OPEN:
        return NOT_OPEN
    option = card.option(choice)
    if option is None:
        return NOT_AN_OPTION
    return CORRECT if option.letter == card.correct else WRONG


@dataclass(frozen=True)
class AnswerResult:
    """How a click on an option went, and the message only that person sees."""

    outcome: str
    message: str

    @property
    def is_counted(self) -> bool:
        return self.outcome in (CORRECT, WRONG)


def answer_message(outcome: str, reveal_at: str = "") -> str:
    """What the person who clicked alone sees; `reveal_at` says when everyone sees the answer."""
    when = f" The answer is revealed to everyone at {reveal_at}." if reveal_at else ""
    return {
        CORRECT: "Right! That counts towards your score and streak." + when,
        WRONG: "Not this time. Your answer is in; there's a new quiz on the next quiz day." + when,
        ALREADY_ANSWERED: "You've already answered this quiz: one answer per person, and your first one counts."
                          + when,
        NOT_OPEN: "This quiz is closed, so answers no longer count. A new one comes with the next quiz day.",
        NOT_AN_OPTION: f"That isn't one of the options: pick one of {', '.join(LETTERS)}.",
    }[outcome]


@dataclass(frozen=True)
class QuizResult:
    """What the reveal shows: the right answer, how many answered, and who got it right."""

    card: QuizCard
    answered: int
    correct_users: tuple[str, ...]

    @property
    def share_right(self) -> int:
        return round(100 * len(self.correct_users) / self.answered) if self.answered else 0

    @property
    def summary(self) -> str:
        right = self.card.right_option
        if not self.answered:
            return f"The answer: {right.letter}. {right.text}\nNobody answered this one."
        people = "1 person answered" if self.answered == 1 else f"{self.answered} people answered"
        return f"The answer: {right.letter}. {right.text}\n{people}, {self.share_right}% got it right."

    def winners_text(self, mention=lambda user: f"<@{user}>") -> str:
        if not self.answered:
            return "Nobody answered today's quiz. There's a new one on the next quiz day!"
        if not self.correct_users:
            return "Nobody got today's quiz right. There's always tomorrow!"
        named = ", ".join(mention(user) for user in self.correct_users[:MAX_NAMED])
        more = len(self.correct_users) - MAX_NAMED
        return f"Today's correct answers came from {named}" + (f" and {more} more." if more > 0 else ".")
