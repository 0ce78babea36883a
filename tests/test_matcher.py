"""The matcher finds the right entry for the ways people really ask, and declines what it does not know."""

import pytest

from bot.core.matcher import Match
from bot.core.replies import ANSWERED, SUGGEST, UNKNOWN, Responder, classify_small_talk
from bot.knowledge_files import load_knowledge, shipped_folder


@pytest.fixture(scope="module")
def responder() -> Responder:
    return Responder(load_knowledge([shipped_folder()]))


@pytest.mark.parametrize("question, entry_id", [
    ("how do I make my payment endpoint idempotant", "make-idempotent"),
    ("when shuold we use a cahce", "when-cache"),
    ("obsevability: why bother?", "why-observability"),
    ("distrubuted systems pitfalls", "distributed-systems"),
])
def test_typos_are_repaired_against_the_knowledge_vocabulary(responder, question, entry_id):
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("typed, meant", [
    ("idempotant", "idempot"), ("cahce", "cach"), ("shuold", ""), ("wbehook", "webhook"), ("dockre", "docker"),
    ("obsevability", "observ"), ("authorizaiton", "author"),
    ("paris", "paris"), ("spans", "span"), ("training", "train"),
])
def test_typo_repair_fixes_slips_but_does_not_bend_other_words_into_knowledge_words(responder, typed, meant):
    weights, _ = responder.matcher.weigh_query(f"{typed} now")
    assert [term for term in weights if term != "now"] == ([meant] if meant else [])


@pytest.mark.parametrize("question, entry_id", [
    ("k8s vs ec2 vs vercel for a small api?", "vercel-serverless-k8s-ec2"),
    ("how do we run db migrations in prod without downtime", "db-migrations"),
    ("rest or gql for the new mobile app?", "rest-vs-graphql"),
    ("how to set up ci/cd", "cicd"),
])
def test_abbreviations_mean_what_engineers_mean(responder, question, entry_id):
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("question, entry_id", [
    ("explain idempotency plz", "what-is-idempotent"),
    ("eli5 idempotent", "what-is-idempotent"),
    ("pls how do we scale the backend tbh", "scale-backend"),
])
def test_chat_shorthand_is_read_as_what_it_asks(responder, question, entry_id):
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("question, entry_id", [
    ("a customer got charged twice after clicking pay two times", "make-idempotent"),
    ("our api falls over at peak, what do we do?", "scale-backend"),
    ("the payment provider's callback never showed up", "webhook-not-arriving"),
    ("two requests update the same account balance at once and we lose money", "concurrency-shared-resource"),
    ("stock goes negative when people check out at once", "concurrency-shared-resource"),
])
def test_problem_descriptions_find_the_entry_that_solves_them(responder, question, entry_id):
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("question", [
    "what's the weather like in paris tomorrow",
    "recommend a good pizza place near the office",
    "how do i center a div with flexbox",
    "who won the football match last night",
    "asdf qwerty zxcv",
])
def test_questions_outside_the_knowledge_are_never_answered(responder, question):
    assert responder.reply_to(question).status != ANSWERED


@pytest.mark.parametrize("text, intent", [
    ("hi", "greeting"), ("Hello there!", "greeting"), ("thanks a lot", "thanks"), ("thank you!", "thanks"),
    ("help", "help"), ("what can you do?", "help"), ("   ", "empty"),
    # Checking the bot is there is greeted back, not taken for a question about testing.
    ("test", "greeting"), ("testing 1 2 3", "greeting"), ("test test, is this thing on?", "greeting"),
    ("ping", "greeting"), ("testing testing, can anyone see this?", "greeting"),
    ("testing 1 2 3, is this thing on?", "greeting"), ("just testing", "greeting"), ("this is a test", "greeting"),
    ("ok test again", "greeting"),
])
def test_greetings_thanks_and_checks_get_a_friendly_reply_not_an_answer(responder, text, intent):
    reply = responder.reply_to(text)
    assert (reply.status, reply.intent, reply.entry) == (UNKNOWN, intent, None)
    assert reply.message


@pytest.mark.parametrize("text", ["should we be testing more", "do we test", "testing?", "test all the things?",
                                  "how do we test"])
def test_a_short_question_about_testing_is_not_taken_for_a_check_that_the_bot_is_there(responder, text):
    assert classify_small_talk(text) == ""
    reply = responder.reply_to(text)
    assert reply.intent != "greeting"
    offered = ([reply.entry.id] if reply.entry else []) + [match.entry.id for match in reply.suggestions]
    assert "test-backend" in offered


def test_an_answer_offers_up_to_three_related_questions_hand_picked_first(responder):
    reply = responder.reply_to("how do I make a request idempotent?")
    assert reply.entry.id == "make-idempotent"
    assert 1 <= len(reply.related) <= 3
    assert reply.related[0].id == reply.entry.related[0]
    assert reply.entry not in reply.related


def test_a_close_runner_up_is_passed_over_only_when_the_leader_holds_more_of_the_question_s_topical_words(
        responder):
    deploy, testing = responder.knowledge.by_id["deploy-backend"], responder.knowledge.by_id["test-backend"]
    rival = Match(testing, 54.0, ("backend", "servic"), 1.7)
    about_hosting = Match(deploy, 57.0, ("host", "backend"), 3.0)
    assert responder.decide([about_hosting, rival]).status == ANSWERED
    just_as_vague = Match(deploy, 57.0, ("backend", "servic"), 1.7)
    assert responder.decide([just_as_vague, rival]).status == SUGGEST


def test_a_vague_question_gets_did_you_mean_with_three_candidates(responder):
    reply = responder.reply_to("consistency")
    assert reply.status == SUGGEST
    assert len(reply.suggestions) == 3
    assert "eventual-consistency" in {match.entry.id for match in reply.suggestions}


def test_an_unknown_reply_is_honest_and_says_what_the_bot_knows(responder):
    reply = responder.reply_to("how do I bake sourdough bread")
    assert reply.status == UNKNOWN
    assert "I don't know" in reply.message and reply.topics


@pytest.mark.parametrize("text", [
    "🚀🔥 how do we scale the backend? 🙏",
    "**how** do we _scale_ the `backend`?",
    "<!channel> how do we scale the backend?",
    "бэкенд how do we scale the backend",
])
def test_emoji_markup_and_other_scripts_do_no_harm(responder, text):
    reply = responder.reply_to(text)
    assert (reply.status, reply.entry.id) == (ANSWERED, "scale-backend")


def test_a_50000_character_message_is_answered(responder):
    reply = responder.reply_to("how do we scale the backend? " + "lorem ipsum " * 4200)
    assert reply.status in (ANSWERED, SUGGEST, UNKNOWN)
    assert reply.entry is None or reply.entry.id == "scale-backend"
