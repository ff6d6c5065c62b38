"""Entity mentions (newskg.nlp.entities) and their grouping into entities (newskg.nlp.extract):
fixed forms, compound names opened by an anchor, quoted programmes, refusals, aliases and offsets.
Sentences are written for these tests; the seed page is scored by the shared scorer at the end."""
from __future__ import annotations

import json

import pytest
from helpers import SEED, SHARED, newskg, score

from newskg.nlp.entities import EntityFinder, Mention
from newskg.nlp.lexicon import default_lexicon


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(default_lexicon())


def found(finder: EntityFinder, text: str, issuer: str | None = "国务院") -> list[Mention]:
    ms = finder.find(text, issuer=issuer)
    for m in ms:  # every mention, and every name inside one, points at its own text
        for x in (m, *m.parts):
            assert text[x.start:x.end] == x.text, x
    return ms


def names(ms: list[Mention], typ: str | None = None, *, parts: bool = False) -> set[str]:
    every = [x for m in ms for x in ((m, *m.parts) if parts else (m,))]
    return {m.name for m in every if typ is None or m.type == typ}


# -- events -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("会议传达学习党的二十大精神。", {"党的二十大"}),
    ("深入学习中国共产党第二十次全国代表大会报告", {"党的二十大"}),
    ("贯彻二十届三中、四中全会部署", {"二十届三中全会", "二十届四中全会"}),
    ("中共二十届四中全会在京举行", {"二十届四中全会"}),
])
def test_party_congresses_and_plenums(finder, text, expected):
    assert names(found(finder, text), "EVENT") == expected


def test_plenum_list_gives_one_mention_per_plenum(finder):
    text = "落实十九届四中、五中全会要求"
    ms = [m for m in found(finder, text) if m.type == "EVENT"]
    assert [m.text for m in ms] == ["十九届四中", "五中全会"]


@pytest.mark.parametrize("text, event, inside", [
    ("总理将出席在巴黎举行的二十国集团领导人峰会。", "二十国集团领导人峰会", "二十国集团"),
    ("部长出席上合组织成员国交通部长会议并讲话", "上合组织成员国交通部长会议", "上海合作组织"),
    ("李强主持召开国务院常务会议，研究有关工作", "国务院常务会议", "国务院"),
    ("筹办好北京冬奥会，开展宣传", "北京冬奥会", "北京"),
])
def test_events_open_at_an_anchor(finder, text, event, inside):
    ms = found(finder, text)
    ev = next(m for m in ms if m.type == "EVENT")
    assert ev.name == event
    assert inside in {p.name for p in ev.parts}  # the anchor is an entity of the text too


def test_marker_events_and_self_named_events(finder):
    ms = found(finder, "按照全国卫生健康工作会议部署，办好世界读书日宣传活动和冬残奥会。")
    assert {"全国卫生健康工作会议", "世界读书日", "冬残奥会"} <= names(ms, "EVENT")


@pytest.mark.parametrize("text", [
    "每年召开两次会议，研究重大问题。",
    "代表在第三阶段会议上发言。",
    "2023年5月6日起施行。",
    "要求各地认真做好会议室管理。",
])
def test_heads_without_an_anchor_are_not_events(finder, text):
    assert not names(found(finder, text), "EVENT")


# -- policies ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("科学编制“十四五”规划，", "“十四五”规划"),
    ("深入实施“数字乡村”建设，", "数字乡村"),
    ("积极推进“一带一路”建设", "一带一路"),
    ("全面实施乡村振兴战略，", "乡村振兴战略"),
    ("加快实施县域医疗服务能力提升工程，", "县域医疗服务能力提升工程"),
    ("严格执行数据安全法等法律法规", "数据安全法"),
    ("双方将推进中韩自由贸易协定第二阶段谈判", "中韩自由贸易协定"),
    ("培育一批“小巨人”企业和“单项冠军”。", None),
])
def test_programmes(finder, text, expected):
    got = names(found(finder, text), "POLICY")
    assert got == ({expected} if expected else set())


def test_implementing_verb_list_and_collective_abbreviation(finder):
    text = "全面推行首问负责制度、限时办结制度（以下统称“两项制度”），"
    assert names(found(finder, text), "POLICY") == {"首问负责制度", "限时办结制度", "两项制度"}


def test_coordinated_programmes_are_two_names(finder):
    text = "大力开展节能降耗行动和质量提升行动。"
    assert names(found(finder, text), "POLICY") == {"节能降耗行动", "质量提升行动"}


def test_title_keeps_the_names_inside_it(finder):
    ms = found(finder, "根据《内地与澳门关于扩大贸易往来的安排》和《〈某某框架〉实施计划》，")
    titles = [m for m in ms if m.type == "POLICY"]
    assert [t.name for t in titles] == ["内地与澳门关于扩大贸易往来的安排", "〈某某框架〉实施计划"]
    assert ("PLACE", "澳门") in {(p.type, p.name) for p in titles[0].parts}
    assert ("POLICY", "某某框架") in {(p.type, p.name) for p in titles[1].parts}


def test_doctrine_names_its_author_but_is_no_programme(finder):
    ms = found(finder, "坚持以习近平新时代中国特色社会主义思想为指导")
    assert names(ms, "PERSON") == {"习近平"}
    assert not names(ms, "POLICY")


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "开展“点单式”个性化服务",      # a manner, not a programme
    "坚决防止“一刀切”，",           # a slogan with no programme head or verb
    "总结推广好的做法和办法，",      # 做法 and 办法 are not laws
    "培养一批高级工程师和技术人员",  # 工程师 is not a programme
    "执行企业收入分配制度",          # only 推行 opens a 制度
    "推动国家重大工程建设",          # a generic noun phrase
])
def test_junk_is_refused(finder, text):
    assert not names(found(finder, text), "POLICY")


def test_deictic_country_and_portal(finder):
    ms = found(finder, "我国将在中国政府网公布名单。")
    assert "中国" not in names(ms, "PLACE")  # 我国 names no place
    portal = next(m for m in ms if m.name == "中国政府网")
    assert portal.type == "SYSTEM"


# -- aliases ----------------------------------------------------------------------------------

def test_abbreviation_becomes_an_alias(finder):
    text = "印发《城市更新行动实施方案》（以下简称《方案》）。《方案》提出三项任务。"
    ms = [m for m in found(finder, text) if m.type == "POLICY"]
    assert {m.name for m in ms} == {"城市更新行动实施方案"}
    assert len(ms) == 3  # the title, the abbreviation where it is defined, and its later use


def test_written_place_before_a_body_is_a_place_too(finder):
    ms = found(finder, "华盛顿智库战略与国际问题研究中心专家认为")
    org = next(m for m in ms if m.type == "ORGANIZATION")
    assert org.name == "战略与国际问题研究中心"
    assert ("PLACE", "华盛顿") in {(p.type, p.name) for p in org.parts}


# -- whole documents --------------------------------------------------------------------------

DOC = """---
title: "某省人民政府办公厅关于印发城市更新行动实施方案的通知"
doc_no: "某府办〔2024〕9号"
date: 2024-03-01
issuer: "某省人民政府办公厅"
source: "中国政府网"
---
各市人民政府：
《城市更新行动实施方案》（以下简称《方案》）已经省人民政府同意，现印发给你们，请认真贯彻执行。
《方案》要求，到2025年底前，全面实施“完整社区”建设，深入学习党的二十大精神。
【我要纠错】责任编辑：王小明
"""


@pytest.fixture(scope="module")
def doc_record(tmp_path_factory):
    path = tmp_path_factory.mktemp("doc") / "notice.txt"
    path.write_text(DOC, encoding="utf-8")
    r = newskg("extract", str(path), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[0])


def test_document_entities_group_and_point_at_their_text(doc_record):
    ents = {(e["type"], e["name"]): e for e in doc_record["entities"]}
    # the notice itself and the plan it issues are both policies; 《方案》 is an alias of the plan
    assert ("POLICY", "某省人民政府办公厅关于印发城市更新行动实施方案的通知") in ents
    plan = ents[("POLICY", "城市更新行动实施方案")]
    assert "《方案》" in plan["aliases"] and len(plan["mentions"]) >= 3
    assert ("POLICY", "完整社区") in ents
    assert ("EVENT", "党的二十大") in ents
    assert ("PERSON", "王小明") in ents  # the page's editor credit
    assert ("ORGANIZATION", "中国政府网") not in ents  # named only by the front matter
    for e in doc_record["entities"]:
        for m in e["mentions"]:
            assert DOC[m["start"]:m["end"]] == m["text"], (e["name"], m)


def test_seed_entities(tmp_path):
    r = newskg("extract", str(SEED), "--date", "2017-05-19", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    pred = tmp_path / "seed.jsonl"
    pred.write_text(r.stdout, encoding="utf-8")
    s = score([SHARED / "gold" / "seed.json"], pred)
    assert s["entity_f1"] >= 0.90
    assert s["entity_junk"] == 0
