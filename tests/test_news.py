"""News actors: appositive roles, statements with their speakers, events with places and days.

The sentences are written for these tests (not taken from the corpus); the last test scores the
seed page against its gold with the shared scorer."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers import SEED, SHARED, newskg, score

from newskg.nlp.pipeline import ArticleContext, build_pipeline, run

DAY = dt.date(2025, 3, 9)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(ner=False)


def read(nlp, text: str, kind: str = "people_news", date: dt.date = DAY):
    return run(nlp, text, ArticleContext(date=date, kind=kind))


def roles(doc) -> set[tuple]:
    return {(r["person"], r["title"], r["organization"]) for r in doc._.roles}


def pairs(doc) -> set[tuple[str, str]]:
    return {(p, pl) for e in doc._.events for p in e["participants"] for pl in e["places"]}


def persons(doc) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in doc._.mentions:
        if m.type == "PERSON":
            out.setdefault(m.name, set()).add(m.text)
    return out


# -- roles ---------------------------------------------------------------------------------------

def test_appositive_chain_gives_person_title_and_body(nlp):
    doc = read(nlp, "英国外交大臣拉米6日抵达北京。国家副主席韩正当天会见了他。")
    assert ("拉米", "外交大臣", "英国") in roles(doc)
    # a Chinese office written without its country belongs to China
    assert ("韩正", "国家副主席", "中国") in roles(doc)


def test_one_character_country_form_names_the_body(nlp):
    doc = read(nlp, "随后他将前往以色列，并同以外长萨尔会面。")
    assert ("萨尔", "外长", "以色列") in roles(doc)


def test_transliterated_name_joined_across_dot_and_short_form_resolved(nlp):
    doc = read(nlp, "美国智库兰德公司高级研究员马克·库珀指出，两国需要沟通。库珀认为，对话仍有空间。")
    assert ("马克·库珀", "高级研究员", "兰德公司") in roles(doc)
    assert persons(doc) == {"马克·库珀": {"马克·库珀", "库珀"}}
    assert [s["speaker"] for s in doc._.statements] == ["马克·库珀", "马克·库珀"]


def test_list_of_offices_and_remention(nlp):
    doc = read(nlp, "中共中央总书记、国家主席习近平在上海考察。巴西总统卢拉表示，愿深化合作。习近平主席对卢拉总统表示欢迎。")
    r = roles(doc)
    assert ("习近平", "国家主席", "中国") in r and ("习近平", "总书记", "党中央") in r
    assert ("卢拉", "总统", "巴西") in r


def test_reference_words_and_fragments_are_not_people(nlp):
    doc = read(nlp, "德国总理默茨当天抵达。总统先生对此表示感谢。")
    assert set(persons(doc)) == {"默茨"}


# -- statements ----------------------------------------------------------------------------------

def test_unnamed_sources_have_no_speaker_and_span_starts_at_the_source(nlp):
    text = "一位不愿透露姓名的欧盟官员表示，欧方对结果感到满意。据当地媒体报道，谈判将于下周继续。"
    doc = read(nlp, text)
    st = doc._.statements
    assert [s["speaker"] for s in st] == [None, None]
    assert text[st[0]["start"]:].startswith("一位不愿透露姓名的欧盟官员表示")
    assert text[st[1]["start"]:].startswith("据当地媒体报道")
    assert st[1]["text"] == "谈判将于下周继续。"


def test_adverbs_between_speaker_and_verb_and_statement_across_sentences(nlp):
    text = "法国外长巴罗此前也对记者表示，法方支持对话。这符合各方利益。此外，巴罗还将访问日本。"
    doc = read(nlp, text)
    [st] = doc._.statements
    assert st["speaker"] == "巴罗" and st["verb"] == "表示"
    assert text[st["start"]:st["end"]] == "法国外长巴罗此前也对记者表示，法方支持对话。这符合各方利益。"


def test_quote_before_attribution_and_continuing_verb(nlp):
    text = "“我们愿意合作。”国务院副总理何立峰说。俄罗斯外长拉夫罗夫感谢中方邀请，并表示将继续支持中方立场。"
    doc = read(nlp, text)
    st = {s["speaker"]: s for s in doc._.statements}
    assert st["何立峰"]["text"] == "“我们愿意合作。”" and st["何立峰"]["start"] == 0
    assert st["拉夫罗夫"]["verb"] == "表示"


def test_narrated_action_is_not_a_statement(nlp):
    doc = read(nlp, "智利总统博里奇上任后不久，就宣布退出该协定，并表示将重新谈判。")
    assert doc._.statements == []


def test_policy_articles_have_no_statements_or_events(nlp):
    text = "国务院总理李强在北京会见了代表团。有关负责人表示，各地区要加强组织领导。"
    assert read(nlp, text)._.statements and read(nlp, text)._.events
    doc = read(nlp, text, kind="policy")
    assert doc._.statements == [] and doc._.events == []


# -- events --------------------------------------------------------------------------------------

def test_meeting_with_venue_date_and_attendee(nlp):
    text = ("3月5日下午，国家副主席韩正在北京钓鱼台国宾馆会见新加坡总理黄循财。韩正表示，中新是友好近邻。"
            "外交部部长王毅参加会见。")
    doc = read(nlp, text)
    meeting = next(e for e in doc._.events if e["type"] == "meeting")
    assert meeting["date"] == "2025-03-05"
    assert set(meeting["participants"]) == {"韩正", "黄循财"}
    assert pairs(doc) >= {("韩正", "北京"), ("黄循财", "钓鱼台国宾馆"), ("王毅", "钓鱼台国宾馆")}
    assert all(e["date"] == "2025-03-05" for e in doc._.events)


def test_visit_destinations_dates_and_places_that_are_not_destinations(nlp):
    text = ("应俄罗斯总统普京邀请，巴西总统卢拉将于5月8日至10日访华，并前往上海、深圳。"
            "其间，他将出席在莫斯科举行的纪念活动，并同俄罗斯总统普京会面。")
    doc = read(nlp, text, date=dt.date(2025, 5, 1))
    p = pairs(doc)
    assert {("卢拉", "中国"), ("卢拉", "上海"), ("卢拉", "深圳"), ("卢拉", "莫斯科")} <= p
    assert not {x for x in p if x[1] == "俄罗斯"}  # the host's country in a role chain is no destination
    assert ("卢拉", "2025-05-08") in {(x, e["date"]) for e in doc._.events for x in e["participants"]}


def test_regions_and_event_names_are_not_event_places(nlp):
    doc = read(nlp, "意大利总理梅洛尼将启程出访中东和非洲，并出席在罗马举行的北京峰会筹备会议。")
    assert pairs(doc) == {("梅洛尼", "罗马")}


def test_undated_banquet_takes_the_day_and_place_of_the_talks(nlp):
    text = "4月2日，习近平在人民大会堂同来华访问的越南国家主席梁强举行会谈。当晚，习近平为梁强举行欢迎宴会。"
    doc = read(nlp, text)
    banquet = next(e for e in doc._.events if e["type"] == "ceremony")
    assert banquet["date"] == "2025-04-02" and banquet["places"] == ["人民大会堂"]
    assert ("梁强", "中国") in pairs(doc) and ("习近平", "中国") not in pairs(doc)


# -- the seed page, scored -----------------------------------------------------------------------

def test_seed_page_meets_the_news_targets(tmp_path):
    r = newskg("extract", str(SEED), "--date", "2017-05-19", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "seed.jsonl"
    out.write_text(r.stdout, encoding="utf-8")
    s = score([SHARED / "gold" / "seed.json"], out)
    assert s["role_recall"] >= 0.9
    assert s["role_org_acc"] >= 0.85
    assert s["statement_recall"] >= 0.85
    assert s["statement_precision"] >= 0.85
    assert s["event_pair_f1"] >= 0.8
    assert s["event_date_acc"] == 1.0
    assert s["entity_junk"] == 0


def test_actor_and_events_commands_read_the_store(tmp_path):
    store = str(tmp_path / "store")
    r = newskg("ingest", str(SEED), "--date", "2017-05-19", "--store", store)
    assert r.returncode == 0, r.stderr
    r = newskg("actor", "达宁", "--store", store, "--format", "json")  # a short form finds the full name
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["name"] == "罗伯特·达宁"
    assert [(x["title"], x["organization"]) for x in info["roles"]] == [("资深研究员", "外交学会")]
    assert [x["verb"] for x in info["statements"]] == ["认为", "表示"]
    assert all(x["path"].endswith("xinhua-page-2017-05.txt") for x in info["statements"])
    r = newskg("events", "--from", "2017-05-19", "--to", "2017-05-19", "--store", store, "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and all(x["date"] == "2017-05-19" for x in rows)
    assert any("内塔尼亚胡" in x["participants"] and "以色列" in x["places"] for x in rows)
    assert newskg("events", "--from", "2018-01-01", "--store", store, "--format", "json").stdout.strip() == "[]"
    assert newskg("actor", "无此人", "--store", store).returncode != 0
