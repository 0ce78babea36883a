"""The one inbound port: every interaction a person has with the bot, written once for every platform.

Platforms turn their events into these calls and render what comes back. The service owns what must not drift
between them: retries answered once, the question log, the admin rule, and the apology when something fails.
"""

import asyncio
import contextlib
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from .core.commands import TEACH, Command, CommandError, Place, parse_command, refusal
from .core.entries import MAX_CHARS, EntryForm, FormProblems, entry_from_form, form_problems
from .core.knowledge import shorten
from .core.feedback import MISS_NOTE, NONE_OF_THESE, feedback_note
from .core.replies import Intent, Note, NoteKind, Reply, Request, Responder
from .core.review import IGNORE
from .core.scores import Leaderboard
from .learning import LiveKnowledge, checked, entry_problems
from .metrics import Metrics
from .chat_commands import run_command, teach
from .storage import Storage, StorageError, utc_now

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was saved. Please try again in a moment."
STALE_BUTTON = "That button no longer works (the question may have been removed). Please ask again."
# Event ids this process has taken on, newest last: a retry that arrives while the first delivery is still being
# worked on (or before its claim could be written) is turned away here, without the database.
REMEMBERED_EVENTS = 10_000
# Seconds an answer waits for the one to the same person's previous question to be sent (see Service.in_turn).
TURN_PATIENCE = 10.0


def politely(what: str):
    """Any failure inside a flow becomes the one apology every platform shows, logged once with its cause."""

    def wrap(flow):
        @functools.wraps(flow)
        async def run(self, *args, **kwargs):
            self.in_flight += 1
            try:
                return await flow(self, *args, **kwargs)
            except StorageError as error:
                log.error("could not %s: %s", what, error)
                self.metrics.failures.labels("storage").inc()
            except Exception:
                log.exception("could not %s", what)
                self.metrics.failures.labels("error").inc()
            finally:
                self.in_flight -= 1
            return Note(NoteKind.APOLOGY, SORRY)

        return run

    return wrap


class Service:
    def __init__(self, live: LiveKnowledge, storage: Storage, admins: frozenset[str] = frozenset(),
                 clock: Callable[[], datetime] = utc_now, metrics: Metrics | None = None, auto_teach: bool = False):
        self.live = live
        self.storage = storage
        self.db = storage.db
        self.admins = admins
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.metrics.entries.set(len(live.responder.knowledge.entries))
        self.in_flight = 0
        self.auto_teach = auto_teach
        self._events: OrderedDict[tuple[str, str], None] = OrderedDict()
        # Matching is CPU work (milliseconds; a pasted log or the transformer more), done off the event loop so that
        # heartbeats, acks and buttons do not wait behind it. One thread takes questions in the order they came
        # and finishes each before the next: two questions asked in a row are answered in that order, as they
        # were on the loop (a pool would let the second overtake the first).
        self._matching = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching")
        # Per conversation (see in_turn): the turn of the question asked last, done when its answer has gone out.
        self._turns: dict[tuple[str, str, str, str], asyncio.Future] = {}
        self.turn_patience = TURN_PATIENCE

    @property
    def responder(self) -> Responder:
        """The knowledge served now; a reload swaps it whole between two questions."""
        return self.live.responder

    @property
    def topics(self) -> tuple[str, ...]:
        return self.responder.topics

    @contextlib.asynccontextmanager
    async def in_turn(self, request: Request):
        """Holds one person's turn in one conversation from the moment a question arrives until its answer has been
        sent: a platform wraps asking and sending in it, so an answer never overtakes the one to the question asked
        just before (a quick "hello" after a pasted log, an answer sent while the one before still waits on the
        network). Turns are taken in the order platforms call this, which is the order events arrived; different
        people and conversations do not wait for each other."""
        key = (request.platform, request.workspace, request.channel, request.user)
        previous = self._turns.get(key)
        mine = asyncio.get_running_loop().create_future()
        self._turns[key] = mine

        def pass_on(_: object = None) -> None:
            if not mine.done():
                mine.set_result(None)
            if self._turns.get(key) is mine:
                del self._turns[key]

        waited = previous is None
        # A question waiting for its turn is work in flight too: a shutdown drains it rather than drop it.
        self.in_flight += 1
        try:
            if previous is not None:
                # Waited on, never cancelled through. A send stuck on the network past `turn_patience` stops holding
                # up the person's next answers.
                await asyncio.wait((previous,), timeout=self.turn_patience)
                waited = True
        finally:
            self.in_flight -= 1
            if not waited:
                # Given up on while waiting (its task cancelled): its turn passes on only when the one before it
                # is done, so the next question still does not overtake that one.
                previous.add_done_callback(pass_on)
        try:
            yield
        finally:
            pass_on()

    async def answer(self, request: Request, send: Callable[[Reply | Note], Awaitable[None]]) -> None:
        """A chat message, start to end: asked and its reply sent in the person's turn (see in_turn); a repeated
        delivery sends nothing. Each platform brings only `send`."""
        async with self.in_turn(request):
            reply = await self.ask(request)
            if reply is not None:
                await send(reply)

    @politely("answer a question")
    async def ask(self, request: Request) -> Reply | Note | None:
        """The reply to a question, logged; None for a repeated delivery of an event already taken on."""
        started = time.monotonic()
        if request.event_id and not self._is_new_here(request):
            return self._repeated(request)
        reply = await asyncio.get_running_loop().run_in_executor(self._matching, self.responder.reply_to, request.text)
        if not request.event_id:
            return await self._logged(request, reply, started)
        # One transaction claims the event and logs the question: a retry, here or in another process, finds the
        # claim; a question is never logged without it.
        question_id = await self.db.run(self.storage.questions.log_first_delivery, request, reply, self.clock())
        if question_id is None:
            return self._repeated(request)
        return self._counted(request, replace(reply, question_id=question_id), started)

    @politely("answer a chosen entry")
    async def follow(self, request: Request, entry_id: str, from_question: int = 0) -> Reply | Note:
        """A related question or a "did you mean" pick: that entry's answer. A pick under a "did you mean"
        (`from_question`) is kept: people picking the same entry for a question is how the bot learns."""
        entry = self.responder.knowledge.get(entry_id)
        if entry is None:
            log.warning("a button asked for entry %r, which the knowledge no longer has", entry_id)
            return Note(NoteKind.STALE, STALE_BUTTON)
        if from_question:
            await self.db.run(self._keep_pick, from_question, request.user, entry_id)
        return await self._logged(replace(request, text=entry.question), self.responder.answer(entry),
                                  time.monotonic())

    def _keep_pick(self, question_id: int, user: str, entry_id: str) -> None:
        """Stores the pick; with auto-teaching on, a pick two people agree on is taught at once (through the
        same checks as an admin's teaching, so it never takes a question from an entry that answers it)."""
        questions = self.storage.questions
        if not questions.record_pick(question_id, user, entry_id, self.clock()) or not self.auto_teach:
            return
        agreed = questions.agreed_pick(question_id, entry_id)
        if agreed:
            command = Command(TEACH, text=agreed, entry_id=entry_id)
            note = teach(command, Place("auto", "", "picks"), self.storage, self.live, self.clock())
            log.info("auto-teaching from agreed picks: %s", note.text)

    def help(self) -> Reply:
        return self.responder.help()

    @politely("store a vote")
    async def vote(self, question_id: int, user: str, verdict: str, entry_id: str | None = None) -> Note:
        """Helpful / not helpful: one vote per person per answer, a second one replaces the first."""

        def record() -> list[str]:
            self.storage.questions.record_feedback(question_id, user, verdict, entry_id or None, self.clock())
            return self.storage.questions.verdicts_for(question_id)

        votes = await self.db.run(record)
        self.metrics.feedback.labels(verdict).inc()
        return Note(NoteKind.THANKS, feedback_note(votes))

    @politely("count the votes")
    async def votes_note(self, question_id: int) -> Note:
        """The thank-you line with everyone's current votes, read now: what a message shows after any vote."""
        votes = await self.db.run(self.storage.questions.verdicts_for, question_id)
        return Note(NoteKind.THANKS, feedback_note(votes))

    @politely("store 'none of these'")
    async def none_of_these(self, question_id: int, user: str) -> Note:
        """No "did you mean" candidate fits: logged as a question the knowledge could not answer."""
        await self.db.run(self.storage.questions.record_feedback, question_id, user, NONE_OF_THESE, None,
                          self.clock())
        self.metrics.feedback.labels(NONE_OF_THESE).inc()
        return Note(NoteKind.MISS, MISS_NOTE)

    @politely("store a quiz answer")
    async def answer_quiz(self, quiz_id: int, user: str, letter: str) -> Note:
        """The first answer per person counts (the unique index decides); only they see how it went."""
        result = await self.db.run(self.storage.quizzes.answer, quiz_id, user, letter, self.clock())
        return Note(NoteKind.QUIZ, result.message)

    @politely("run a command")
    async def command(self, text: str, place: Place, is_platform_admin: Callable[[], Awaitable[bool]],
                      admins: str = "admins") -> Note | Leaderboard:
        """A schedule or score command; only admins change schedules. `is_platform_admin` is asked only then,
        and `admins` says who they are on this platform."""
        try:
            command = parse_command(text)
        except CommandError as error:
            return Note(NoteKind.COMMAND, str(error))
        is_admin = command.needs_admin and await self._is_admin(place, is_platform_admin)
        refused = refusal(command, is_admin, admins)
        if refused:
            return Note(NoteKind.COMMAND, refused)
        return await self.db.run(run_command, command, place, self.storage, self.live, self.clock())

    async def _is_admin(self, place: Place, is_platform_admin: Callable[[], Awaitable[bool]]) -> bool:
        return place.user in self.admins or await is_platform_admin()

    async def _question_text(self, question_id: int) -> str | None:
        """A logged question's words on one line, or None when it is gone (pruned)."""
        question = await self.db.run(self.storage.questions.question, question_id)
        return " ".join(question["text"].split()) if question else None

    @politely("act on the review")
    async def review(self, action: str, question_id: int, entry_id: str, place: Place,
                     is_platform_admin: Callable[[], Awaitable[bool]], admins: str = "admins") -> Note:
        """A review button: teach the question as a phrasing of `entry_id` (approving a candidate is the same
        click), or ignore it in later reviews. Admins only."""
        if not await self._is_admin(place, is_platform_admin):
            return Note(NoteKind.COMMAND, f"Only {admins} can act on the review.")
        text = await self._question_text(question_id)
        if text is None:
            return Note(NoteKind.STALE, STALE_BUTTON)
        if action == IGNORE:
            await self.db.run(self.storage.questions.ignore, text, f"{place.platform}:{place.user}", self.clock())
            return Note(NoteKind.COMMAND, f"Ignored “{shorten(text, 200)}”: it will not come up in reviews again.")
        return await self.db.run(teach, Command(TEACH, text=text, entry_id=entry_id), place, self.storage,
                                 self.live, self.clock())

    @politely("open the entry form")
    async def entry_form(self, place: Place, is_platform_admin: Callable[[], Awaitable[bool]],
                         admins: str = "admins", question_id: int = 0) -> EntryForm | Note:
        """The new-entry form (with the reviewed question filled in), or why this person may not add entries."""
        if not await self._is_admin(place, is_platform_admin):
            return Note(NoteKind.COMMAND, f"Only {admins} can add entries. Anyone can ask, vote, and say when none "
                                          "of my suggestions fit.")
        text = await self._question_text(question_id) if question_id else None
        return EntryForm((text or "")[:MAX_CHARS["question"]])

    @politely("add an entry")
    async def add_entry(self, fields: dict[str, str], place: Place, is_platform_admin: Callable[[], Awaitable[bool]],
                        admins: str = "admins") -> Note | FormProblems:
        """Checks the form by the knowledge files' own rules, stores the entry, and serves it at once; every
        process on this database picks it up on its next refresh."""
        if not await self._is_admin(place, is_platform_admin):
            return Note(NoteKind.COMMAND, f"Only {admins} can add entries.")
        problems = form_problems(fields)
        if problems:
            return FormProblems(problems)
        entry = entry_from_form(fields)

        def add() -> Note | FormProblems:
            found = entry_problems(self.live, entry)
            if found:
                return FormProblems(found)
            if not self.storage.learned.add_entry(entry, f"{place.platform}:{place.user}", self.clock()):
                return FormProblems({"id": f"'{entry['id']}' is already used by an entry added in chat"})
            done = checked(f"Added entry {entry['id']}: “{shorten(entry['question'], 200)}”. It answers from now on.",
                           self.live)
            self.metrics.entries.set(len(self.responder.knowledge.entries))
            return Note(NoteKind.COMMAND, done)

        return await self.db.run(add)

    async def _logged(self, request: Request, reply: Reply, started: float) -> Reply:
        question_id = await self.db.run(self.storage.questions.log_question, request, reply, self.clock())
        return self._counted(request, replace(reply, question_id=question_id), started)

    def _counted(self, request: Request, reply: Reply, started: float) -> Reply:
        outcome = reply.status if reply.intent == Intent.QUESTION else reply.intent
        self.metrics.questions.labels(request.platform, outcome).inc()
        self.metrics.reply_seconds.labels(request.platform).observe(time.monotonic() - started)
        return reply

    def _repeated(self, request: Request) -> None:
        log.info("%s event %s was delivered again; not answered twice", request.platform, request.event_id)
        self.metrics.deduplicated.labels(request.platform).inc()
        return None

    async def drained(self, timeout: float) -> bool:
        """Waits until no flow is in progress, up to `timeout` seconds; True when none is."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not self.in_flight

    def _is_new_here(self, request: Request) -> bool:
        """False for an event this process has already taken on; the database knows those of other processes
        and of earlier runs."""
        key = (request.platform, request.event_id)
        if key in self._events:
            return False
        self._events[key] = None
        while len(self._events) > REMEMBERED_EVENTS:
            self._events.popitem(last=False)
        return True
