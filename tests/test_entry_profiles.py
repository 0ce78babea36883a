"""Each entry's profile (bot/semantic/profile.py), fitted to all the knowledge's phrasings, is weighed beside its
closeness: the same every way closeness is worked out, for small knowledge and for large."""

from dataclasses import replace

import numpy as np
import pytest

from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import EXACT_UP_TO
from bot.semantic.agreement import PROFILE_SHARE, group_closeness, group_with_profiles, with_profile
from bot.semantic.embedding import Embedder
from bot.semantic.index import SemanticIndex
from bot.prepared import PreparedCache
from bot.semantic.model import Model, phrasing_groups, phrasing_vectors
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


def test_a_profile_adds_a_tenth_of_its_score_capped_at_one_and_the_sum_is_scaled_back_to_at_most_one():
    assert PROFILE_SHARE == 0.1
    assert with_profile(1.0, 5.0) == pytest.approx(1.0)
    assert with_profile(0.5, 1.0) == pytest.approx(0.6 / 1.1)
    assert with_profile(0.5, -3.0) == pytest.approx(0.2 / 1.1)
    closeness, profiles = np.array([0.2, 0.4, 0.6, 0.8]), np.array([-3.0, 0.5, 1.0, 7.0])
    assert group_with_profiles(closeness, profiles).tolist() == pytest.approx(
        [with_profile(float(one), float(profile)) for one, profile in zip(closeness, profiles)])
    assert group_with_profiles(closeness, profiles).tolist() == pytest.approx(
        [-0.1 / 1.1, 0.45 / 1.1, 0.7 / 1.1, 0.9 / 1.1])


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


def test_the_same_phrasings_split_otherwise_between_entries_are_fitted_anew_not_loaded_from_the_kept_build(
        knowledge, tmp_path):
    first, second = knowledge.entries[:2]
    texts = [first.question, second.question, "how do we roll back a bad deploy"]

    def two_entries(split: int) -> list:
        return [replace(first, question=texts[0], label="", aliases=tuple(texts[1:split]), examples=()),
                replace(second, question=texts[split], label="", aliases=tuple(texts[split + 1:]), examples=())]

    model, cache = Model(), PreparedCache(tmp_path)
    kept = phrasing_vectors(two_entries(2), model, cache)  # counts 2 and 1
    split_otherwise = phrasing_vectors(two_entries(1), model, cache)  # the same texts, counts 1 and 2
    assert (kept.texts, kept.vectors) == (split_otherwise.texts, split_otherwise.vectors)
    assert split_otherwise.profiles != kept.profiles
    assert split_otherwise.profiles == phrasing_vectors(two_entries(1), model, PreparedCache(None)).profiles

