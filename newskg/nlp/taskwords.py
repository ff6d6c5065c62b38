"""The word lists behind task reading (data/task_words.yaml), compiled once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class TaskWords:
    modality: re.Pattern  # alternation, group name = modality
    action_verbs: frozenset[str]
    max_verb: int
    not_task: tuple[re.Pattern, ...]
    institution: re.Pattern  # a generic responsible body (试点城市, 各区政府, 基层医疗卫生机构)
    institution_prefix: re.Pattern  # 各 / 有关 / 试点 … opening such a body
    predicate: re.Pattern  # what can follow a subject
    kinds: tuple[tuple[str, re.Pattern], ...]
    policy_verbs: re.Pattern  # verbs that make any unit of a policy document an obligation

    def starts_with_verb(self, s: str) -> bool:
        return any(s[:n] in self.action_verbs for n in range(self.max_verb, 1, -1))

    def modality_of(self, s: str) -> tuple[str, int] | None:
        for m in self.modality.finditer(s):
            if m.lastgroup and not m.lastgroup.startswith("x"):
                return m.lastgroup, m.start()
        return None

    def article_kind(self, title: str | None) -> str:
        if not title:
            return "unknown"
        for name, pat in self.kinds:
            if pat.search(title):
                return name
        return "unknown"


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def task_words() -> TaskWords:
    raw = yaml.safe_load(resources.files("newskg.nlp").joinpath("data/task_words.yaml").read_text("utf-8"))
    # words that merely contain a marker are matched first, under a throwaway group, so that
    # 重要 never reads as 要 and 应用 never as 应
    parts = [f"(?P<x0>{_alt(raw['marker_not_in'])})"]
    parts += [f"(?P<{name}>{_alt(ws)})" for name, ws in raw["modality"].items()]
    verbs = frozenset(str(v) for v in raw["action_verbs"])
    inst = (f"(?:{_alt(raw['institution_prefixes'])})?[\\u4e00-\\u9fff（）()、]{{0,14}}?"
            f"(?:{_alt(raw['institution_suffixes'])})")
    return TaskWords(
        modality=re.compile("|".join(parts)),
        action_verbs=verbs,
        max_verb=max(map(len, verbs)),
        not_task=tuple(re.compile(p) for p in raw["not_task_patterns"]),
        institution=re.compile(inst),
        institution_prefix=re.compile(_alt(raw["institution_prefixes"])),
        # a subject ends where a marker or any action verb begins
        predicate=re.compile(_alt(list(raw["predicate_markers"]) + [str(v) for v in raw["action_verbs"]])),
        kinds=tuple((k, re.compile(v)) for k, v in raw["article_kinds"].items()),
        policy_verbs=re.compile(_alt(raw["policy_verbs"])),
    )
