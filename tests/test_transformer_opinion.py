"""BOT_MATCHER=transformer: the sentence transformer shipped in bot/semantic/minilm/ (the transformer extra) is
weighed beside words and the static model, through the real `backend-bot` command and the Responder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.core.knowledge import with_aliases
from bot.core.fusion import (ANSWER_LEAD, FUSED, WITH_TRANSFORMER, Candidate, chosen, is_not_ours,
                             rank_candidates)
from bot.core.replies import ANSWERED, Responder
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


def test_a_question_words_only_suggest_for_is_answered_with_the_transformer(ask, tmp_path):
    words = ask("requests pile up and time out at rush hour", BOT_MATCHER="lexical")
    assert words["status"] == "suggest" and words["suggestions"][0]["id"] == "scale-backend"
    answered = ask("requests pile up and time out at rush hour", BOT_MATCHER="transformer")
    assert (answered["status"], answered["entry"]["id"]) == ("answered", "scale-backend")
    # Its vectors are kept beside the others, and a second run answers the same from them.
    assert sorted(path.name.split("-")[0] for path in (tmp_path / "cache").glob("*.pickle")) == [
        "not", "profiles", "responder", "transformer", "vectors"]  # "not-ours": the messages the veto compares with
    assert ask("requests pile up and time out at rush hour", BOT_MATCHER="transformer")["status"] == "answered"


def test_what_only_shares_a_word_stays_a_suggestion_with_the_transformer(ask):
    for question in ("what port does redis use by default", "is python faster than go", "who is on call this week"):
        assert ask(question, BOT_MATCHER="transformer")["status"] != "answered", question


def test_each_candidate_is_scored_by_words_the_static_model_and_the_transformer_together():
    knowledge = load_knowledge([shipped_folder()])
    responder = Responder(knowledge, closeness_for, second_opinion_for)
    positions = {entry.id: index for index, entry in enumerate(knowledge.entries)}
    question = "how do we know our data is right"
    matches = responder.matcher.rank(question, limit=10)
    candidates, _ = rank_candidates(question, matches, responder.closeness, responder.second_opinion, positions,
                                    knowledge.entries)
    # Candidates come from the words and from each model's nearest, and each is scored by all three.
    words = {match.entry.id: match.score for match in matches}
    assert set(words) < {candidate.entry.id for candidate in candidates}
    for candidate in candidates:
        index = positions[candidate.entry.id]
        static = responder.closeness(question, (index,), 0)[index]
        second = responder.second_opinion(question, (index,), 0).closeness[index]
        assert candidate.fused == pytest.approx(WITH_TRANSFORMER.words * words.get(candidate.entry.id, 0.0) / 100
                                                + WITH_TRANSFORMER.static * static
                                                + WITH_TRANSFORMER.transformer * second)
    assert [candidate.fused for candidate in candidates] == sorted((c.fused for c in candidates), reverse=True)
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id, reply.score) == (ANSWERED, candidates[0].entry.id,
                                                           round(100 * candidates[0].fused, 1))


def test_the_first_candidate_is_answered_when_clearly_ahead_or_when_the_word_rules_agree():
    entries = load_knowledge([shipped_folder()]).entries

    def ranked(*scores: float) -> list[Candidate]:
        return [Candidate(entries[index], 0.0, 0.0, 0.0, score, None) for index, score in enumerate(scores)]

    bar = FUSED.answer
    assert chosen(ranked(bar, bar - ANSWER_LEAD), None, FUSED).entry == entries[0]
    assert chosen(ranked(bar, bar - ANSWER_LEAD / 2), None, FUSED) is None  # not far enough ahead
    assert chosen(ranked(bar - 0.01, 0.1), None, FUSED) is None  # not high enough
    assert chosen(ranked(bar - 0.01, bar - 0.011), entries[0].id, FUSED).entry == entries[0]  # the words agree
    assert chosen(ranked(FUSED.agree - 0.01, 0.1), entries[0].id, FUSED) is None  # but not on a weak score
    assert chosen(ranked(bar - 0.01, 0.1), entries[1].id, FUSED) is None  # the words would answer another entry
    assert chosen([], entries[0].id, FUSED) is None


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
    missing = [text for text in texts if text not in model.phrasings.vectors]
    assert missing == ["the nightly export keeps timing out"]
    rebuilt = SecondOpinion(taught.entries, model)
    assert np.array_equal(rebuilt.vectors, Transformer().embed(texts))
    found = rebuilt("the nightly export keeps timing out", (), 1).closeness
    assert list(found) == [[entry.id for entry in taught.entries].index("scale-backend")]


def test_a_lone_entry_is_judged_on_its_own_phrasings():
    knowledge = load_knowledge([shipped_folder()])
    opinion = SecondOpinion([knowledge.by_id["scale-backend"]], Transformer())
    assert opinion("how do I scale a backend?", (), 5).closeness[0] > 0.6
    assert opinion("what is the best pizza topping", (), 5).closeness[0] < 0.3
    assert SecondOpinion([], Transformer())("how do I scale a backend?", (), 5).closeness == {}


def test_a_question_closer_to_a_message_not_for_the_bot_than_to_any_entry_is_not_answered():
    assert is_not_ours(0.61, 0.6) and not is_not_ours(0.59, 0.6)
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
        opinion = responder.second_opinion(question, (), 1)
        assert not is_not_ours(opinion.not_ours, max(opinion.closeness.values()))


def test_the_veto_never_holds_back_what_the_team_wrote_into_its_own_entry(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "entries:\n  - id: on-call\n    question: Who is on call this week?\n    answer: See the on-call calendar.\n"
        "    aliases: [who is on call for the kafka cluster]\n")
    knowledge = load_knowledge([shipped_folder(), tmp_path])
    responder = Responder(knowledge, closeness_for, second_opinion_for)
    question = "who is on call for the kafka cluster this weekend"
    position = [entry.id for entry in knowledge.entries].index("on-call")
    opinion = responder.second_opinion(question, (position,), 0)
    # It reads like the team logistics the veto knows.
    assert is_not_ours(opinion.not_ours, opinion.closeness[position])
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, "on-call")

