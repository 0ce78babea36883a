"""Each entry's profile (bot/semantic/profile.py), fitted to all the knowledge's phrasings, is weighed beside its
closeness: the same every way closeness is worked out, for small knowledge and for large."""

from dataclasses import replace

import numpy as np
import pytest

from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import EXACT_UP_TO
from bot.semantic.agreement import group_closeness, group_with_profiles
from bot.semantic.embedding import Embedder
from bot.semantic.index import SemanticIndex
from bot.semantic.model import phrasing_groups
from bot.semantic.profile import fit_profiles


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge([shipped_folder()])


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


def test_an_entry_with_one_phrasing_beside_entries_with_sixty_still_scores_its_own_phrasing_highest(knowledge, embedder):
    lone = replace(knowledge.entries[0], id="purple-widget-restart", question="how do we restart the purple widget fleet",
                   label="", aliases=(), examples=(), tags=())
    entries = [*knowledge.entries, lone]
    groups = phrasing_groups(entries)
    vectors = embedder.embed([text for group in groups for text in group])
    profiles = fit_profiles(vectors, np.array([len(group) for group in groups]))
    assert profiles.shape == (len(entries), embedder.dimensions + 1)

    def scores(text: str) -> np.ndarray:
        return profiles[:, :-1] @ embedder.embed_one(text) + profiles[:, -1]

    assert int(np.argmax(scores(lone.question))) == len(entries) - 1
    # Most phrasings are scored highest by their own entry too: the fit learns them (28 entries: 1 in 28 by chance).
    owners = np.repeat(np.arange(len(groups)), [len(group) for group in groups])
    fitted = vectors @ profiles[:, :-1].T + profiles[:, -1]
    assert (fitted.argmax(axis=1) == owners).mean() > 0.8


def test_a_small_knowledges_closeness_weighs_each_entrys_profile_beside_its_phrasings(knowledge, embedder):
    index = SemanticIndex(knowledge.entries, embedder)
    question = "our api falls over at peak, what do we do?"
    query = embedder.embed_one(question)
    cosines = group_closeness(index.vectors @ query, index.counts)
    scores = index.profiles[:, :-1] @ query + index.profiles[:, -1]
    found = index.closeness(question, (), len(knowledge.entries))
    assert [found[position] for position in range(len(knowledge.entries))] == \
        pytest.approx(group_with_profiles(cosines, scores).tolist(), abs=1e-6)
    assert max(found.values()) <= 1.0
    assert not np.allclose(group_with_profiles(cosines, scores), cosines)


def test_a_text_without_a_known_token_is_close_to_no_entry(knowledge, embedder):
    index = SemanticIndex(knowledge.entries, embedder)
    assert set(index.closeness("", (), len(knowledge.entries)).values()) == {0.0}


def test_a_large_knowledge_has_no_profiles_and_its_shortlist_gives_each_entry_it_returns_its_exact_closeness(
        knowledge, embedder):
    # Over EXACT_UP_TO entries, each a question and two aliases from the shipped examples, beside the shipped ones.
    examples = [example for entry in knowledge.entries for example in entry.examples]
    extra = [replace(knowledge.entries[0], id=f"extra-{number}", question=examples[3 * number], label="",
                     aliases=tuple(examples[3 * number + 1:3 * number + 3]), examples=(), tags=())
             for number in range(EXACT_UP_TO + 50)]
    entries = [*knowledge.entries, *extra]
    index = SemanticIndex(entries, embedder)
    assert index.rough is not None and index.profiles is None
    for question in ("our api falls over at peak, what do we do?", "how do I stop a double charge?",
                     "the webhook from the payment provider never showed up"):
        query = embedder.embed_one(question)
        exact = group_closeness(index.vectors @ query, index.counts)
        found = index.closeness(question, (0, 1), 5)
        assert {0, 1} <= found.keys()
        assert all(value == pytest.approx(float(exact[position]), abs=1e-5) for position, value in found.items())
        # The nearest it returns is the nearest of all (the shortlist is generous, not exhaustive, further down).
        assert max(found.values()) == pytest.approx(float(exact.max()), abs=1e-5)
