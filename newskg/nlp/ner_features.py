"""Character features for the CRF named-entity tagger.

One module owns the feature templates so that training (scripts/train_ner.py) and prediction
(newskg.nlp.ner) cannot drift apart: a model is only valid with the exact extractor that
produced its training features, hence FEATURE_VERSION, which the model loader checks.

Features per character (all strings, as python-crfsuite wants them):
- characters in a +/-2 window, character bigrams, one skip-bigram;
- coarse character types (Han, digit, Latin, Chinese numeral, punctuation, name dot) in a window;
- jieba word features from a private ``jieba.Tokenizer`` (never the global one, whose
  dictionary other code may change): position of the character in its word (BMES + length),
  the jieba dictionary POS tag of the word (nr/ns/nt... are an external name lexicon that
  carries over to text the NER training data never saw), the neighbouring words' tags, the word;
- dictionary cues from data/ner_lexicon.tsv: surnames, place suffixes, organisation suffixes;
- a gazetteer of names seen in the training data (longest match, B/M/E/S + label). During training
  it is built jackknife-style (each sentence sees only names from the other folds), so the CRF
  learns how far to trust a match instead of copying the training labels through it.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

FEATURE_VERSION = "charcrf-v2-gaz"
LEXICON_PATH = Path(__file__).parent / "data" / "ner_lexicon.tsv"
EXTRA_GAZETTEER_PATH = Path(__file__).parent / "data" / "ner_gazetteer_extra.tsv"

# jieba's dictionary has ~55 POS tags; the fine distinctions (nrt vs nrfg, vg vs vd) only
# dilute the statistics, so they are folded into a few coarse groups.
_TAG_GROUPS = {
    "nr": "nr", "nrt": "nr", "nrfg": "nr", "ns": "ns", "nt": "nt", "nz": "nz",
    "n": "n", "ng": "n", "s": "s", "t": "t", "tg": "t", "m": "m", "mq": "m", "q": "q",
    "j": "j", "f": "f", "p": "p", "c": "c", "u": "u", "r": "r", "d": "d", "i": "i", "l": "l",
}
_UNKNOWN_HAN = "U"  # word jieba's HMM put together from unknown characters: often a name


def _coarse_tag(tag: str) -> str:
    return _TAG_GROUPS.get(tag, tag[:1])


@lru_cache(maxsize=1)
def nfkc_table() -> dict[int, str]:
    """Map each code point whose NFKC form is a single other character to that character.

    ``text.translate(nfkc_table())`` is NFKC applied character by character, which keeps the
    length (so offsets into the normalised text are offsets into the original); the few
    characters whose NFKC form is longer (``…`` -> ``...``) are left unchanged.
    """
    table: dict[int, str] = {}
    for cp in range(0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        norm = unicodedata.normalize("NFKC", ch)
        if norm != ch and len(norm) == 1:
            table[cp] = norm
    return table


def normalize_chars(text: str) -> str:
    """Per-character NFKC; ``len(result) == len(text)`` always."""
    return text.translate(nfkc_table())


_CN_NUMERALS = frozenset("〇零一二三四五六七八九十百千万亿两")
_NAME_DOTS = frozenset("·•・‧")


def _char_type(ch: str) -> str:
    cp = ord(ch)
    if ch in _NAME_DOTS:
        return "m"
    if ch in _CN_NUMERALS:
        return "n"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or cp >= 0x20000:
        return "h"
    if "0" <= ch <= "9":
        return "d"
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "l"
    if ch.isspace():
        return "s"
    cat = unicodedata.category(ch)
    if cat[0] in "PS":
        return "p"
    if cat[0] == "N":
        return "d"
    if cat[0] == "L":
        return "l"
    return "o"


class _TypeTable(dict):
    """str.translate table: BMP precomputed, anything else computed on the fly (rare)."""

    def __missing__(self, cp: int) -> str:
        return _char_type(chr(cp))


@lru_cache(maxsize=1)
def char_type_table() -> _TypeTable:
    table = _TypeTable()
    for cp in range(0x10000):
        if not 0xD800 <= cp <= 0xDFFF:
            table[cp] = _char_type(chr(cp))
    return table


@dataclass(frozen=True)
class NerLexicon:
    """Hand-written cue lists (data/ner_lexicon.tsv)."""

    surnames: frozenset[str]
    surnames2: frozenset[str]
    place_suffixes: frozenset[str]
    org_suffixes: frozenset[str]

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> NerLexicon:
        kinds: dict[str, set[str]] = {"surname": set(), "place_suffix": set(), "org_suffix": set()}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            kind, entry = line.split("\t")
            kinds[kind].add(normalize_chars(entry))
        return cls(
            surnames=frozenset(s for s in kinds["surname"] if len(s) == 1),
            surnames2=frozenset(s for s in kinds["surname"] if len(s) == 2),
            place_suffixes=frozenset(kinds["place_suffix"]),
            org_suffixes=frozenset(kinds["org_suffix"]),
        )


def _load_word_tags(tokenizer: jieba.Tokenizer) -> dict[str, str]:
    """Coarse POS tag of every word in the tokenizer's dictionary (jieba's dict.txt format)."""
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3:
                tags[parts[0]] = _coarse_tag(parts[2])
    return tags


def _suffix_flag(word: str, suffixes: frozenset[str]) -> bool:
    return len(word) >= 2 and (word[-1] in suffixes or word[-2:] in suffixes or word[-3:] in suffixes)


GAZ_MIN_LEN = 2
GAZ_MAX_LEN = 25


@dataclass(frozen=True)
class Gazetteer:
    """Entity strings with their majority label, matched longest-first left to right."""

    entries: Mapping[str, str]
    prefixes: frozenset[str]

    @classmethod
    def from_counts(cls, counts: Mapping[str, Counter[str]]) -> Gazetteer:
        entries = {
            name: labels.most_common(1)[0][0]
            for name, labels in counts.items()
            if GAZ_MIN_LEN <= len(name) <= GAZ_MAX_LEN
        }
        prefixes = frozenset(name[:k] for name in entries for k in range(1, len(name) + 1))
        return cls(entries, prefixes)

    @classmethod
    def load(cls, *paths: Path) -> Gazetteer:
        """Union of ``name<TAB>label`` files (``#`` comments allowed); later files win."""
        counts: dict[str, Counter[str]] = {}
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    name, label = line.split("\t")
                    counts[normalize_chars(name)] = Counter({label: 1})
        return cls.from_counts(counts)

    def save(self, path: Path) -> None:
        path.write_text("".join(f"{n}\t{lab}\n" for n, lab in sorted(self.entries.items())), encoding="utf-8")

    def column(self, text: str) -> list[str]:
        """``G=<label><BMES>`` for characters inside a match, ``G=-`` elsewhere."""
        n = len(text)
        col = ["G=-"] * n
        entries, prefixes = self.entries, self.prefixes
        i = 0
        while i < n:
            best_end, best_label = 0, ""
            j = i + 1
            while j <= n and text[i:j] in prefixes:
                label = entries.get(text[i:j])
                if label is not None:
                    best_end, best_label = j, label
                j += 1
            if best_end:
                col[i:best_end] = _positional("G=", best_label, best_end - i)
                i = best_end
            else:
                i += 1
        return col


EMPTY_GAZETTEER = Gazetteer({}, frozenset())


@lru_cache(maxsize=4096)
def _positional(prefix: str, value: str, length: int, with_length: bool = False) -> tuple[str, ...]:
    """``prefix + value + BMES position (+ word length, capped at 5)`` for each character.

    Cached: the same (tag, length) combinations recur constantly, and building these
    strings character by character was the slowest part of feature extraction.
    """
    ln = str(min(length, 5)) if with_length else ""
    marks = ["S"] if length == 1 else ["B"] + ["M"] * (length - 2) + ["E"]
    return tuple(prefix + value + m + ln for m in marks)


class FeatureExtractor:
    """Turns a normalised sentence into one feature list per character."""

    def __init__(self, lexicon: NerLexicon | None = None, gazetteer: Gazetteer = EMPTY_GAZETTEER) -> None:
        self.lexicon = lexicon or NerLexicon.load()
        self.gazetteer = gazetteer
        self.tokenizer = jieba.Tokenizer()
        previous = jieba.default_logger.level
        jieba.default_logger.setLevel(logging.WARNING)  # silence "Building prefix dict..."
        try:
            self.tokenizer.initialize()
        finally:
            jieba.default_logger.setLevel(previous)
        self.word_tags = _load_word_tags(self.tokenizer)
        # Per-instance memo tables (bound to this extractor's lexicon): the same words recur.
        self._own_suffix = lru_cache(maxsize=65536)(self._own_suffix_uncached)
        self._next_suffix = lru_cache(maxsize=65536)(self._next_suffix_uncached)

    def _own_suffix_uncached(self, word: str) -> str:
        """``o``/``l`` if the word ends in an organisation / place suffix."""
        lex = self.lexicon
        return ("o" if _suffix_flag(word, lex.org_suffixes) else "") + (
            "l" if _suffix_flag(word, lex.place_suffixes) else ""
        )

    def _next_suffix_uncached(self, next_word: str) -> str:
        """``O``/``L`` if the following word is itself an organisation / place suffix."""
        lex = self.lexicon
        return ("O" if next_word in lex.org_suffixes else "") + ("L" if next_word in lex.place_suffixes else "")

    def _word_columns(self, text: str, types: str) -> tuple[list[str], ...]:
        """Per-character word features from jieba's segmentation of ``text``."""
        words = list(self.tokenizer.cut(text, HMM=True))
        tags: list[str] = []
        pos = 0
        for w in words:
            tag = self.word_tags.get(w)
            if tag is None:
                tag = _UNKNOWN_HAN if types[pos] == "h" else "x" + types[pos]
            tags.append(tag)
            pos += len(w)
        if pos != len(text):
            raise AssertionError("jieba segmentation does not cover the text")
        nw = len(words)
        col_pos: list[str] = []
        col_tag: list[str] = []
        col_ctx: list[str] = []
        col_word: list[str] = []
        col_suf: list[str] = []
        for k, w in enumerate(words):
            length = len(w)
            tag = tags[k]
            prev_tag = tags[k - 1] if k else "^"
            next_tag = tags[k + 1] if k + 1 < nw else "$"
            next_word = words[k + 1] if k + 1 < nw else ""
            suffix = self._own_suffix(w) + self._next_suffix(next_word)
            col_pos.extend(_positional("p=", "", length, with_length=True))
            col_tag.extend(_positional("q=", tag, length))
            col_suf.extend(_positional("s=", suffix, length))
            col_ctx.extend(["x=" + prev_tag + "|" + tag + "|" + next_tag] * length)
            col_word.extend(["W=" + w if 2 <= length <= 8 else "W=-"] * length)
        return col_pos, col_tag, col_ctx, col_word, col_suf

    def features(self, text: str, gazetteer: Gazetteer | None = None) -> list[tuple[str, ...]]:
        """Feature strings for each character of ``text`` (already normalised, no newlines).

        ``gazetteer`` overrides the extractor's own (training uses one per jackknife fold).
        """
        n = len(text)
        if n == 0:
            return []
        lex = self.lexicon
        c = ["^2", "^1", *text, "$1", "$2"]
        types = text.translate(char_type_table())
        t = "^^" + types + "$$"
        cm2, cm1, c0, cp1, cp2 = c[0:n], c[1:n + 1], c[2:n + 2], c[3:n + 3], c[4:n + 4]
        sur = lex.surnames
        sur2 = lex.surnames2
        col_pos, col_tag, col_ctx, col_word, col_suf = self._word_columns(text, types)
        gaz = (gazetteer or self.gazetteer).column(text)
        # One pass building each character's tuple directly (no per-template lists + zip):
        # feature extraction is most of the tagger's run time.
        return [
            (
                "bias",
                "a=" + a, "b=" + b, "c=" + x, "d=" + d, "e=" + e,
                "f=" + a + b, "g=" + b + x, "h=" + x + d, "i=" + d + e, "j=" + b + d,
                "t=" + t[i:i + 5],
                pos, tag, ctx, word, suf,
                "N="
                + ("s" if x in sur or x + d in sur2 else "-")
                + ("s" if b in sur else "-")
                + ("s" if a in sur else "-"),
                g,
            )
            for i, (a, b, x, d, e, pos, tag, ctx, word, suf, g) in enumerate(
                zip(cm2, cm1, c0, cp1, cp2, col_pos, col_tag, col_ctx, col_word, col_suf, gaz, strict=True)
            )
        ]
