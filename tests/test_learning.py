"""What the team teaches is served at once, by every process on the database, and goes back to git."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from discord_payloads import CHANNEL_ID
from discord_standin import DiscordStandIn

COMMAND = str(Path(sys.executable).parent / "backend-bot")
PHRASING = "the orders service is a black box to us"
ROTATE_QUESTION = "How do we rotate the payments database credentials?"
ROTATE = f"entries:\n  - id: rotate-credentials\n    question: {ROTATE_QUESTION}\n    answer: Run the vault job.\n"
RESTART = ("entries:\n  - id: restart-ledger-workers\n    question: How do we restart the ledger workers?\n"
           "    answer: Scale the deployment to zero and back.\n")

# Every case runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def run(tmp_path, database):
    def run_command(*args: str, **variables: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_DATABASE")}
        env.update({"BOT_DATABASE": str(database), **variables})
        return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)

    return run_command


async def always_admin() -> bool:
    return True


def answered_id(result: subprocess.CompletedProcess) -> str | None:
    import json

    reply = json.loads(result.stdout)
    return reply["entry"]["id"] if reply["status"] == "answered" else None


def test_a_taught_phrasing_is_answered_and_exported_as_a_knowledge_file_that_serves_the_same(run, tmp_path):
    assert answered_id(run("ask", "--json", PHRASING)) is None
    taught = run("kb", "teach", PHRASING, "implement-observability")
    assert taught.returncode == 0 and taught.stdout.startswith("Taught:")
    assert answered_id(run("ask", "--json", PHRASING)) == "implement-observability"
    folder = tmp_path / "team"
    folder.mkdir()
    exported = run("kb", "learned", "--export", str(folder / "learned.yaml"))
    assert exported.stdout.strip() == f"wrote 0 entries and 1 phrasing(s) to {folder / 'learned.yaml'}"
    assert run("kb", "check", KNOWLEDGE_PATH=str(folder)).returncode == 0
    fresh = run("ask", "--json", PHRASING, KNOWLEDGE_PATH=str(folder), BOT_DATABASE=str(tmp_path / "fresh.db"))
    assert answered_id(fresh) == "implement-observability"


def test_teaching_that_would_do_harm_is_refused_with_the_reason(run):
    taken = run("kb", "teach", "how to scale backend", "security")
    assert taken.returncode == 1 and "already answered confidently by scale-backend" in taken.stdout
    empty = run("kb", "teach", "hi there", "security")
    assert empty.returncode == 1 and "has no words the knowledge is about" in empty.stdout
    too_long = run("kb", "teach", "cache " * 200, "when-cache")
    assert too_long.returncode == 1 and "at most 500 characters" in too_long.stdout
    unknown = run("kb", "teach", PHRASING, "no-such-entry")
    assert unknown.returncode == 1 and "There is no entry 'no-such-entry'" in unknown.stdout
    # Forced, it is taught; and when the phrasing still does not reach its entry, that is said, not hidden.
    forced = run("kb", "teach", "how to scale backend", "security", "--force")
    assert forced.returncode == 0 and "Check these taught phrasings: “how to scale backend” now goes to" in forced.stdout


def test_a_phrasing_whose_entry_disappeared_is_reported_not_dropped(run, tmp_path):
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "ops.yaml").write_text("entries:\n  - id: on-call-rota\n    question: Who is on call?\n"
                                     "    answer: See the rota.\n")
    assert run("kb", "teach", "who carries the pager", "on-call-rota", KNOWLEDGE_PATH=str(folder)).returncode == 0
    (folder / "ops.yaml").unlink()
    listed = run("kb", "learned")
    assert listed.stdout.strip() == ("on-call-rota                     who carries the pager "
                                     "(entry no longer in the knowledge: kept, not served)")


async def test_a_running_serve_picks_up_teaching_and_edits_and_survives_a_broken_edit(run, tmp_path, database):
    folder = tmp_path / "team"
    folder.mkdir()
    server = await DiscordStandIn().start()
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(database),
                   "KNOWLEDGE_PATH": str(folder), **server.variables()}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=tmp_path,
                                                   env=environment, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)

    async def title_of_answer(question: str) -> str:
        answer = await server.answer_for(await server.ask(question))  # deferred, when a reload keeps it waiting
        return answer["embeds"][0].get("title", "") if answer["embeds"] else ""

    async def eventually(question: str, title: str) -> bool:
        for _ in range(60):
            if await title_of_answer(question) == title:
                return True
            await asyncio.sleep(0.1)
        return False

    try:
        await server.wait_until(lambda: server.identifies, timeout=30)
        assert run("kb", "teach", PHRASING, "implement-observability").returncode == 0
        assert await eventually(PHRASING, "How do I implement observability?")  # within 6 s of teaching
        (folder / "ops.yaml").write_text("entries:\n  - id: rotate-credentials\n    question: How do we rotate the "
                                         "payments database credentials?\n    answer: Run the vault rotation job.\n")
        asked, title = "how do we rotate the payments database credentials", \
            "How do we rotate the payments database credentials?"
        assert await eventually(asked, title)
        # An entry added in chat by another process (here, a form submitted through this test's own service).
        from bot.core.commands import Place
        from bot.wiring import build_bot
        from bot.config import load_settings

        other = build_bot(load_settings(environment, env_file=None))
        try:
            fields = {"question": "Who signs off a schema change on the ledger?", "answer": "The ledger's owners.",
                      "id": "ledger-schema-sign-off"}
            added = await other.service.add_entry(fields, Place("slack", "C1", "U1"), always_admin)
            assert added.text.startswith("Added entry ledger-schema-sign-off")
        finally:
            other.close()
        assert await eventually("who signs off a schema change on the ledger", fields["question"])
        # A broken edit: the last good knowledge still serves, and the admin channel is told which file.
        schedule = run("schedule", "add", "--platform", "discord", "--channel", str(CHANNEL_ID), "--kind", "digest",
                       "--time", "09:00")
        assert schedule.returncode == 0, schedule.stderr
        (folder / "ops.yaml").write_text("entries:\n  - id: rotate-credentials\n    question: [broken\n")
        notice = await server.wait_until(lambda: next((message for message in server.messages if "knowledge files"
                                                       in (message.get("content") or "")), None), timeout=10)
        assert "ops.yaml" in notice["content"] and "still serving the last good one" in notice["content"]
        assert await title_of_answer(asked) == title
    finally:
        process.terminate()
        await process.wait()
        await server.close()


async def test_a_running_serve_names_a_list_id_a_symlink_loop_and_an_unlistable_folder_and_keeps_serving(
        run, tmp_path, database):
    # The folder is deployed as a link to a release folder, so the test can swap what it points at; the other
    # file is named directly, since a folder's listing skips anything but regular files (an editor's lock link).
    release = tmp_path / "release-1"
    release.mkdir()
    (release / "ops.yaml").write_text(ROTATE)
    folder = tmp_path / "team"
    folder.symlink_to(release)
    named = tmp_path / "runbook.yaml"
    named.write_text(RESTART)
    server = await DiscordStandIn().start()
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(database),
                   "KNOWLEDGE_PATH": f"{folder}{os.pathsep}{named}", **server.variables()}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=tmp_path,
                                                   env=environment, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)

    async def told(words: str) -> str:
        notice = await server.wait_until(lambda: next((message["content"] for message in server.messages
                                                       if words in (message.get("content") or "")), None), timeout=10)
        assert "still serving the last good one" in notice
        return notice

    async def title_of_answer(question: str) -> str:
        answer = await server.answer_for(await server.ask(question))  # deferred, when a reload keeps it waiting
        return answer["embeds"][0].get("title", "") if answer["embeds"] else ""

    try:
        await server.wait_until(lambda: server.identifies, timeout=30)
        schedule = run("schedule", "add", "--platform", "discord", "--channel", str(CHANNEL_ID), "--kind", "digest",
                       "--time", "09:00")
        assert schedule.returncode == 0, schedule.stderr
        (folder / "ops.yaml").write_text(ROTATE.replace("id: rotate-credentials", "id: [rotate, credentials]"))
        await told(f"{folder / 'ops.yaml'}: entry #1: id: must be a lower-case slug")
        (folder / "ops.yaml").write_text(ROTATE)
        named.unlink()
        named.symlink_to(tmp_path / "loop.yaml")
        (tmp_path / "loop.yaml").symlink_to(named)
        await told(f"{named}: cannot be read")
        named.unlink()
        named.write_text(RESTART)
        # As root no permission stops a listing; a link to a name too long for the file system fails the same calls.
        folder.unlink()
        folder.symlink_to("x" * 300)
        await told(f"{folder}: cannot be read")
        assert await title_of_answer("how do we rotate the payments database credentials") == ROTATE_QUESTION
        assert await title_of_answer("how do we restart the ledger workers") == "How do we restart the ledger workers?"
        assert process.returncode is None
    finally:
        process.terminate()
        await process.wait()
        await server.close()


async def test_two_people_picking_the_same_entry_make_a_candidate_in_kb_review(settings_for, database):
    import json

    from bot.core.replies import Request
    from bot.wiring import build_bot

    bot = build_bot(settings_for())
    try:
        question = "state events"
        for user in ("U1", "U2"):
            reply = await bot.service.ask(Request(question, user, "C1", "slack"))
            assert reply.status == "suggest"
            await bot.service.follow(Request("", user, "C1", "slack"), reply.suggestions[0].entry.id,
                                     from_question=reply.question_id)
        chosen = reply.suggestions[0].entry.id
    finally:
        bot.close()
    env = {**os.environ, "BOT_DATABASE": str(database)}
    review = subprocess.run([COMMAND, "kb", "review", "--json"], capture_output=True, text=True, env=env, timeout=60)
    found = json.loads(review.stdout)
    first = found["candidates"][0]["question_id"]
    assert found["candidates"] == [{"question": question, "question_id": first, "entry_id": chosen, "people": 2}]
    assert [(miss["question"], miss["times"]) for miss in found["not_answered"]] == [(question, 2)]
    # the two picks are logged too, as the answers they showed
    assert found["figures"]["asked"] == 4 and found["figures"]["suggested"] == 2


def test_eval_from_log_measures_the_teams_own_labelled_questions_and_stats_counts_each_platform(run):
    empty = run("eval", "--from-log")
    assert empty.returncode == 2 and "no labelled questions yet" in empty.stderr
    run("kb", "teach", PHRASING, "implement-observability")
    run("ask", "how to scale backend?")
    measured = run("eval", "--from-log")
    assert "answered correctly: 1/1 (100.0%)" in measured.stdout
    import json

    stats = json.loads(run("stats", "--json").stdout)
    assert stats["by_platform"] == {"console": {"answered": 1}}


async def test_with_auto_teaching_a_pick_two_people_agree_on_is_answered_for_the_next_person(settings_for):
    from bot.core.replies import Request
    from bot.wiring import build_bot

    bot = build_bot(settings_for(BOT_AUTO_TEACH="on"))
    try:
        question = "state events"
        picks = []
        for user in ("U1", "U2"):
            reply = await bot.service.ask(Request(question, user, "C1", "slack"))
            assert reply.status == "suggest"
            chosen = reply.suggestions[0].entry.id
            picks.append(await bot.service.follow(Request("", user, "C1", "slack"), chosen, reply.question_id))
        third = await bot.service.ask(Request(question, "U3", "C1", "slack"))
        [taught] = bot.storage.learned.phrasings()
    finally:
        bot.close()
    assert (third.status, third.entry.id) == ("answered", chosen)
    assert (taught.text, taught.entry_id, taught.taught_by) == (question, chosen, "auto:picks")


def test_kb_review_at_the_terminal_adds_an_entry_and_ignores_a_question_and_the_export_serves_the_entry(
        run, settings_for, tmp_path, database):
    from bot.core.replies import Request
    from bot.wiring import build_bot

    bot = build_bot(settings_for())
    try:
        for text in ("where do the PointsPal loyalty points get reconciled", "state events"):
            asyncio.run(bot.service.ask(Request(text, "U1", "C1", "slack")))
    finally:
        bot.close()
    # Items come most asked first, then alphabetically: the "state events" question is ignored; the other becomes a new
    # entry (its question kept as offered, an answer, no tags, related ids or id).
    typed = "i\nn\n\nReconcile PointsPal points nightly against the ledger.\n\n\n\n"
    review = subprocess.run([COMMAND, "kb", "review", "--interactive"], input=typed, capture_output=True, text=True,
                            env={**os.environ, "BOT_DATABASE": str(database)}, timeout=60)
    assert review.returncode == 0, review.stderr
    assert "Added entry where-do-the-pointspal-loyalty-points-get-reconciled" in review.stdout
    assert "Ignored “state events”" in review.stdout
    left = json.loads(run("kb", "review", "--json").stdout)
    assert left["not_answered"] == []  # the one is answered now, the other ignored
    folder = tmp_path / "team"
    folder.mkdir()
    exported = run("kb", "learned", "--export", str(folder / "learned.yaml"))
    assert exported.stdout.startswith("wrote 1 entry and 0 phrasing(s)")
    assert run("kb", "check", KNOWLEDGE_PATH=str(folder)).returncode == 0
    fresh = run("ask", "--json", "how are PointsPal loyalty points reconciled", KNOWLEDGE_PATH=str(folder),
                BOT_DATABASE=str(tmp_path / "fresh.db"))
    assert answered_id(fresh) == "where-do-the-pointspal-loyalty-points-get-reconciled"
