"""BOT_MATCHER=transformer: the sentence transformer shipped in bot/semantic/minilm/ (the transformer extra) gives a
second opinion where words and the static model only suggest, through the real `backend-bot` command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.core.knowledge import with_aliases
from bot.core.fusion import (CONFIRM_LEAD, OPINION_ANSWER, OPINION_LEAD, OPINION_SUGGEST, Opinion, is_not_ours,
                             stated, with_opinion)
from bot.core.replies import ANSWERED, SUGGEST, UNKNOWN, Responder
from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import closeness_for, second_opinion_for
from bot.semantic.model import phrasing_groups
from bot.semantic.transformer import SecondOpinion, Transformer, not_ours_messages

COMMAND = str(Path(sys.executable).parent / "backend-bot")


@pytest.fixture
def ask(tmp_path):
    def run(question: str, **variables: str) -> dict:
        env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_MATCHER")}
        env.update({"BOT_DATABASE": str(tmp_path / "bot.db"), "BOT_CACHE_DIR": str(tmp_path / "cache"), **variables})
        result = subprocess.run([COMMAND, "ask", "--json", question], capture_output=True, text=True, env=env,
                                cwd=tmp_path, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)
    return run


def test_a_suggestion_the_transformer_confirms_is_answered(ask, tmp_path):
    fused = ask("when should we use redis")
    assert fused["status"] == "suggest" and fused["suggestions"][0]["id"] == "when-cache"
    confirmed = ask("when should we use redis", BOT_MATCHER="transformer")
    assert (confirmed["status"], confirmed["entry"]["id"]) == ("answered", "when-cache")
    # Its vectors are kept beside the others, and a second run answers the same from them.
    assert sorted(path.name.split("-")[0] for path in (tmp_path / "cache").glob("*.pickle")) == [
        "not", "responder", "transformer", "vectors"]  # "not-ours": the messages the veto compares with
    assert ask("when should we use redis", BOT_MATCHER="transformer")["status"] == "answered"


def test_what_only_shares_a_word_stays_a_suggestion_with_the_transformer(ask):
    for question in ("what port does redis use by default", "is python faster than go", "who is on call this week"):
        assert ask(question, BOT_MATCHER="transformer")["status"] != "answered", question


def test_the_second_opinion_never_changes_an_answer_and_answers_only_what_it_is_clear_about():
    knowledge = load_knowledge([shipped_folder()])
    fused = Responder(knowledge, closeness_for)
    with_opinion = Responder(knowledge, closeness_for, second_opinion_for)
    questions = ["how do I scale a backend", "what is idempotency", "requests pile up and time out at rush hour",
                 "how do we know our data is right", "best pizza in town", "hello", "webhook never arrived",
                 "how should two services talk without knowing about each other", "we store card numbers in a text column"]
    for question in questions:
        before, after = fused.reply_to(question), with_opinion.reply_to(question)
        opinion = with_opinion.second_opinion(question)
        first = knowledge.entries[opinion.nearest[0][0]].id
        if before.status == ANSWERED:
            assert (after.status, after.entry.id) == (ANSWERED, before.entry.id), question
        elif after.status == ANSWERED:
            # It confirmed the first suggestion, or its own first entry was clearly first.
            assert after.entry.id == first, question
            assert (opinion.lead >= CONFIRM_LEAD and before.suggestions[0].entry.id == first) or (
                opinion.nearest[0][1] >= OPINION_ANSWER and opinion.lead >= OPINION_LEAD), question
        elif before.status == SUGGEST:
            # Words' first suggestion stays first; the transformer's nearest join the rest.
            offered = [match.entry.id for match in after.suggestions]
            assert offered[0] == before.suggestions[0].entry.id and first in offered, question
        else:
            assert after.status == UNKNOWN or opinion.nearest[0][1] >= OPINION_SUGGEST, question
    assert with_opinion.reply_to("requests pile up and time out at rush hour").status == ANSWERED


def test_the_transformer_answers_its_own_clear_first_and_merges_its_nearest_into_the_suggestions():
    entries = load_knowledge([shipped_folder()]).entries
    assert stated(Opinion(((3, 0.75), (5, 0.6)))) == 3
    assert stated(Opinion(((3, 0.75), (5, 0.7)))) is None  # not far enough ahead
    assert stated(Opinion(((3, 0.65), (5, 0.3)))) is None  # not close enough
    assert stated(Opinion(((3, 0.9),))) is None  # a lone entry leads nothing
    merged = with_opinion([entries[0], entries[1], entries[2]], Opinion(((1, 0.6), (7, 0.5), (0, 0.4))), entries, 3)
    assert [entry.id for entry in merged] == [entries[0].id, entries[1].id, entries[7].id]


def test_the_exported_transformer_puts_like_meanings_close_together():
    vectors = Transformer().embed(["how do I speed up slow sql queries", "our database queries take forever",
                                   "what is the best pizza topping", "x" * 20_000])
    assert [round(float(length), 3) for length in (vectors ** 2).sum(axis=1)] == [1.0, 1.0, 1.0, 1.0]
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_without_onnxruntime_the_transformer_matcher_is_one_line_naming_the_extra(tmp_path):
    script = ("import sys\nsys.modules['onnxruntime'] = None\nfrom bot.cli import main\n"
              "sys.exit(main(['ask', 'how do I scale a backend?']))")
    env = {**os.environ, "BOT_MATCHER": "transformer", "BOT_DATABASE": str(tmp_path / "bot.db")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: BOT_MATCHER=transformer needs onnxruntime: pip install 'backend-bot[transformer]' "
        "(BOT_MATCHER=lexical matches without it)"]


def test_a_taught_phrasing_is_embedded_alone_and_the_vectors_match_a_full_build():
    knowledge = load_knowledge([shipped_folder()])
    model = Transformer()
    SecondOpinion(knowledge.entries, model)
    taught = with_aliases(knowledge, [("the nightly export keeps timing out", "scale-backend")])[0]
    texts = [text for group in phrasing_groups(taught.entries) for text in group]
    missing = [text for text in texts if text not in model._phrasings]
    assert missing == ["the nightly export keeps timing out"]
    rebuilt = SecondOpinion(taught.entries, model)
    assert np.array_equal(rebuilt.vectors, Transformer().embed(texts))
    assert rebuilt("the nightly export keeps timing out").nearest[0][0] == [
        entry.id for entry in taught.entries].index("scale-backend")


def test_a_lone_entry_is_never_confirmed_for_want_of_a_next_one():
    knowledge = load_knowledge([shipped_folder()])
    opinion = SecondOpinion([knowledge.by_id["scale-backend"]], Transformer())
    found = opinion("how do I scale a backend?")
    assert len(found.nearest) == 1 and found.nearest[0][0] == 0 and found.nearest[0][1] > 0.6
    assert found.lead == 0.0 and stated(found) is None


def test_a_question_closer_to_a_message_not_for_the_bot_than_to_any_entry_is_not_answered():
    assert is_not_ours(Opinion(((0, 0.6), (1, 0.4)), not_ours=0.66))
    assert not is_not_ours(Opinion(((0, 0.6), (1, 0.4)), not_ours=0.64))
    assert not is_not_ours(Opinion((), not_ours=0.9))  # no entry to compare with
    knowledge = load_knowledge([shipped_folder()])
    responder = Responder(knowledge, closeness_for, second_opinion_for)
    messages = not_ours_messages()
    assert len(messages) == 400
    # Without the veto 40 of them were answered (team look-ups about our own systems, other meanings of backend
    # words); with it, none, while backend questions still are.
    assert [text for text in messages if responder.reply_to(text).status == ANSWERED] == []
    for question, entry_id in (("how do I make a request idempotent?", "make-idempotent"),
                               ("requests pile up and time out at rush hour", "scale-backend")):
        reply = responder.reply_to(question)
        assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)
        assert not is_not_ours(responder.second_opinion(question))


def test_the_veto_never_holds_back_what_the_team_wrote_into_its_own_entry(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "entries:\n  - id: on-call\n    question: Who is on call this week?\n    answer: See the on-call calendar.\n"
        "    aliases: [who is on call for the kafka cluster]\n")
    knowledge = load_knowledge([shipped_folder(), tmp_path])
    responder = Responder(knowledge, closeness_for, second_opinion_for)
    question = "who is on call for the kafka cluster this weekend"
    assert is_not_ours(responder.second_opinion(question))  # it reads like the team logistics the veto knows
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, "on-call")

