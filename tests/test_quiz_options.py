"""Building a quiz: four distinct options with one right, tag-sharing distractors, button-sized labels, two forms."""

import random

import pytest

from bot.core.knowledge import MAX_LABEL_CHARS, Entry
from bot.core.quiz import LETTERS, PICK_ANSWER, PICK_QUESTION, QuizCard, QuizError, build_quiz
from bot.knowledge_files import load_knowledge, shipped_folder

DISCORD_LABEL_CHARS = 80


@pytest.fixture(scope="module")
def entries():
    return load_knowledge([shipped_folder()]).entries


def test_every_quiz_has_four_distinct_options_and_exactly_one_right(entries):
    for seed in range(200):
        card = build_quiz(entries, random.Random(seed))
        texts = [" ".join(option.text.casefold().split()) for option in card.options]
        assert [option.letter for option in card.options] == list(LETTERS)
        assert len(set(texts)) == 4 and len({option.entry_id for option in card.options}) == 4
        right = [option for option in card.options if option.entry_id == card.entry_id]
        assert len(right) == 1 and right[0].letter == card.correct


def test_both_forms_appear_and_the_right_letter_moves_around(entries):
    cards = [build_quiz(entries, random.Random(seed)) for seed in range(120)]
    assert {card.form for card in cards} == {PICK_ANSWER, PICK_QUESTION}
    assert 0.15 < sum(card.form == PICK_QUESTION for card in cards) / len(cards) < 0.55
    assert {card.correct for card in cards} == set(LETTERS)


def test_wrong_options_come_from_entries_sharing_a_tag_when_there_are_enough(entries):
    entry = next(item for item in entries if item.id == "optimize-db-queries")
    sharing = {other.id for other in entries if other.id != entry.id and set(other.tags) & set(entry.tags)}
    assert len(sharing) >= 3
    for seed in range(30):
        card = build_quiz(entries, random.Random(seed), entry=entry, form=PICK_ANSWER)
        assert {option.entry_id for option in card.options} - {entry.id} <= sharing


def test_long_answers_sit_lettered_in_the_body_and_the_buttons_carry_letters(entries):
    card = build_quiz(entries, random.Random(3), form=PICK_ANSWER)
    assert not card.has_text_buttons
    assert card.button_labels() == [(letter, letter) for letter in LETTERS]
    assert card.body.startswith("Which answer fits this question?\n\n" + card.subject)
    for option in card.options:
        assert f"\n{option.letter}. {option.text}" in card.body


def test_the_reverse_form_shows_an_answer_and_puts_whole_word_question_labels_on_buttons(entries):
    ledger = next(item for item in entries if item.id == "concurrency-shared-resource")
    assert len(ledger.question) > MAX_LABEL_CHARS
    card = build_quiz(entries, random.Random(1), entry=ledger, form=PICK_QUESTION)
    assert card.prompt == "Which question does this answer belong to?"
    assert card.subject.startswith(ledger.answer[0][:40])
    assert card.has_text_buttons
    labels = dict(card.button_labels())
    assert labels[card.correct] == ledger.short_label
    for option in card.options:
        assert len(labels[option.letter]) <= min(MAX_LABEL_CHARS, DISCORD_LABEL_CHARS)
        source = next(item for item in entries if item.id == option.entry_id)
        if not source.label:
            words = labels[option.letter].rstrip("…").split()
            assert words == source.question.split()[:len(words)], "a shortened question never cuts a word"


def test_option_texts_that_read_the_same_are_never_both_offered():
    def entry(entry_id, question, tags=("api",)):
        return Entry(id=entry_id, question=question, answer=(f"Answer of {entry_id}.",), tags=tags)

    entries = [entry("a", "What is a queue?"), entry("b", "What is a  QUEUE?"), entry("c", "What is a cache?"),
               entry("d", "What is a lock?"), entry("e", "What is a log?")]
    for seed in range(40):
        card = build_quiz(entries, random.Random(seed), entry=entries[0], form=PICK_QUESTION)
        assert "b" not in {option.entry_id for option in card.options}


def test_too_little_knowledge_for_four_options_is_a_clear_error():
    entries = [Entry(id=name, question=f"{name}?", answer=(f"{name}.",)) for name in ("a", "b", "c")]
    with pytest.raises(QuizError, match="at least 4 entries"):
        build_quiz(entries, random.Random(0))


def test_a_stored_card_comes_back_identical(entries):
    card = build_quiz(entries, random.Random(7))
    assert QuizCard.from_json(card.as_json()) == card


def test_a_long_question_without_a_label_is_cut_at_a_word_boundary_on_its_button():
    long_question = "How do we keep " + " ".join(["very"] * 20) + " long questions readable on a button?"
    entries = [Entry(id=f"e{number}", question=f"Short question {number}?", answer=(f"Answer {number}.",))
               for number in range(4)] + [Entry(id="long", question=long_question, answer=("Shorten them.",))]
    card = build_quiz(entries, random.Random(0), entry=entries[-1], form=PICK_QUESTION)
    label = dict(card.button_labels())[card.correct]
    assert len(label) <= MAX_LABEL_CHARS and label.endswith("…")
    words = label.rstrip("…").split()
    assert words == long_question.split()[:len(words)]
