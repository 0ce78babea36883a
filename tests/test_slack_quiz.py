"""Quiz answers on Slack: one per person, told to them alone; the reveal updates the quiz and names the winners."""

import asyncio
import json
from datetime import timedelta

from slack_requests import ANN, BEN, button_click, slack_over_http
from slack_scheduling import MONDAY_9, option_letters, quiz_post_of, slack_with_scheduler

CAT = "U0CAT"
CLOSES = MONDAY_9 + timedelta(hours=8)


async def posted_quiz(scene):
    scene.schedule("quiz")
    await scene.run(MONDAY_9 + timedelta(minutes=1))
    message = quiz_post_of(scene)
    [post] = scene.scheduler.schedules.posts()
    return message, scene.scheduler.quizzes.quiz(post.quiz_id)


def stored_answers(scene, quiz_id):
    return [(row["user"], row["choice"], row["correct"]) for row in scene.scheduler.quizzes.answers(quiz_id)]


async def test_each_person_alone_is_told_whether_they_were_right_and_a_second_click_is_refused(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        message, quiz = await posted_quiz(scene)
        right, wrong = option_letters(quiz.card)
        ann = await scene.click_option(message, right, ANN, "ann")
        ben = await scene.click_option(message, wrong[0], BEN, "ben")
        ann_again = await scene.click_option(message, wrong[1], ANN, "ann-again")
        stored = stored_answers(scene, quiz.id)

    assert all(shown["response_type"] == "ephemeral" and shown["replace_original"] is False
               for shown in (ann, ben, ann_again))
    reveal = "The answer is revealed to everyone at Mon 17:01 UTC."
    assert ann["text"] == f"Right! That counts towards your score and streak. {reveal}"
    assert ben["text"].startswith("Not this time.") and ben["text"].endswith(reveal)
    assert ann_again["text"].startswith("You've already answered this quiz")
    assert stored == [(ANN, right, 1), (BEN, wrong[0], 0)]
    # Nobody else saw anything: no new message in the channel, the quiz message unchanged.
    assert len(scene.slack.attempts("chat.postMessage")) == 1 and scene.slack.attempts("chat.update") == []


async def test_many_people_clicking_at_once_are_each_counted_once(settings_for):
    people = [f"U0P{number:03d}" for number in range(25)]
    async with slack_with_scheduler(settings_for) as scene:
        message, quiz = await posted_quiz(scene)
        right, wrong = option_letters(quiz.card)
        clicks = [scene.click_option(message, letter, person, f"{person}-{letter}")
                  for person in people for letter in (right, wrong[0])]
        shown = await asyncio.gather(*clicks)
        stored = stored_answers(scene, quiz.id)

    assert sorted(user for user, _, _ in stored) == people
    counted = [reply for reply in shown if not reply["text"].startswith("You've already answered")]
    assert len(counted) == len(people)


async def test_close_and_reveal_update_the_quiz_and_name_who_got_it_right_without_pinging(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.slack.add_user(ANN, "Ann Archer")
        scene.slack.add_user(BEN, "Ben <Backend> & Co")
        message, quiz = await posted_quiz(scene)
        right, wrong = option_letters(quiz.card)
        for user, letter in ((ANN, right), (BEN, right), (CAT, wrong[0])):
            await scene.click_option(message, letter, user, user)
        before_close = await scene.run(CLOSES)
        report = await scene.run(CLOSES + timedelta(minutes=1))
        [update] = await scene.slack.wait_for_calls("chat.update")
        reveal = scene.slack.successful("chat.postMessage")[1]
        late = await scene.click_option(message, right, "U0LATE", "late")
        revealed = scene.scheduler.quizzes.quiz(quiz.id)
        stored = stored_answers(scene, quiz.id)

    assert before_close["revealed"] == 0 and report["revealed"] == 1
    assert (update["channel"], update["ts"]) == (message["channel"], message["ts"])
    assert not any(block["type"] == "actions" for block in update["blocks"])
    shown = "\n".join(block["text"]["text"] for block in update["blocks"] if block["type"] == "section")
    right_text = quiz.card.right_option.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"✅ *{right}. {right_text}*" in shown
    assert shown.endswith("3 people answered, 67% got it right.")
    assert update["text"].startswith(f"The answer: {right}.")
    assert (reveal["thread_ts"], reveal["reply_broadcast"]) == (message["ts"], True)
    assert reveal["blocks"][0]["text"]["text"] == (
        "Today's correct answers came from Ann Archer, Ben &lt;Backend&gt; &amp; Co.")
    assert "<@" not in json.dumps(reveal) and "<!" not in json.dumps(reveal)
    assert revealed.state == "revealed"
    assert late["text"].startswith("This quiz is closed")
    assert len(stored) == 3


async def test_a_click_on_a_closed_quiz_is_told_it_is_closed_and_not_counted(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        message, quiz = await posted_quiz(scene)
        scene.slack.refuse_next("chat.update", "invalid_auth")  # the reveal waits; the quiz is closed regardless
        await scene.run(CLOSES + timedelta(minutes=1))
        shown = await scene.click_option(message, quiz.card.correct, ANN, "ann")
        closed = scene.scheduler.quizzes.quiz(quiz.id)
        stored = stored_answers(scene, quiz.id)

    assert closed.state == "closed"
    assert shown["response_type"] == "ephemeral"
    assert shown["text"] == ("This quiz is closed, so answers no longer count. "
                             "A new one comes with the next quiz day.")
    assert stored == []


async def test_a_reveal_still_names_the_winners_when_the_quiz_message_was_deleted(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        message, quiz = await posted_quiz(scene)
        await scene.click_option(message, quiz.card.correct, ANN, "ann")
        scene.slack.refuse_next("chat.update", "message_not_found")
        await scene.run(CLOSES + timedelta(minutes=1))
        reveal = scene.slack.successful("chat.postMessage")[1]
        revealed = scene.scheduler.quizzes.quiz(quiz.id)

    # Ann is unknown to users.info here: her id is shown as plain text, which notifies nobody.
    assert reveal["text"] == f"Today's correct answers came from {ANN}."
    assert revealed.state == "revealed"


async def test_quiz_buttons_keep_working_after_a_restart(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        message, quiz = await posted_quiz(scene)
    async with slack_with_scheduler(settings_for) as restarted:
        shown = await restarted.click_option(message, quiz.card.correct, BEN, "ben")
        stored = stored_answers(restarted, quiz.id)

    assert shown["text"].startswith("Right!")
    assert stored == [(BEN, quiz.card.correct, 1)]


async def test_a_quiz_button_with_a_value_the_bot_did_not_write_gets_a_polite_note(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        fake = {"channel": "C0GENERAL", "ts": "9.9", "text": "quiz", "blocks": [
            {"type": "actions", "block_id": "quiz_answers", "elements": [
                {"type": "button", "action_id": "quiz_answer_A", "value": "not-a-quiz",
                 "text": {"type": "plain_text", "text": "A"}}]}]}
        await http.send_click(button_click(fake, "A", slack.response_url("fake")))
        [note] = await slack.wait_for_calls("response_url")
        stored = bot.storage.db.tables["quiz_answers"].count

    assert note["response_type"] == "ephemeral" and "no longer works" in note["text"]
    assert stored == 0
