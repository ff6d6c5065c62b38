"""A spaCy tokenizer backed by its own jieba.Tokenizer, loaded with the project's dictionary.

spaCy's Chinese tokenizer uses the process-wide jieba instance; we keep no global state, so each
pipeline owns a Tokenizer whose user words (agencies, places, titles) come from the lexicon data.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import jieba
from spacy.tokens import Doc
from spacy.vocab import Vocab

jieba.setLogLevel(logging.WARNING)


class JiebaSegmenter:
    def __init__(self, vocab: Vocab, user_words: Iterable[tuple[str, int, str]] = (), *, hmm: bool = True):
        self.vocab = vocab
        self.hmm = hmm
        self.jieba = jieba.Tokenizer()
        self.jieba.initialize()
        for word, freq, tag in user_words:
            self.jieba.add_word(word, freq, tag)

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for w in self.jieba.cut(text, HMM=self.hmm):
            if w == " " and words and not spaces[-1]:
                spaces[-1] = True  # spaCy keeps a single trailing space on the previous token
                continue
            words.append(w)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def cut(self, text: str) -> list[str]:
        return list(self.jieba.cut(text, HMM=self.hmm))

    # spaCy serialisation hooks: the dictionary is rebuilt from the lexicon, nothing to save
    def to_bytes(self, **_: object) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_: object) -> JiebaSegmenter:
        return self

    def to_disk(self, _path: object, **_: object) -> None:
        return None

    def from_disk(self, _path: object, **_: object) -> JiebaSegmenter:
        return self
