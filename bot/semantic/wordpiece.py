"""The shipped model's tokenizer in plain Python: BERT's uncased normalisation, its split into words and
punctuation, then WordPiece (greedy longest match). It reads the same tokenizer.json and gives the same ids as the
`tokenizers` library (tests/test_plain_meaning.py holds it to that on every question set and on hostile text); a
library that takes 60 ms to import and load is not worth it for the few dozen words of a chat question.

Two differences, both on purpose or beyond reach: a special token typed in a message ("[SEP]", "[PAD]") stays
text here, where the library would make it the token itself; and the few characters whose Unicode category
changed between the library's Unicode tables and Python's are classed by Python's.
"""

import json
import re
import string
import unicodedata
from pathlib import Path

from . import ModelError

# Ids of words already split, so a word costs one look-up after its first time. Bounded: a long-running bot
# meets new words forever, so the memo starts over once it holds this many.
MEMO_WORDS = 50_000
ASCII_PUNCTUATION = frozenset(string.punctuation)
# Control characters go, every kind of white space becomes a plain space (BERT's "clean text").
ASCII_CLEAN = {code: None for code in (*range(32), 127) if chr(code) not in "\t\n\r"} | {ord(c): " " for c in "\t\n\r"}
ASCII_WORDS = re.compile(r"[a-z0-9]+|\S")
# Control, format, private-use and surrogate characters are dropped; an unassigned one is kept, as the library does.
OTHER = frozenset({"Cc", "Cf", "Co", "Cs"})


def is_cjk(code: int) -> bool:
    """The CJK ideograph blocks, where every character is a word of its own."""
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B920 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)


def normalised(text: str) -> str:
    """BERT's uncased normalisation: controls dropped, white space made plain, CJK spaced, accents stripped, lower."""
    if text.isascii():
        return text.translate(ASCII_CLEAN).lower()
    kept = []
    for char in text:
        code = ord(char)
        category = unicodedata.category(char)
        if char in "\t\n\r":
            kept.append(" ")
        elif code == 0 or code == 0xFFFD or category in OTHER:
            continue
        elif char.isspace():
            kept.append(" ")
        elif is_cjk(code):
            kept.append(f" {char} ")
        else:
            kept.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(kept))
    # Lowered one character at a time, as the model's tokenizer does: no word-final sigma.
    return "".join(char.lower() for char in decomposed if unicodedata.category(char) != "Mn")


def words_of(text: str) -> list[str]:
    """Split at white space, with every punctuation character a word of its own."""
    if text.isascii():
        return ASCII_WORDS.findall(text)
    found = []
    for chunk in text.split():
        start = 0
        for position, char in enumerate(chunk):
            if char in ASCII_PUNCTUATION or unicodedata.category(char).startswith("P"):
                if position > start:
                    found.append(chunk[start:position])
                found.append(char)
                start = position + 1
        if start < len(chunk):
            found.append(chunk[start:])
    return found


class WordPiece:
    def __init__(self, path: Path):
        try:
            model = json.loads(path.read_text(encoding="utf-8"))["model"]
            self.vocabulary: dict[str, int] = model["vocab"]
            self.unknown = self.vocabulary[model["unk_token"]]
            self.prefix: str = model["continuing_subword_prefix"]
            self.longest_word: int = model["max_input_chars_per_word"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelError(f"cannot read the tokenizer {path}: {error}") from error
        self._memo: dict[str, tuple[int, ...]] = {}

    def ids(self, text: str) -> list[int]:
        """The token ids of a text, without special tokens; a word the vocabulary cannot spell is the unknown id."""
        found: list[int] = []
        for word in words_of(normalised(text)):
            pieces = self._memo.get(word)
            if pieces is None:
                if len(self._memo) >= MEMO_WORDS:
                    self._memo.clear()
                pieces = self._memo[word] = self._pieces(word)
            found.extend(pieces)
        return found

    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > self.longest_word:
            return (self.unknown,)
        pieces = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocabulary:
                    pieces.append(self.vocabulary[piece])
                    start = end
                    break
            else:
                return (self.unknown,)
        return tuple(pieces)
