"""Composes a platform-neutral reply to a request: an answer, a "did you mean", or an honest "I don't know"."""

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process, utils

from .fusion import (NEAREST, Candidate, ClosenessFactory, OpinionFactory, beyond_meaning_alone, blend_for, chosen,
                     is_not_ours, rank_candidates)
from .intents import detect_intent, prefer_intent
from .knowledge import Entry, KnowledgeBase
from .matcher import Match, Matcher, entry_terms
from .scope import is_beyond
from .text import STOP_WORDS, tokenise, well_formed


class Status(StrEnum):
    ANSWERED = "answered"
    SUGGEST = "suggest"
    UNKNOWN = "unknown"


class Intent(StrEnum):
    """What a message is: a real question, or small talk that gets a friendly word instead of a match."""

    QUESTION = "question"
    GREETING = "greeting"
    THANKS = "thanks"
    HELP = "help"
    EMPTY = "empty"


class NoteKind(StrEnum):
    """Short replies to an action, for the person who acted; a renderer must know every kind."""

    THANKS = "thanks"          # a vote was counted
    MISS = "miss"              # "none of these" was noted
    QUIZ = "quiz"              # how a quiz answer went
    COMMAND = "command"        # what a schedule command did, or why it could not
    SCHEDULE_ON = "schedule_on"  # a schedule was turned on: platforms add what posting there needs
    STALE = "stale"            # a button that no longer works
    APOLOGY = "apology"        # the bot failed on its side


ANSWERED, SUGGEST, UNKNOWN = Status.ANSWERED, Status.SUGGEST, Status.UNKNOWN
SUGGEST_MESSAGE = "I'm not sure which of these you mean:"
MAX_RELATED = 3
MAX_SUGGESTIONS = 3
# An answer by meaning also offers the entries scored nearly as high ("not quite it?"): when such an answer is wrong,
# the right entry is most often the runner-up. Points of fused score behind the answer, and how many. Words alone
# offer none: their runner-up within a few points was seldom the entry wanted ("should we use graphql" beside the
# testing entry).
ALTERNATIVE_POINTS = 5.0
MAX_ALTERNATIVES = 1
# What every platform shows above them.
ALSO_CLOSE = "Not quite it? Also close:"
# How near a question must be to one of an entry's own phrasings, word order aside, to count as asking that very
# thing: all but a few words. Not token sets, which would also count a long message that merely contains a short
# alias ("where are the grafana dashboards for payments" holds the alias "grafana dashboards for the api").
OWN_PHRASING = 80.0

# Scores come from Matcher.rank; these bounds were set against the development questions (see README).
# An answer needs evidence (two words the entry is about, or one with a strong score) and a clear lead over the
# runner-up, or a near-perfect score: one shared word ("build", "django", an alias's "senior engineer") is how
# chit-chat and other topics look, so alone it earns a suggestion.
SUGGEST_SCORE = 28.0
# Two entries this close are a question back to the person, however high they score.
TIE_LEAD = 2.0
ANSWER_SCORE = 40.0
CLEAR_LEAD = 5.0
CLEAR_RATIO = 0.9
# Close scores, but the leader holds clearly more of the question's topical weight (about one more topical
# word) among the words it is really about: "best hosting for a backend service" is about hosting, which only
# the deploy entry is about, though "backend service" scores a testing entry nearly as high.
EVIDENCE_LEAD = 1.0
SURE_SCORE = 75.0
SINGLE_WORD_SURE_SCORE = 90.0
ONE_WORD_EVIDENCE_SCORE = 70.0
# Entries ranked before deciding: the suggestions and their runner-up, and room for meaning to reorder them.
CANDIDATES = 10

_GREETINGS = frozenset("hi hello hey hiya howdy yo morning evening afternoon greetings sup hola gm".split())
_THANKS = frozenset("thanks thank thx ty cheers appreciated appreciate awesome great nice cool perfect".split())
_HELP = frozenset("help commands usage".split())
# "test test, is this thing on?", "ping", "testing 1 2 3": checking that the bot is there, greeted back, not taken
# for a question about testing.
_CHECKS = frozenset("test testing ping".split())
# What a check may say besides: "do we test" and "should we be testing more" are questions about testing.
_CHECK_FILLER = frozenset("is this thing on can anyone anybody someone see hear read me you it work working does "
                          "there here bot just ok okay again a the pls please sorry ignore 1 2 3 123".split())
# A check is short, but "testing 1 2 3, is this thing on?" is eight words.
MAX_CHECK_WORDS = 12
_SMALL_TALK_FILLER = frozenset("good there bot so much very lot all folks everyone anyone again a you me see hear "
                               "1 2 3".split())


@dataclass(frozen=True)
class Request:
    """What a person said, where and by whom; `event_id` is the platform's id for retries of one delivery."""

    text: str
    user: str = ""
    channel: str = ""
    platform: str = "console"
    workspace: str = ""
    event_id: str = ""

    def __post_init__(self) -> None:
        # Every platform's text comes through here: whatever bytes it carried, what is answered and stored is text.
        object.__setattr__(self, "text", well_formed(self.text))


@dataclass(frozen=True)
class Reply:
    """An answer, a "did you mean", an honest "I don't know", or small talk; `question_id` is its row in the
    question log, which feedback buttons refer to (0 before it is logged)."""

    status: Status
    intent: Intent = Intent.QUESTION
    entry: Entry | None = None
    score: float = 0.0
    related: tuple[Entry, ...] = ()
    suggestions: tuple[Match, ...] = ()
    # With an answer: entries scored nearly as high, offered before the related ones ("not quite it?").
    alternatives: tuple[Entry, ...] = ()
    topics: tuple[str, ...] = ()
    message: str = ""
    question_id: int = 0



    def as_json(self) -> dict:
        entry = None
        if self.entry:
            entry = {"id": self.entry.id, "question": self.entry.question, "answer": self.entry.answer_text}
        return {
            "status": self.status,
            "intent": self.intent,
            "entry": entry,
            "score": self.score,
            "related": [{"id": item.id, "question": item.question} for item in self.related],
            "alternatives": [{"id": item.id, "question": item.question} for item in self.alternatives],
            "suggestions": [
                {"id": match.entry.id, "question": match.entry.question, "score": match.score}
                for match in self.suggestions
            ],
        }


@dataclass(frozen=True)
class Note:
    """A short plain-text reply to an action (a vote, a quiz answer, a command), shown to the person who acted."""

    kind: NoteKind
    text: str


@dataclass
class Responder:
    """Answers requests from one knowledge base; build it once, it is safe to share."""

    knowledge: KnowledgeBase
    # Builds closeness in meaning for the entries (bot/semantic); None matches on words alone.
    semantic: ClosenessFactory | None = None
    # A sentence transformer weighed beside words and the static model (BOT_MATCHER=transformer); None goes without.
    opinion: OpinionFactory | None = None
    matcher: Matcher = field(init=False)

    def __post_init__(self) -> None:
        self.matcher = Matcher(self.knowledge)
        self.attach_meaning(self.semantic, self.opinion)
        self._positions = {entry.id: index for index, entry in enumerate(self.knowledge.entries)}
        # What each entry is about at a glance: its question, label, tags and id, not words its answer mentions.
        self._headlines = {entry.id: entry_terms(" ".join((entry.question, entry.label, *entry.tags,
                                                           entry.id.replace("-", " "))))
                           for entry in self.knowledge.entries}
        self.topics = tuple(tag for tag, _ in Counter(
            tag for entry in self.knowledge.entries for tag in entry.tags).most_common(8))
        self._related: dict[str, tuple[Entry, ...]] = {}
        self._own_phrasings: dict[str, list[str]] = {}
        # What each entry itself is, as a definition asks for it (see is_its_subject); worked out once per entry.
        self._subjects: dict[str, tuple[set[str], set[frozenset[str]]]] = {}

    def attach_meaning(self, semantic: ClosenessFactory | None, opinion: OpinionFactory | None = None) -> None:
        """Matches on meaning too from now on (or on words alone, for None), with a second opinion if given."""
        self.semantic = semantic
        self.opinion = opinion if semantic else None
        self.closeness = semantic(self.knowledge.entries) if semantic else None
        self.second_opinion = self.opinion(self.knowledge.entries) if self.opinion else None

    def warm(self) -> None:
        """Waits until closeness in meaning and the second opinion, built in the background, are ready: a serving
        process calls it before it takes questions, so that none waits on the event loop for them."""
        if self.closeness is not None:
            self.closeness("", (), 1)
        if self.second_opinion is not None:
            self.second_opinion("", (), 1)

    def __getstate__(self) -> dict:
        # What words alone build is kept between runs (bot/prepared.py); meaning is attached again after loading.
        return {**self.__dict__, "semantic": None, "closeness": None, "opinion": None, "second_opinion": None,
                "_related": {}, "_own_phrasings": {}, "_subjects": {}}

    def reply_to(self, text: str) -> Reply:
        intent = classify_small_talk(text)
        if intent:
            return Reply(UNKNOWN, intent=intent, topics=self.topics, message=small_talk_message(intent, self.topics))
        matches = prefer_intent(self.matcher.rank(text, limit=CANDIDATES), detect_intent(text), self._headlines)
        if self.closeness is None:
            reply = self.decide(matches[:MAX_SUGGESTIONS + 1])
        else:
            reply = self.decide_with_meaning(text, matches)
        if reply.status == ANSWERED and self.is_held_back(text, reply.entry):
            suggestions = self._suggestions(text, matches)
            return Reply(SUGGEST, score=suggestions[0].score, suggestions=suggestions, message=SUGGEST_MESSAGE)
        return reply

    def help(self) -> Reply:
        return Reply(UNKNOWN, intent=Intent.HELP, topics=self.topics,
                     message=small_talk_message(Intent.HELP, self.topics))

    def decide(self, matches: list[Match]) -> Reply:
        best = matches[0] if matches else None
        if best is None or best.score < SUGGEST_SCORE:
            return Reply(UNKNOWN, score=best.score if best else 0.0, topics=self.topics,
                         message=unknown_message(self.topics))
        if is_confident(matches):
            return self.answer(best.entry, best.score)
        return Reply(SUGGEST, score=best.score, suggestions=tuple(matches[:MAX_SUGGESTIONS]), message=SUGGEST_MESSAGE)

    def decide_with_meaning(self, text: str, matches: list[Match]) -> Reply:
        """Words and meaning blended (see fusion.py): the first candidate answered when its fused score is clear, or
        the word rules would answer it too; otherwise the first few suggested, or nothing when none is close."""
        words = self.decide(matches[:MAX_SUGGESTIONS + 1])
        words_choice = words.entry.id if words.status == ANSWERED else None
        blend = blend_for(self.second_opinion)
        candidates, not_ours = [], 0.0
        if words_choice is not None:
            # Most questions the words answer are settled by the words' own candidates: comparing with every entry's
            # phrasings is the costly part, and it is skipped when no entry could come out ahead by meaning alone.
            candidates, not_ours = self._candidates(text, matches, nearest=0)
        if not beyond_meaning_alone(candidates, blend) or candidates[0].entry.id != words_choice:
            candidates, not_ours = self._candidates(text, matches)
        found = chosen(candidates, words_choice, blend)
        if found is not None and not self.reads_not_ours(text, found, not_ours):
            return self.answer(found.entry, round(100 * found.fused, 1), [
                candidate.entry for candidate in candidates if candidate is not found
                and candidate.fused >= max(found.fused - ALTERNATIVE_POINTS / 100, blend.suggest)])
        if not candidates or candidates[0].fused < blend.suggest:
            return Reply(UNKNOWN, score=round(100 * candidates[0].fused, 1) if candidates else 0.0,
                         topics=self.topics, message=unknown_message(self.topics))
        suggestions = tuple(candidate.as_match() for candidate in candidates[:MAX_SUGGESTIONS])
        return Reply(SUGGEST, score=suggestions[0].score, suggestions=suggestions, message=SUGGEST_MESSAGE)

    def is_held_back(self, text: str, entry: Entry) -> bool:
        """Whether `text` only shares words with `entry` (a team look-up, a definition or comparison of something
        else: see scope.py), so that it must not be answered with it."""
        _, topical = self.matcher.weigh_query(text)
        if not is_beyond(text, lambda: self.is_its_subject(text, entry), self.matcher.is_about(entry, topical)):
            return False
        # The team wrote (or taught) this very question into the entry: it is about it. Checked last, as it costs
        # the most.
        return not is_own_phrasing(text, self.own_phrasings(entry))

    def is_its_subject(self, text: str, entry: Entry) -> bool:
        """Whether all that `text` names is what `entry` itself is: named by its question, label and id together,
        or exactly what one of its phrasings names ("what is an idempotency key" and the alias "idempotency key").
        A tag names what an entry touches, not what it is: "what is redis" is not the caching entry's subject, though
        it tags redis and an alias sets redis beside memcached."""
        if entry.id not in self._subjects:
            named = entry_terms(" ".join((entry.question, entry.label, entry.id.replace("-", " "))))
            self._subjects[entry.id] = named, {frozenset(self.matcher.asked_terms(phrasing))
                                               for phrasing in (entry.question, entry.label, *entry.aliases)}
        named, phrasings = self._subjects[entry.id]
        asked = self.matcher.asked_terms(text)
        return asked <= named or asked in phrasings

    def reads_not_ours(self, text: str, candidate: Candidate, not_ours: float) -> bool:
        """Whether the transformer finds `text` (`not_ours` close to a message not for the bot) closer to such a
        message than to the candidate's entry (see fusion.py); never for what the team wrote or taught into the entry
        itself ("who is on call this week" in its own entry)."""
        if self.second_opinion is None or not is_not_ours(not_ours, candidate.opinion):
            return False
        entry = candidate.entry
        return not is_own_phrasing(text, self.own_phrasings(entry))

    def own_phrasings(self, entry: Entry) -> list[str]:
        """The entry's question and aliases as is_own_phrasing compares them; prepared once per entry."""
        if entry.id not in self._own_phrasings:
            self._own_phrasings[entry.id] = [utils.default_process(text) for text in (entry.question, *entry.aliases)]
        return self._own_phrasings[entry.id]

    def _candidates(self, text: str, matches: list[Match], nearest: int = NEAREST) -> tuple[list[Candidate], float]:
        return rank_candidates(text, matches, self.closeness, self.second_opinion, self._positions,
                               self.knowledge.entries, nearest)

    def _suggestions(self, text: str, matches: list[Match]) -> tuple[Match, ...]:
        if self.closeness is None:
            return tuple(matches[:MAX_SUGGESTIONS])
        return tuple(candidate.as_match() for candidate in self._candidates(text, matches)[0][:MAX_SUGGESTIONS])

    def answer(self, entry: Entry, score: float = 100.0, close: list[Entry] = ()) -> Reply:
        """`entry`'s answer; of the entries scored `close` behind it, the first few are offered beside it."""
        alternatives = tuple(other for other in close if other.id != entry.id)[:MAX_ALTERNATIVES]
        return Reply(ANSWERED, entry=entry, score=score, alternatives=alternatives,
                     related=tuple(item for item in self.related_to(entry) if item not in alternatives))

    def related_to(self, entry: Entry) -> tuple[Entry, ...]:
        """Hand-picked related entries first, then the entries most like this one; worked out once per entry,
        since it depends on the knowledge alone, not on the question."""
        if entry.id not in self._related:
            self._related[entry.id] = self._find_related(entry)
        return self._related[entry.id]

    def _find_related(self, entry: Entry) -> tuple[Entry, ...]:
        chosen = [self.knowledge.by_id[entry_id] for entry_id in entry.related if entry_id in self.knowledge.by_id]
        if len(chosen) < MAX_RELATED:
            for match in self.matcher.rank(entry.question + " " + " ".join(entry.tags), limit=MAX_RELATED + 4):
                if match.entry.id != entry.id and match.entry not in chosen:
                    chosen.append(match.entry)
        return tuple(item for item in chosen if item.id != entry.id)[:MAX_RELATED]


def is_own_phrasing(text: str, phrasings: list[str]) -> bool:
    """`text` is, near enough word for word, one of an entry's `phrasings` (its question and aliases, prepared by
    rapidfuzz's default_process): a team's own entry ("Who is on call this week?") or a phrasing it taught
    answers even what looks like a team look-up."""
    return process.extractOne(utils.default_process(text), phrasings, scorer=fuzz.token_sort_ratio,
                              score_cutoff=OWN_PHRASING) is not None


def is_confident(matches: list[Match]) -> bool:
    best = matches[0]
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if best.score - runner_up < TIE_LEAD:
        return False
    if not has_evidence(best):
        return best.score >= SINGLE_WORD_SURE_SCORE
    if best.score >= SURE_SCORE or best.score - runner_up >= CLEAR_LEAD:
        return True
    if best.score < ANSWER_SCORE:
        return False
    rival_evidence = matches[1].evidence if len(matches) > 1 else 0.0
    return runner_up <= CLEAR_RATIO * best.score or best.evidence - rival_evidence >= EVIDENCE_LEAD


def has_evidence(match: Match) -> bool:
    """Two words the entry is about, or one that carries most of a strong match."""
    return len(match.matched) >= 2 or (len(match.matched) == 1 and match.score >= ONE_WORD_EVIDENCE_SCORE)


def classify_small_talk(text: str) -> str:
    """'empty', 'greeting', 'thanks' or 'help' when `text` is only that; '' for a real question."""
    words = tokenise(text)
    if not words:
        return Intent.EMPTY
    if _CHECKS.intersection(words):
        checking = len(words) <= MAX_CHECK_WORDS and all(
            word in _CHECKS or word in _GREETINGS or word in _THANKS or word in _CHECK_FILLER for word in words)
        asks_about_testing = text.rstrip().endswith("?") and set(words) <= {"test", "testing"}  # "testing?"
        return Intent.GREETING if checking and not asks_about_testing else ""
    if len(words) > 6:
        return ""
    social = _GREETINGS | _THANKS | _HELP
    content = [word for word in words if word not in _SMALL_TALK_FILLER]
    if any(word in social for word in content) and all(word in social or word in STOP_WORDS for word in content):
        for intent, kind in ((Intent.HELP, _HELP), (Intent.THANKS, _THANKS)):
            if kind.intersection(content):
                return intent
        return Intent.GREETING
    if {"what", "can", "do"} <= set(words) and len(words) <= 5:
        return Intent.HELP
    return ""


def small_talk_message(intent: str, topics: tuple[str, ...]) -> str:
    known = ", ".join(topics)
    if intent == "thanks":
        return "Glad to help! Ask me another backend question any time."
    if intent == "empty":
        return 'Ask me a backend question, for example: "how do I make a request idempotent?"'
    opening = "Hi! " if intent == "greeting" else ""
    return (f"{opening}I answer backend-engineering questions from the team's knowledge base "
            f"(topics like {known}). Try: \"our API falls over at peak, what do we do?\"")


def unknown_message(topics: tuple[str, ...]) -> str:
    return ("I don't know that one, and I'd rather say so than guess. "
            f"I can help with backend topics such as {', '.join(topics)}.")
