"""The chat commands on schedules, scores and teaching, for every platform: store the change, say what happened."""

from datetime import datetime

from .core.commands import (DIGEST, EXAMPLE, LEADERBOARD, OFF, ON, QUIZ, SHOW, TEACH, TIP, UNTEACH, Command, Place,
                            describe_spec)
from .core.replies import Note, NoteKind
from .core.scores import Leaderboard
from .learning import LiveKnowledge, checked, why_not_teach
from .scheduler import next_slot
from .storage import Storage


def run_command(command: Command, place: Place, storage: Storage, live: LiveKnowledge,
                now: datetime) -> Note | Leaderboard:
    """Carries out a command the admin rule already allowed; runs on the database thread."""
    schedules = storage.schedules
    if command.action in (TEACH, UNTEACH):
        return teach(command, place, storage, live, now)
    if command.action == ON:
        return _turn_on(command, place, storage, now)
    if command.action == OFF:
        turned_off = schedules.turn_off(place.platform, place.channel, command.kind, by=place.user, now=now)
        what = {TIP: "Daily tips are", QUIZ: "The quiz of the day is", DIGEST: "The weekly review is"}[command.kind]
        done = f"{what} off in this channel." if turned_off else f"{what} not on in this channel; nothing to do."
        return Note(NoteKind.COMMAND, done)
    if command.action == SHOW:
        return Note(NoteKind.COMMAND, describe_channel(place, storage))
    if command.action == LEADERBOARD:
        return storage.quizzes.leaderboard(place.platform, place.workspace, place.channel, place.user, now)
    raise AssertionError(f"unhandled command {command!r}")


def _turn_on(command: Command, place: Place, storage: Storage, now: datetime) -> Note:
    schedule = storage.schedules.set_schedule(place.platform, place.channel, command.kind, command.spec,
                                              workspace=place.workspace, by=place.user, now=now)
    reply = f"Done: {describe_spec(command.kind, command.spec)}, in this channel."
    first = next_slot(schedule, now)
    if first is not None:
        reply += f" The first one comes {first:%a %d %b at %H:%M} ({schedule.timezone})."
    return Note(NoteKind.SCHEDULE_ON, reply)


def teach(command: Command, place: Place, storage: Storage, live: LiveKnowledge, now: datetime,
          force: bool = False) -> Note:
    """Teaches (or forgets) a phrasing, serves it at once, and says which taught phrasings no longer reach their
    entry; every process on this database picks the change up on its next refresh."""
    if command.action == UNTEACH:
        if not storage.learned.unteach(command.text):
            return Note(NoteKind.COMMAND, f"“{command.text}” was not taught, so there is nothing to forget.")
        done = f"Forgot “{command.text}”."
    else:
        refused = why_not_teach(live.responder, command.text, command.entry_id, force)
        if refused:
            return Note(NoteKind.COMMAND, refused)
        storage.learned.teach(command.text, command.entry_id, by=f"{place.platform}:{place.user}", now=now)
        done = f"Taught: “{command.text}” now answers with {command.entry_id}."
    return Note(NoteKind.COMMAND, checked(done, live))


def describe_channel(place: Place, storage: Storage) -> str:
    found = storage.schedules.schedules(place.platform, place.channel)
    if not found:
        return (f"Nothing is scheduled in this channel. An admin can start tips with `{EXAMPLE[TIP]}` "
                f"or a quiz with `{EXAMPLE[QUIZ]}`.")
    return "This channel has:\n" + "\n".join(f"• {schedule.describe()}" for schedule in found)
