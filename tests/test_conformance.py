"""The conformance suite: one transcript per behaviour, run against every platform through its real library.

A new platform passes these or is not done. What differs between platforms is only how a reply looks; what a
person is told, and what is stored, is the same everywhere, because the service decides it once.
"""

import pytest

from chat_drivers import HELPFUL, NONE_OF_THESE, NOT_HELPFUL, chat_on
from slack_requests import unsure_question

from bot.core.feedback import MISS_NOTE
from bot.service import SORRY

PLATFORMS = ["slack", "discord", "console"]
QUESTION = "how do I make a request idempotent?"
# Answered with implementing observability; why it matters scores nearly as high.
NEARLY_TIED = "how to add observability to our backend"
ALSO_CLOSE = "Also close:"

# Every case runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture(params=PLATFORMS)
async def chat(request, settings_for):
    async with chat_on(request.param, settings_for) as (person, bot):
        person.bot = bot
        yield person


def entry_labelled(bot, label: str):
    return next(entry for entry in bot.responder.knowledge.entries if entry.short_label.startswith(label.rstrip("…")))


async def test_a_question_is_answered_with_related_questions_and_votes(chat):
    seen = await chat.ask(QUESTION)
    entry = chat.bot.responder.knowledge.get("make-idempotent")
    assert entry.question in seen.text and entry.answer[0][:60] in seen.text
    assert entry.source.startswith("https://") and entry.source in seen.text  # where the answer comes from
    related = [item.short_label for item in chat.bot.responder.related_to(entry)]
    assert [label for label in seen.buttons if label in related] == related
    assert any(HELPFUL in label for label in seen.buttons) and any(NOT_HELPFUL in label for label in seen.buttons)
    [logged] = chat.bot.storage.questions.questions()
    assert (logged["status"], logged["entry_id"], logged["platform"]) == ("answered", entry.id, chat.name)


async def test_following_a_related_question_answers_that_entry(chat):
    seen = await chat.ask(QUESTION)
    first_related = chat.bot.responder.related_to(chat.bot.responder.knowledge.get("make-idempotent"))[0]
    followed = await chat.click(seen, first_related.short_label)
    assert first_related.question in followed.text
    assert [row["entry_id"] for row in chat.bot.storage.questions.questions()] == ["make-idempotent",
                                                                                    first_related.id]


async def test_an_answer_names_an_entry_nearly_as_close_first_and_following_it_answers_that_entry(chat):
    seen = await chat.ask(NEARLY_TIED)
    answered, close = (chat.bot.responder.knowledge.get(entry_id) for entry_id in ("implement-observability",
                                                                                   "why-observability"))
    assert answered.question in seen.text
    assert ALSO_CLOSE in seen.text and close.question in seen.text.split(ALSO_CLOSE, 1)[1]
    related = [item.short_label for item in chat.bot.responder.related_to(answered) if item != close]
    assert [label for label in seen.buttons if label in [close.short_label, *related]] == [close.short_label,
                                                                                           *related]
    followed = await chat.click(seen, close.short_label)
    assert close.question in followed.text
    assert [row["entry_id"] for row in chat.bot.storage.questions.questions()] == [answered.id, close.id]


async def test_did_you_mean_offers_choices_and_a_pick_answers_it(chat):
    seen = await chat.ask(unsure_question(chat.bot))
    assert any(NONE_OF_THESE in label for label in seen.buttons)
    choice = next(label for label in seen.buttons if NONE_OF_THESE not in label)
    picked = await chat.click(seen, choice)
    chosen = entry_labelled(chat.bot, choice)
    assert chosen.question in picked.text
    assert [row["status"] for row in chat.bot.storage.questions.questions()] == ["suggest", "answered"]
    # The pick is kept with the question it answered: what the bot learns from.
    assert [row["entry_id"] for row in chat.bot.storage.db.rows("SELECT entry_id FROM picks")] == [chosen.id]


async def test_none_of_these_is_thanked_and_stored(chat):
    seen = await chat.ask(unsure_question(chat.bot))
    noted = await chat.click(seen, NONE_OF_THESE)
    assert MISS_NOTE in noted.text.replace("\n", " ")
    [vote] = chat.bot.storage.questions.feedback()
    assert vote["verdict"] == "none_of_these"


async def test_voting_twice_changes_the_vote_and_the_count(chat):
    seen = await chat.ask(QUESTION)
    first = await chat.click(seen, HELPFUL)
    assert "1 person found this helpful, 0 did not" in first.text
    second = await chat.click(seen, NOT_HELPFUL)
    assert "0 people found this helpful, 1 did not" in second.text
    [vote] = chat.bot.storage.questions.feedback()
    assert vote["verdict"] == "not_helpful"


async def test_a_quiz_takes_one_answer_per_person(chat):
    if not chat.has_schedules:
        pytest.skip("the terminal has no channel quiz; `backend-bot quiz` takes exactly one answer by design")
    quiz = await chat.post_quiz()
    [stored] = chat.bot.storage.quizzes.db.rows("SELECT id FROM quizzes")
    card = chat.bot.storage.quizzes.quiz(stored["id"]).card
    first = await chat.click_quiz(quiz, card.correct)
    assert first.text.startswith("Right!")
    wrong = next(option.letter for option in card.options if option.letter != card.correct)
    second = await chat.click_quiz(quiz, wrong)
    assert second.text.startswith("You've already answered this quiz")
    [answer] = chat.bot.storage.quizzes.answers(stored["id"])
    assert answer["correct"] == 1


async def test_only_an_admin_turns_tips_on(chat):
    if not chat.has_schedules:
        pytest.skip("the terminal has no channel to post tips in; schedules are set with `backend-bot schedule`")
    refused = await chat.command("tips on 09:00 UTC", admin=False)
    assert refused.text.startswith("Only ") and "can turn tips on or off" in refused.text
    assert chat.bot.storage.schedules.schedules() == []
    done = await chat.command("tips on 09:00 UTC", admin=True)
    assert done.text.startswith("Done: Daily tip at 09:00 UTC, mon-fri, in this channel.")
    [schedule] = chat.bot.storage.schedules.schedules()
    assert (schedule.platform, schedule.kind, schedule.time) == (chat.name, "tip", "09:00")


async def test_only_an_admin_teaches_a_phrasing_and_it_is_answered_at_once(chat):
    if not chat.has_schedules:
        pytest.skip("the terminal teaches with `backend-bot kb teach`, tested with the CLI")
    phrasing = "the orders service is a black box to us"
    entry = chat.bot.responder.knowledge.get("implement-observability")
    assert entry.question not in (await chat.ask(phrasing)).text
    refused = await chat.teach("implement-observability", phrasing, admin=False)
    assert refused.text.startswith("Only ") and "can teach me phrasings" in refused.text
    taught = await chat.teach("implement-observability", phrasing, admin=True)
    assert taught.text.startswith(f"Taught: “{phrasing}” now answers with implement-observability.")
    answer = await chat.ask(phrasing)
    assert entry.question in answer.text and entry.answer[0][:60] in answer.text
    [stored] = chat.bot.storage.learned.phrasings()
    assert (stored.text, stored.entry_id) == (phrasing, "implement-observability")


async def test_a_storage_failure_gets_the_same_apology(chat, lose_database):
    lose_database(chat.bot.storage.db)
    seen = await chat.ask(QUESTION)
    assert SORRY in seen.text


async def test_a_greeting_is_answered_with_what_the_bot_does(chat):
    seen = await chat.ask("hi there")
    assert "Hi! I answer backend-engineering questions" in seen.text


async def test_help_says_what_the_bot_answers(chat):
    seen = await chat.ask("help")
    assert "I answer backend-engineering questions" in seen.text


async def test_an_admin_teaches_from_the_weekly_review_and_adds_an_entry_with_the_form(chat):
    if not chat.has_schedules:
        pytest.skip("the terminal's review is `backend-bot kb review`, tested with the CLI")
    missed = unsure_question(chat.bot)
    asked = await chat.ask(missed)
    await chat.click(asked, NONE_OF_THESE)
    await chat.ask(missed + " ??")  # a near-duplicate: one item, asked twice
    digest = await chat.post_digest()
    assert "Weekly review" in digest.text and "Asked 2 (+2)" in digest.text and missed in digest.text
    assert "asked 2 times (and 1 similar)" in digest.text
    teach_button = next(label for label in digest.buttons if "phrasing of" in label)
    entry_id = teach_button.rsplit(" ", 1)[-1]

    refused = await chat.click_as(digest, teach_button, admin=False)
    assert refused.text.startswith("Only ") and "can act on the review" in refused.text
    taught = await chat.click_as(digest, teach_button, admin=True)
    assert taught.text.startswith(f"Taught: “{missed}” now answers with {entry_id}.")
    assert chat.bot.responder.knowledge.get(entry_id).question in (await chat.ask(missed)).text

    new_entry = next(label for label in digest.buttons if "new entry" in label.lower())
    refused = await chat.open_form(digest, new_entry, admin=False)
    assert refused.text.startswith("Only ") and "can add entries" in refused.text
    form = await chat.open_form(digest, new_entry, admin=True)
    assert missed in form.text  # the reviewed question is filled in
    fields = {"question": "How do we rotate the payment provider's API keys?",
              "answer": "- Keep two keys live\n- Switch, then revoke the old one", "tags": "security, secrets",
              "related": "no-such-entry", "id": ""}
    wrong = await chat.submit_form(fields)
    assert "names unknown id 'no-such-entry'" in wrong.text
    assert chat.bot.storage.learned.entries() == []
    again = await chat.reopen_form(wrong)
    assert "Keep two keys live" in again.text  # nothing typed is lost
    added = await chat.submit_form({**fields, "related": "security"})
    assert added.text.startswith("Added entry how-do-we-rotate-the-payment-provider-s-api-keys")
    answer = await chat.ask("rotate the payment provider's API keys")
    assert "Keep two keys live" in answer.text
