"""The shipped model read in plain Python: its tokenizer gives the ids of the model's own tokenizer library, its
table is read from the file as it is, and closeness worked out without numpy (for `ask` and `chat`) gives the
replies that numpy's gives."""

import functools
import json
import random
import shutil
import unicodedata
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from bot.core.replies import Responder
from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import ModelError, closeness_for
from bot.semantic.model import MODEL_FOLDER, Model
from bot.semantic.table import read_table
from bot.semantic.wordpiece import WordPiece

ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = sorted((ROOT / "benchmarks" / "questions").glob("*.jsonl"))
HOSTILE = [
    "", "   ", "🔥🔥 prod is down 🔥🔥", "café naïve résumé", "ΣΑΣ ΟΔΟΣ", "İstanbul", "Straße", "ﬁx the ﬂaky test",
    "日本語のテキストと English", "한국어 질문", "مرحبا كيف حالك", "a\u2028b\u0085c\x0bd\x00e\ufffdf", "zero\u200bwidth",
    "x" * 150, "word" + "ing" * 40, "<!channel> &amp; <@U123> `code` **bold**", "tab\tnew\nline\rreturn",
    "\u202eevil right-to-left\u202c", "emoji 👩‍💻 zwj", "math 𝒙² ≤ 5", "naïve\u0301\u0301 combining",
    "a\U0002b820b a\U0002b920b", "deploy\u0378ment", "unassigned \U000e0080 plane",
]


def question_lines() -> list[str]:
    lines = []
    for path in QUESTION_FILES:
        lines += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge([shipped_folder()])


@pytest.fixture(scope="module")
def reference():
    tokenizer = Tokenizer.from_file(str(MODEL_FOLDER / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return lambda text: tokenizer.encode(text, add_special_tokens=False).ids


def test_the_plain_tokenizer_gives_the_librarys_ids_for_every_question_and_phrasing(knowledge, reference):
    ours = WordPiece(MODEL_FOLDER / "tokenizer.json")
    texts = question_lines() + [text for entry in knowledge.entries
                                for text in (entry.question, *entry.aliases, *entry.answer)]
    assert len(texts) > 2500
    assert [text for text in texts if ours.ids(text) != reference(text)] == []


def test_hostile_text_is_split_as_the_library_splits_it(reference):
    ours = WordPiece(MODEL_FOLDER / "tokenizer.json")
    rng = random.Random(7)
    # Any character of the basic plane whose kind Unicode has not changed since 3.2: the library's tables and
    # Python's are of different Unicode versions, and a character new since or moved (4 of 50,686) may differ.
    old = unicodedata.ucd_3_2_0
    alphabet = [chr(code) for code in range(0x20, 0x10000)
                if old.category(chr(code)) not in ("Cn", "Co", "Cs") and old.category(chr(code)) == unicodedata.category(chr(code))]
    texts = HOSTILE + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(2000)]
    assert [text for text in texts if ours.ids(text) != reference(text)] == []


def test_a_lone_surrogate_is_dropped_not_raised():
    ours = WordPiece(MODEL_FOLDER / "tokenizer.json")
    assert ours.ids("cache \ud800 it") == ours.ids("cache it")


def test_a_word_seen_once_is_remembered_and_the_memory_is_bounded():
    ours = WordPiece(MODEL_FOLDER / "tokenizer.json")
    first = ours.ids("idempotency keys")
    assert ours.ids("idempotency keys") == first
    for number in range(60_000):
        ours.ids(f"w{number}")
    assert len(ours._memo) <= 50_000


def test_plain_closeness_gives_numpys_cosines_and_the_same_replies(knowledge):
    numpy_side = closeness_for(knowledge.entries)
    plain_side = closeness_for(knowledge.entries, plain=True)
    questions = question_lines()[::7] + HOSTILE  # every set's kinds of line; all of them would take a minute
    for question in questions:
        for among, nearest in (((0, 5), 5), ((3,), 0)):
            expected = numpy_side(question, among, nearest)
            found = plain_side(question, among, nearest)
            assert found.keys() == expected.keys(), question
            assert max(abs(found[key] - expected[key]) for key in found) < 1e-5, question
    with_numpy = Responder(knowledge, closeness_for)
    with_plain = Responder(knowledge, functools.partial(closeness_for, plain=True))
    for question in questions:
        expected, found = with_numpy.reply_to(question), with_plain.reply_to(question)
        assert (found.status, getattr(found.entry, "id", None)) == (expected.status, getattr(expected.entry, "id", None))
        assert [match.entry.id for match in found.suggestions] == [match.entry.id for match in expected.suggestions]


def test_a_damaged_model_file_is_named_in_one_line(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(MODEL_FOLDER, folder)
    table = folder / "model.safetensors"
    table.write_bytes(table.read_bytes()[:4096])
    with pytest.raises(ModelError, match=f"^{table}: the embeddings table's type \\(F16\\) or size does not match"):
        Model(folder)
    table.write_bytes(b"\x05")
    with pytest.raises(ModelError, match=f"^cannot read the model table {table}"):
        read_table(table)
    (folder / "tokenizer.json").write_text('{"model": {}}')
    with pytest.raises(ModelError, match=f"^cannot read the tokenizer {folder / 'tokenizer.json'}"):
        Model(folder)
