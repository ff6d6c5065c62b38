"""Tests for the packaged character-CRF NER (newskg.nlp.ner)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newskg.nlp.ner import CharNER, NerSpan
from newskg.nlp.ner_eval import read_bio, score, spans_from_tags

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSKG_SHARED", REPO.parent / "shared"))
PD98_TEST = SHARED / "data" / "ner" / "pd98" / "test.bio"


@pytest.fixture(scope="module")
def ner() -> CharNER:
    return CharNER.load()


def found(spans: list[NerSpan]) -> set[tuple[str, str]]:
    return {(s.text, s.label) for s in spans}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张伟昨天在上海市出席了中国人民银行召开的会议。", {("张伟", "PER"), ("上海市", "LOC"), ("中国人民银行", "ORG")}),
        ("李红梅代表北京大学前往广州参加学术交流。", {("李红梅", "PER"), ("北京大学", "ORG"), ("广州", "LOC")}),
        ("外交部发言人王立新表示，中方愿同日本加强合作。", {("外交部", "ORG"), ("王立新", "PER"), ("日本", "LOC")}),
        ("杭州市人民政府今天发布通知。", {("杭州市人民政府", "ORG")}),
        ("中国科学院和清华大学联合举办论坛。", {("中国科学院", "ORG"), ("清华大学", "ORG")}),
    ],
)
def test_finds_obvious_entities(ner: CharNER, text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= found(ner.predict(text))


def test_no_entities_in_plain_sentence(ner: CharNER) -> None:
    assert ner.predict("今天天气很好，我们一起去吃饭吧。") == []


def test_offsets_index_the_original_text(ner: CharNER) -> None:
    # Full-width digits, Latin letters and punctuation are NFKC-normalised inside predict(),
    # but the spans must point into the caller's string.
    text = "２０２５年　ＡＢＣ公司的总经理刘建国在南京市表示：“合作很顺利！”"
    spans = ner.predict(text)
    assert spans, "expected at least one entity"
    for s in spans:
        assert text[s.start:s.end] == s.text
    assert ("刘建国", "PER") in found(spans)
    assert ("南京市", "LOC") in found(spans)


def test_empty_and_whitespace(ner: CharNER) -> None:
    assert ner.predict("") == []
    assert ner.predict("   \n\n ") == []


def test_long_text_is_split_and_offsets_hold(ner: CharNER) -> None:
    unit = "王建华在武汉市考察了长江水利委员会的工作，"
    text = (unit * 60).rstrip("，") + "。\n" + "赵敏在成都市出席活动。" * 50
    assert len(text) > 1500
    spans = ner.predict(text)
    for s in spans:
        assert text[s.start:s.end] == s.text
    pers = [s for s in spans if s.label == "PER"]
    assert sum(s.text == "王建华" for s in pers) >= 55
    assert sum(s.text == "赵敏" for s in pers) >= 45
    assert max(s.end for s in spans) > len(text) - 20  # the tail of the text was tagged too


def test_predict_batch_matches_predict(ner: CharNER) -> None:
    texts = ["周明去了深圳。", "", "国务院办公厅印发通知。"]
    assert ner.predict_batch(texts) == [ner.predict(t) for t in texts]


def test_rejects_model_with_other_feature_version(tmp_path: Path) -> None:
    model = tmp_path / "ner.crfsuite"
    model.write_bytes(b"")
    model.with_suffix(".json").write_text('{"feature_version": "something-else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="feature"):
        CharNER.load(model)


@pytest.mark.skipif(not PD98_TEST.exists(), reason="shared NER data not available")
def test_small_sample_f1_on_pd98_test(ner: CharNER) -> None:
    sents = read_bio(PD98_TEST, limit=300)
    assert len(sents) == 300
    sc = score([spans_from_tags(s.tags) for s in sents], [
        {(x.start, x.end, x.label) for x in ner.predict(s.text)} for s in sents
    ])
    assert sc.overall.f1 >= 0.85, sc.summary()


def test_gazetteer_prefers_longest_match() -> None:
    from collections import Counter

    from newskg.nlp.ner_features import Gazetteer

    gaz = Gazetteer.from_counts({
        "中国": Counter({"LOC": 3}),
        "中国人民银行": Counter({"ORG": 2, "LOC": 1}),
        "银行": Counter({"ORG": 1}),
        "X": Counter({"PER": 5}),  # shorter than GAZ_MIN_LEN: ignored
    })
    assert gaz.column("在中国人民银行X") == ["G=-", "G=ORGB", "G=ORGM", "G=ORGM", "G=ORGM", "G=ORGM", "G=ORGE", "G=-"]
    assert gaz.column("中国银行") == ["G=LOCB", "G=LOCE", "G=ORGB", "G=ORGE"]


def test_bio_decoding_treats_stray_inside_tag_as_new_entity() -> None:
    tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-ORG", "I-LOC", "I-ORG"]
    assert spans_from_tags(tags) == {(0, 2, "PER"), (3, 5, "LOC"), (5, 6, "ORG"), (6, 7, "LOC"), (7, 8, "ORG")}


def test_span_cleanup_rules() -> None:
    from newskg.nlp.ner import _split_at_spaces, _trim_unmatched

    text = "杭州市教育局 杭州市财政局"
    assert _split_at_spaces(text, 0, len(text)) == [(0, 6), (7, 13)]
    padded = "王　伟"  # a two-character name padded to three: not split
    assert _split_at_spaces(padded, 0, 3) == [(0, 3)]
    quoted = "《浙江日报》"
    assert _trim_unmatched(quoted, 0, 5) == (1, 5)  # unmatched 《 dropped
    assert _trim_unmatched(quoted, 0, 6) == (0, 6)  # balanced: kept
