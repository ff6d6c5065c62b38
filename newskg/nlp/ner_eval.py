"""Reading character-BIO NER files and entity-level scoring.

Shared by the training script, the benchmark and the tests, so that every figure we report is
computed the same way: exact-match spans (start, end, label), micro-averaged, conlleval-style
treatment of an ``I-X`` that does not continue an ``X`` (it starts a new entity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newskg.nlp.ner import bio_spans
from newskg.nlp.ner_features import normalize_chars

LABELS = ("PER", "LOC", "ORG")
Span = tuple[int, int, str]


@dataclass(frozen=True)
class BioSentence:
    text: str  # per-character NFKC-normalised (same length as the raw characters)
    tags: tuple[str, ...]


def read_bio(path: Path, limit: int | None = None) -> list[BioSentence]:
    """Read ``char<TAB or SPACE>tag`` lines, blank line between sentences."""
    out: list[BioSentence] = []
    chars: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                if chars:
                    out.append(BioSentence(normalize_chars("".join(chars)), tuple(tags)))
                    chars, tags = [], []
                    if limit is not None and len(out) >= limit:
                        return out
                continue
            ch, tag = line[0], line[1:].strip()
            chars.append(ch)
            tags.append(tag)
    if chars and (limit is None or len(out) < limit):
        out.append(BioSentence(normalize_chars("".join(chars)), tuple(tags)))
    return out


def spans_from_tags(tags: Sequence[str]) -> set[Span]:
    """Entity spans (start, end exclusive, label) of a BIO tag sequence, as the tagger decodes them."""
    return set(bio_spans(list(tags)))


def tags_from_spans(n: int, spans: Iterable[Span]) -> list[str]:
    tags = ["O"] * n
    for start, end, label in spans:
        tags[start] = "B-" + label
        for i in range(start + 1, end):
            tags[i] = "I-" + label
    return tags


@dataclass
class Counts:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    by_label: dict[str, Counts] = field(default_factory=lambda: {lab: Counts() for lab in LABELS})
    overall: Counts = field(default_factory=Counts)

    def add(self, gold: set[Span], pred: set[Span]) -> None:
        for lab, counts in self.by_label.items():
            g = {s for s in gold if s[2] == lab}
            p = {s for s in pred if s[2] == lab}
            counts.tp += len(g & p)
            counts.n_gold += len(g)
            counts.n_pred += len(p)
        self.overall.tp += len(gold & pred)
        self.overall.n_gold += len(gold)
        self.overall.n_pred += len(pred)

    def summary(self) -> str:
        parts = [f"{lab} {c.f1:.4f}" for lab, c in self.by_label.items()]
        o = self.overall
        return f"P {o.precision:.4f} R {o.recall:.4f} F1 {o.f1:.4f} | " + " ".join(parts)


def score(gold: Iterable[set[Span]], pred: Iterable[set[Span]]) -> Scores:
    scores = Scores()
    for g, p in zip(gold, pred, strict=True):
        scores.add(g, p)
    return scores
