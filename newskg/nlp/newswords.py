"""The word lists behind news-actor reading (data/news_words.yaml), compiled once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


def alternation(words) -> str:
    """A regex alternation, longest words first (so 解释说 wins over 说)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class NewsWords:
    extra_titles: frozenset[str]
    byline_titles: frozenset[str]
    spouse_words: tuple[str, ...]
    spouse_titles: tuple[str, ...]
    couple_suffixes: tuple[str, ...]
    name_descriptor: re.Pattern  # 、共和党人 between a title and a name
    domestic_titles: frozenset[str]
    domestic_country: str
    surnames: frozenset[str]
    double_surnames: frozenset[str]
    translit: frozenset[str]
    translit_share: float
    regnal: re.Pattern
    name_opener_verb: re.Pattern
    side_suffix: str
    postposed_titles: frozenset[str]
    name_like_tags: frozenset[str]
    never_name_tags: frozenset[str]
    name_stop: re.Pattern  # matches at a position where a name written after a title ends
    reference_suffixes: tuple[str, ...]
    org_suffix: re.Pattern  # an organisation name ending at the end of a string
    org_descriptors: tuple[str, ...]
    speech_verb: re.Pattern
    not_speech: re.Pattern
    source_head: re.Pattern
    meeting_heads: frozenset[str]
    meeting_name: re.Pattern
    adverb: re.Pattern  # one adverb, time or prepositional phrase between a speaker and a verb
    preposition: re.Pattern
    source_opener: re.Pattern
    continuation_adverb: re.Pattern
    speech_act: re.Pattern
    narrative_opener: re.Pattern
    adverbial_clause: re.Pattern
    pronouns: frozenset[str]
    trigger: re.Pattern  # group name = event type
    visit_compounds: frozenset[str]
    visit_before: frozenset[str]
    trigger_refusal: re.Pattern
    trigger_back_ref: re.Pattern
    anaphoric_object: re.Pattern
    anaphoric_subject: re.Pattern
    venue_end: re.Pattern
    venue_suffix: re.Pattern
    event_name_suffix: re.Pattern
    invitation: re.Pattern
    wide_place_levels: frozenset[str]
    held: re.Pattern
    placeless_types: frozenset[str]
    accompanying_types: frozenset[str]
    visit_relative: re.Pattern
    vague_time: re.Pattern


@lru_cache(maxsize=1)
def news_words() -> NewsWords:
    raw = yaml.safe_load(resources.files("newskg.nlp").joinpath("data/news_words.yaml").read_text("utf-8"))

    def chars(key: str) -> frozenset[str]:
        return frozenset(re.sub(r"\s+", "", raw[key]))

    triggers = "|".join(f"(?P<{kind}>{alternation(ws)})" for kind, ws in raw["event_triggers"].items())
    adverbs = alternation(raw["speech_adverbs"])
    return NewsWords(
        extra_titles=frozenset(raw["extra_titles"]),
        byline_titles=frozenset(raw["byline_titles"]),
        spouse_words=tuple(raw["spouse_words"]),
        spouse_titles=tuple(raw["spouse_titles"]),
        couple_suffixes=tuple(raw["couple_suffixes"]),
        name_descriptor=re.compile(rf"、[\u4e00-\u9fff]{{1,5}}?(?:{alternation(raw['name_descriptor_suffixes'])})"),
        domestic_titles=frozenset(raw["domestic_titles"]),
        domestic_country=raw["domestic_country"],
        surnames=chars("surnames"),
        double_surnames=frozenset(raw["double_surnames"]),
        translit=chars("translit_chars"),
        translit_share=float(raw["translit_share"]),
        regnal=re.compile(raw["regnal"]),
        name_opener_verb=re.compile(alternation(raw["name_opener_verbs"])),
        side_suffix=raw["side_suffix"],
        postposed_titles=frozenset(raw["postposed_titles"]),
        name_like_tags=frozenset(raw["name_like_tags"]),
        never_name_tags=frozenset(raw["never_name_tags"]),
        name_stop=re.compile(alternation(raw["name_stops"])),
        reference_suffixes=tuple(raw["reference_suffixes"]),
        org_suffix=re.compile(rf"(?:{alternation(raw['org_suffixes'])})$"),
        org_descriptors=tuple(raw["org_descriptors"]),
        speech_verb=re.compile(alternation(raw["speech_verbs"])),
        not_speech=re.compile(alternation(raw["not_speech"])),
        source_head=re.compile(rf"(?:{alternation(raw['source_heads'] + raw['meeting_heads'])})们?"),
        meeting_heads=frozenset(raw["meeting_heads"]),
        meeting_name=re.compile(raw["meeting_name"]),
        adverb=re.compile(rf"(?:当地时间|\d{{1,2}}日(?:上午|下午|晚)?|[今昨明]天(?:（[^）]*）)?|（[^（）]{{1,12}}）|{adverbs})"),
        preposition=re.compile(alternation(raw["speech_prepositions"])),
        source_opener=re.compile(alternation(raw["source_openers"])),
        continuation_adverb=re.compile(alternation(raw["continuation_adverbs"])),
        speech_act=re.compile(alternation(raw["speech_acts"])),
        narrative_opener=re.compile(rf"(?:{alternation(raw['narrative_openers'])})"),
        adverbial_clause=re.compile(alternation(raw["adverbial_clause_openers"])),
        pronouns=frozenset(raw["pronouns"]),
        trigger=re.compile(triggers),
        visit_compounds=frozenset(raw["visit_compounds"]),
        visit_before=frozenset(raw["visit_before"]),
        trigger_refusal=re.compile(alternation(raw["trigger_refusals"])),
        trigger_back_ref=re.compile(rf"(?:{alternation(raw['trigger_back_refs'])})$"),
        anaphoric_object=re.compile(alternation(raw["anaphoric_objects"])),
        anaphoric_subject=re.compile(raw["anaphoric_subject"]),
        venue_end=re.compile(alternation(raw["venue_ends"])),
        venue_suffix=re.compile(rf"(?:{alternation(raw['venue_suffixes'])})"),
        event_name_suffix=re.compile(alternation(raw["event_name_suffixes"])),
        invitation=re.compile(raw["invitation"]),
        wide_place_levels=frozenset(raw["wide_place_levels"]),
        held=re.compile(raw["held_pattern"]),
        placeless_types=frozenset(raw["placeless_types"]),
        accompanying_types=frozenset(raw["accompanying_types"]),
        visit_relative=re.compile(raw["visit_relative"]),
        vague_time=re.compile(alternation(raw["vague_times"])),
    )
