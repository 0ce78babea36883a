"""The fused matcher (the default) adds closeness in meaning from the shipped model to the word matcher: it
answers what words alone only suggest, offers the closest entries from both sides, and holds back an answer
that shares words but not meaning. BOT_MATCHER=lexical runs without the model."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from bot.core.knowledge import with_aliases
from bot.core.evaluation import evaluate
from bot.core.replies import ANSWERED, SUGGEST, Responder
from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import closeness_for
from bot.semantic.embedding import MODEL_FOLDER, Embedder
from bot.semantic.index import SemanticIndex
from bot.semantic.model import phrasing_groups

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "backend-bot")


def ask(question: str, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_MATCHER")}
    env.update(variables)
    return subprocess.run([COMMAND, "ask", "--json", question], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge([shipped_folder()])


def test_ask_answers_by_meaning_what_the_word_matcher_only_suggests(tmp_path):
    question = "when does a cache make sense"
    fused = ask(question, BOT_DATABASE=str(tmp_path / "fused.db"))
    lexical = ask(question, BOT_DATABASE=str(tmp_path / "lexical.db"), BOT_MATCHER="lexical")
    assert fused.returncode == 0 and lexical.returncode == 0, fused.stderr + lexical.stderr
    assert (json.loads(fused.stdout)["status"], json.loads(fused.stdout)["entry"]["id"]) == ("answered", "when-cache")
    assert json.loads(lexical.stdout)["status"] == "suggest"


def test_an_answer_that_shares_words_but_not_meaning_is_not_given(knowledge):
    question = "angular state management library"
    assert Responder(knowledge).reply_to(question).status == ANSWERED
    assert Responder(knowledge, closeness_for).reply_to(question).status != ANSWERED


def test_suggestions_come_from_meaning_as_well_as_words(knowledge):
    question = "keep the same product list from being fetched from the database again and again"
    words = Responder(knowledge).reply_to(question)
    fused = Responder(knowledge, closeness_for).reply_to(question)
    assert "when-cache" not in [match.entry.id for match in words.suggestions]
    assert fused.status == SUGGEST and "when-cache" in [match.entry.id for match in fused.suggestions]


def test_an_answer_offers_an_entry_scored_nearly_as_high_and_a_clear_one_offers_none(knowledge):
    fused = Responder(knowledge, closeness_for)
    reply = fused.reply_to("how to add observability to our backend")
    assert (reply.status, reply.entry.id) == (ANSWERED, "implement-observability")
    assert [entry.id for entry in reply.alternatives] == ["why-observability"]
    assert not set(reply.alternatives) & set(reply.related)
    assert json.loads(json.dumps(reply.as_json()))["alternatives"] == [
        {"id": "why-observability", "question": knowledge.get("why-observability").question}]
    assert fused.reply_to("how do I make a request idempotent?").alternatives == ()
    # Words alone offer none: their runner-up a few points behind was seldom the entry wanted.
    assert Responder(knowledge).reply_to("keeping data consistent in the system, approaches?").alternatives == ()


def test_an_entry_offered_beside_an_answer_counts_as_found_but_the_answer_is_still_wrong(knowledge):
    result = evaluate(Responder(knowledge, closeness_for),
                      [{"q": "how to add observability to our backend", "expect": "why-observability"}])
    assert (result.answered_correctly, result.found, result.confidently_wrong) == (0, 1, 1)


def test_an_example_lends_its_entry_its_meaning_but_not_its_words(tmp_path):
    entry = ("entries:\n  - id: ledger-export\n    question: How do I export the ledger for finance?\n"
             "    answer: Run the ledger export job; it writes one row per posting.\n")
    example = "    examples: [the accountants want every transaction from march as a spreadsheet before the audit]\n"
    question = "accountants spreadsheet audit march"

    def first_ids(text: str) -> tuple[str, str | None]:
        """The word matcher's first entry, and the fused reply's answer or first suggestion."""
        (tmp_path / "team.yaml").write_text(text)
        knowledge = load_knowledge([shipped_folder(), tmp_path])
        reply = Responder(knowledge, closeness_for).reply_to(question)
        first = reply.entry or (reply.suggestions[0].entry if reply.suggestions else None)
        return Responder(knowledge).matcher.rank(question, limit=1)[0].entry.id, first and first.id

    assert first_ids(entry)[1] != "ledger-export"
    assert first_ids(entry + example) == (first_ids(entry)[0], "ledger-export")


def test_the_lexical_matcher_loads_no_model(tmp_path):
    script = ("import sys; from bot.config import load_settings; from bot.wiring import build_responder; "
              "reply = build_responder(load_settings(env_file=None)).reply_to('how do I scale a backend'); "
              "print(reply.entry.id, 'tokenizers' in sys.modules, 'bot.semantic' in sys.modules)")
    env = {key: value for key, value in os.environ.items() if key != "KNOWLEDGE_PATH"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**env, "BOT_MATCHER": "lexical", "BOT_DATABASE": str(tmp_path / "x.db")})
    assert result.stdout.split() == ["scale-backend", "False", "False"], result.stderr


def test_an_unknown_matcher_is_one_line_naming_the_variable(tmp_path):
    result = ask("how do I scale", BOT_MATCHER="neural", BOT_DATABASE=str(tmp_path / "x.db"))
    assert result.returncode != 0
    assert result.stderr.strip() == "error: BOT_MATCHER must be fused, lexical or transformer, not 'neural'"


def test_the_model_is_shipped_as_package_data_and_embeds_like_meanings_close_together():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {path.name for path in MODEL_FOLDER.iterdir()}
    assert {"model.safetensors", "tokenizer.json"} <= shipped
    assert set(package_data["bot.semantic"]) == {"model/*.json", "model/*.safetensors", "minilm/*.json", "minilm/*.onnx",
                                                 "minilm/*.txt"}
    vectors = Embedder().embed(["how do I speed up slow sql queries", "our database queries take forever",
                                "what is the best pizza topping", ""])
    assert [round(float(length), 3) for length in (vectors ** 2).sum(axis=1)] == [1.0, 1.0, 1.0, 0.0]
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_an_entry_is_as_close_as_half_its_best_phrasing_and_half_its_best_three_every_way_it_is_worked_out():
    import numpy as np

    from bot.semantic import agreement

    random = np.random.default_rng(7)
    # Even groups, one group far longer than the rest (sorted, not padded), and groups shorter than three.
    for lengths in ([40, 55, 31], [1, 2, 3, 500, 4], [1], [2, 1, 7]):
        cosines = (random.random(sum(lengths)) * 2 - 1).astype(np.float32)
        starts = np.cumsum(lengths) - lengths
        expected = [agreement.entry_closeness(cosines[start:start + length].tolist())
                    for start, length in zip(starts, lengths)]
        assert np.allclose(agreement.group_closeness(cosines, lengths), expected)
    assert agreement.entry_closeness([0.9, 0.1, 0.1, 0.0]) == pytest.approx(0.5 * 0.9 + 0.5 * 1.1 / 3)
    # One phrasing close by accident weighs less than three that agree.
    assert agreement.entry_closeness([0.8, 0.2, 0.2]) < agreement.entry_closeness([0.7, 0.65, 0.6])


def test_a_words_answer_that_meaning_alone_cannot_beat_is_settled_without_comparing_every_entry(knowledge):
    from bot.core.fusion import FUSED, beyond_meaning_alone, rank_candidates

    responder = Responder(knowledge, closeness_for)
    positions = {entry.id: index for index, entry in enumerate(knowledge.entries)}
    lines = (ROOT / "benchmarks" / "questions" / "fresh.jsonl").read_text(encoding="utf-8").splitlines()
    settled = 0
    for question in (json.loads(line)["q"] for line in lines):
        matches = responder.matcher.rank(question, limit=10)
        quick, _ = rank_candidates(question, matches, responder.closeness, None, positions, knowledge.entries, 0)
        if beyond_meaning_alone(quick, FUSED):
            full, _ = rank_candidates(question, matches, responder.closeness, None, positions, knowledge.entries)
            assert (full[0].entry.id, round(full[0].fused, 6)) == (quick[0].entry.id, round(quick[0].fused, 6))
            settled += 1
    assert settled > 20  # the shortcut is taken often enough to matter


def test_a_reload_embeds_only_a_taught_phrasing_and_the_vectors_match_a_full_build(knowledge):
    embedder = Embedder()
    SemanticIndex(knowledge.entries, embedder)
    taught = with_aliases(knowledge, [("the nightly export keeps timing out", "scale-backend")])[0]
    texts = [text for group in phrasing_groups(taught.entries) for text in group]
    assert [text for text in texts if text not in embedder.phrasings.vectors] == ["the nightly export keeps timing out"]
    rebuilt = SemanticIndex(taught.entries, embedder)
    assert np.array_equal(rebuilt.vectors, Embedder(embedder.model).embed(texts))
