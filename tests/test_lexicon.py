"""The name lexicon: canonical names, collective scoping, local-body patterns, traps, gold coverage."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from newskg.nlp.lexicon import AGENCY, ORGANIZATION, PLACE, Lexicon, default_lexicon

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSKG_SHARED", ROOT.parent / "shared"))
GOLD = sorted([SHARED / "gold" / "seed.json", *(SHARED / "gold").glob("*/*.json")])
POLICY = sorted((SHARED / "corpus" / "policy").glob("*.txt"))


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return default_lexicon()


# short forms and full names as written -> canonical name (the form the gold accepts)
SHORT_FORMS = [
    ("发改委", "国家发展改革委"), ("国家发改委", "国家发展改革委"), ("发展改革委", "国家发展改革委"),
    ("国家发展和改革委员会", "国家发展改革委"), ("国办", "国务院办公厅"), ("中共中央", "党中央"),
    ("中办", "中共中央办公厅"), ("中组部", "中央组织部"), ("中宣部", "中央宣传部"),
    ("中共中央宣传部", "中央宣传部"), ("中央网络安全和信息化委员会办公室", "中央网信办"),
    ("中编办", "中央编办"), ("中纪委", "中央纪委"), ("人社部", "人力资源社会保障部"),
    ("人力资源和社会保障部", "人力资源社会保障部"), ("住建部", "住房城乡建设部"),
    ("住房和城乡建设部", "住房城乡建设部"), ("工信部", "工业和信息化部"), ("科学技术部", "科技部"),
    ("文旅部", "文化和旅游部"), ("卫健委", "国家卫生健康委"), ("国家卫健委", "国家卫生健康委"),
    ("国家卫生健康委员会", "国家卫生健康委"), ("退役军人事务部", "退役军人部"), ("应急管理部", "应急部"),
    ("央行", "人民银行"), ("中国人民银行", "人民银行"), ("国家审计署", "审计署"),
    ("国家民族事务委员会", "国家民委"), ("中华人民共和国外交部", "外交部"), ("中国外交部", "外交部"),
    ("中华人民共和国司法部", "司法部"), ("国资委", "国务院国资委"),
    ("国务院国有资产监督管理委员会", "国务院国资委"), ("国家税务总局", "税务总局"),
    ("国家市场监督管理总局", "市场监管总局"), ("国家市场监管总局", "市场监管总局"),
    ("国家金融监督管理总局", "金融监管总局"), ("中国证监会", "证监会"), ("中国证券监督管理委员会", "证监会"),
    ("中国银保监会", "银保监会"), ("国家广播电视总局", "广电总局"), ("国家体育总局", "体育总局"),
    ("统计局", "国家统计局"), ("国际发展合作署", "国家国际发展合作署"), ("医保局", "国家医保局"),
    ("国家医疗保障局", "国家医保局"), ("国家机关事务管理局", "国管局"), ("知识产权局", "国家知识产权局"),
    ("国家粮食和储备局", "国家粮食和物资储备局"), ("国家国防科技工业局", "国家国防科工局"),
    ("国家烟草专卖局", "国家烟草局"), ("国家移民管理局", "国家移民局"), ("国家林业和草原局", "国家林草局"),
    ("铁路局", "国家铁路局"), ("中国民航局", "民航局"), ("中国民用航空局", "民航局"),
    ("邮政局", "国家邮政局"),
    ("国家中医药局", "国家中医药管理局"), ("国家疾病预防控制局", "国家疾控局"),
    ("国家矿山安全监察局", "国家矿山安监局"), ("外汇局", "国家外汇管理局"), ("国家外汇局", "国家外汇管理局"),
    ("国家药品监督管理局", "国家药监局"), ("药监局", "国家药监局"), ("标准委", "国家标准委"),
    ("国务院新闻办", "国务院新闻办公室"), ("国新办", "国务院新闻办公室"), ("国台办", "国务院台办"),
    ("网信办", "国家网信办"), ("中华全国供销合作总社", "供销合作总社"), ("团中央", "共青团中央"),
    ("中华全国妇女联合会", "全国妇联"), ("中国科学技术协会", "中国科协"),
    ("全国人民代表大会常务委员会", "全国人大常委会"), ("最高法", "最高人民法院"),
    ("国务院扶贫开发领导小组办公室", "国务院扶贫办"), ("空管委办公室", "国家空管委办公室"),
    ("国家环境保护总局", "国家环保总局"), ("环保部", "环境保护部"),
    ("国家卫生和计划生育委员会", "国家卫生计生委"),
    ("国家质量监督检验检疫总局", "质检总局"), ("国家工商总局", "工商总局"),
    ("国务院人力资源社会保障行政部门", "人力资源社会保障部"), ("国务院教育行政部门", "教育部"),
]


@pytest.mark.parametrize(("surface", "canonical"), SHORT_FORMS)
def test_agency_short_forms_resolve(lex: Lexicon, surface: str, canonical: str) -> None:
    e = lex.lookup(surface)
    assert e is not None and e.type == AGENCY and not e.collective
    assert e.name == canonical


def test_enough_short_forms_in_the_table() -> None:
    assert len({s for s, c in SHORT_FORMS if s != c}) >= 50


def test_former_names_are_their_own_entries_with_a_successor(lex: Lexicon) -> None:
    pairs = [("国土资源部", "自然资源部"), ("环境保护部", "生态环境部"), ("农业部", "农业农村部"),
             ("文化部", "文化和旅游部"), ("国家旅游局", "文化和旅游部"), ("银保监会", "金融监管总局")]
    for old, new in pairs:
        e = lex.lookup(old)
        assert e is not None and e.name == old and e.successor == new
        assert lex.get(new) is not None


def test_other_types(lex: Lexicon) -> None:
    assert lex.lookup("新华社").type == ORGANIZATION
    assert lex.lookup("G20").name == "二十国集团"
    assert lex.lookup("联合国贸发会议").name == "联合国贸易和发展会议"
    assert lex.lookup("美国外交学会").name == "外交学会"
    assert lex.lookup("沙特").name == "沙特阿拉伯"
    assert lex.lookup("广东省").name == "广东" and lex.lookup("广东").full_name == "广东省"
    assert lex.lookup("粤") is None  # compound-only: not an ordinary alias
    assert lex.lookup("新疆维吾尔自治区").name == "新疆"
    assert lex.lookup("中国科学院").type == ORGANIZATION


def test_every_prefecture_level_division_and_capital(lex: Lexicon) -> None:
    prefectures = [e for e in lex.entries(PLACE) if e.level == "prefecture"]
    assert len(prefectures) == 333
    capitals = (
        "石家庄 太原 呼和浩特 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 "
        "南宁 海口 成都 贵阳 昆明 拉萨 西安 兰州 西宁 银川 乌鲁木齐 深圳 大连 青岛 宁波 厦门"
    )
    for city in capitals.split():
        assert lex.lookup(city).level == "prefecture", city
    assert lex.lookup("大同") is None and lex.lookup("大同市").name == "大同市"  # 大同 is also a word


def test_compound_short_forms(lex: Lexicon) -> None:
    forms = lex.compound_short_forms()
    assert {e.name for e in forms["以"]} == {"以色列"}
    assert {"巴基斯坦", "巴勒斯坦", "巴西"} <= {e.name for e in forms["巴"]}
    assert {e.name for e in forms["粤"]} == {"广东"}
    found = {m.text for m in lex.find("以巴冲突和中美关系，以总理表示，粤港澳合作")}
    assert not found & {"以", "巴", "中", "美", "粤", "港", "澳"}


# --- collectives ------------------------------------------------------------------------------


def test_collective_scope_follows_the_issuer(lex: Lexicon) -> None:
    e = lex.lookup("各部门", issuer="国务院办公厅")
    assert e.name == "国务院各部门" and e.collective
    assert {"国务院部门", "各部门"} <= set(e.aliases)
    assert lex.lookup("各部门", issuer="国务院").name == "国务院各部门"
    assert lex.lookup("各部门", issuer="中共中央办公厅 国务院办公厅").name == "国务院各部门"
    # a provincial government's own departments
    assert lex.lookup("各部门", issuer="广东省人民政府").name == "广东省人民政府各部门"
    assert "省政府各部门" in lex.lookup("各部门", issuer="广东省人民政府办公厅").aliases
    # a municipal department's document, or no issuer: the collective keeps its own name
    assert lex.lookup("各部门", issuer="广州市卫生健康委员会、广州市财政局").name == "各部门"
    assert lex.lookup("各部门").name == "各部门"
    assert lex.lookup("国务院部门").name == "国务院各部门"
    # find() applies the same scoping
    names = [m.entry.name for m in lex.find("各地区、各部门要加强组织领导", issuer="国务院办公厅")]
    assert names == ["各地区", "国务院各部门"]


@pytest.mark.parametrize(("surface", "canonical"), [
    ("各地", "各地区"), ("各省（区、市）人民政府", "各省、自治区、直辖市人民政府"),
    ("各省(区、市)人民政府", "各省、自治区、直辖市人民政府"), ("各省级人民政府", "各省级人民政府"),
    ("省级人民政府", "省级人民政府"), ("地方各级政府", "地方各级人民政府"),
    ("县级以上地方人民政府", "县级以上地方人民政府"), ("各级政府", "各级人民政府"),
    ("各有关部门", "有关部门"),
    ("各有关部门和单位", "有关部门"), ("国务院各有关部门", "国务院有关部门"), ("各试点城市", "试点城市"),
    ("各试点城市政府", "试点城市政府"), ("有关地方", "有关地方"), ("各区", "各区政府"),
    ("各直属机构", "国务院各直属机构"), ("各部委", "国务院各部委"),
])
def test_collective_names(lex: Lexicon, surface: str, canonical: str) -> None:
    e = lex.lookup(surface, issuer="国务院")
    assert e is not None and e.collective and e.name == canonical


def test_collectives_of(lex: Lexicon) -> None:
    ndrc = lex.collectives_of("国家发展改革委")
    assert "国务院各部门" in ndrc and "国务院各部委" in ndrc and "有关部门" in ndrc
    assert "国务院各部门" in lex.collectives_of("海关总署")  # a directly affiliated agency
    assert "国务院各部门" in lex.collectives_of("国家能源局")  # a bureau administered by a commission
    assert "国务院各部门" not in lex.collectives_of("中央组织部")
    assert "中央和国家机关各部门" in lex.collectives_of("中央组织部")
    assert lex.collectives_of("发改委") == ndrc  # aliases work too
    assert lex.collectives_of("没有这个机构") == ()


# --- local bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "canonical", "level"), [
    ("广东省人民政府", "广东省人民政府", "provincial"),
    ("广州市卫生健康委员会", "广州市卫生健康委员会", "prefecture"),
    ("广州市卫健委", "广州市卫生健康委员会", "prefecture"),
    ("广州市人力资源社会保障局", "广州市人力资源和社会保障局", "prefecture"),
    ("新疆维吾尔自治区人民政府", "新疆维吾尔自治区人民政府", "provincial"),
    ("广东省人民政府办公厅", "广东省人民政府办公厅", "provincial"),
    ("河北省政府", "河北省人民政府", "provincial"),
    ("中共河北省委", "河北省委", "provincial"),
    ("北京市市场监督管理局", "北京市市场监督管理局", "provincial"),
    ("广州市天河区卫生健康局", "广州市天河区卫生健康局", "county"),
    ("雄县人民政府", "雄县人民政府", "county"),
])
def test_local_body_patterns(lex: Lexicon, text: str, canonical: str, level: str) -> None:
    ms = lex.local_agencies(f"经研究，{text}负责。")
    assert [(m.text, m.entry.name, m.entry.level) for m in ms] == [(text, canonical, level)]
    assert lex.lookup(text).name == canonical


def test_local_collectives_and_issuer_expansion(lex: Lexicon) -> None:
    ms = lex.local_agencies("县级以上地方人民政府要落实责任，各区卫生健康局负责。")
    assert [m.entry.name for m in ms] == ["县级以上地方人民政府", "各区卫生健康局"]
    assert all(m.entry.collective for m in ms)
    issuer = "广州市卫生健康委员会、广州市财政局"
    ms = lex.local_agencies("由市卫生健康委、市人社局、市医保局负责", issuer=issuer)
    assert [m.entry.name for m in ms] == [
        "广州市卫生健康委员会", "广州市人力资源和社会保障局", "广州市医疗保障局"]
    assert lex.local_agencies("由市卫生健康委负责") == []  # no issuer: no division to expand to
    assert lex.local_agencies("城市财政局", issuer=issuer) == []  # 城市 is not a 市 of the issuer


def test_local_bodies_are_not_central_ones(lex: Lexicon) -> None:
    ms = lex.find("省发展改革委、市财政局、省委网信办和发展改革委")
    assert [m.entry.name for m in ms] == ["国家发展改革委"]
    assert [m.entry.name for m in lex.find_all("广州市卫生健康委员会和国家卫生健康委")] == [
        "广州市卫生健康委员会", "国家卫生健康委"]
    assert lex.local_agencies("广州市委托第三方机构") == []  # 委托 is not the Party committee


# --- traps and boundaries -----------------------------------------------------------------------


def test_traps(lex: Lexicon) -> None:
    def names(text: str) -> list[str]:
        return [m.entry.name for m in lex.find(text)]

    assert "财政部" not in names("财政部门要加大投入")
    assert names("财政部门要加大投入") == ["财政部门"]  # the class of finance departments, a collective
    assert lex.lookup("财政部门").collective
    assert names("国务院办公厅印发") == ["国务院办公厅"]  # one match, not 国务院 + …
    assert names("党中央、国务院决策部署") == ["党中央", "国务院"]
    assert names("认真落实工作部署，商务部署名") == []  # 部署 after a ministry-like name
    assert names("外交部长王毅") == []  # a title, not the ministry
    assert names("全国办理的案件") == []  # not 国办
    assert names("沿海地区和中东部地区") == []  # not 海地, not 中东
    assert names("在彼此尊重中共同发展") == []  # not 中共
    assert names("各级政府性融资担保机构") == []
    assert names("确保医保定点医疗机构") == []  # not 保定
    assert names("G200和G20峰会") == ["二十国集团"]


def test_foreign_bodies_are_not_chinese_ones(lex: Lexicon) -> None:
    ms = lex.find("美国国务院、美国财政部和俄罗斯联邦政府发表声明，西班牙王室表示")
    assert [(m.text, m.entry.name, m.entry.level) for m in ms] == [
        ("美国国务院", "美国国务院", "foreign"), ("美国财政部", "美国财政部", "foreign"),
        ("俄罗斯联邦政府", "俄罗斯政府", "foreign"), ("西班牙王室", "西班牙王室", "foreign")]
    assert "俄罗斯联邦政府" in ms[2].entry.aliases
    assert [m.entry.name for m in lex.find("美国移民局")] == ["美国移民局"]
    assert [m.entry.name for m in lex.find("中国外交部")] == ["外交部"]
    assert [m.entry.name for m in lex.find("印度外交部长苏杰生")] == ["印度"]  # a title follows


def test_division_gives_up_its_level_word(lex: Lexicon) -> None:
    ms = lex.find("广州市民和广东省长")
    assert [(m.text, m.entry.name) for m in ms] == [("广州", "广州"), ("广东", "广东")]


def test_find_is_leftmost_longest_and_non_overlapping(lex: Lexicon) -> None:
    text = "国家发展改革委会同国务院国资委、中国人民银行和全国人大常委会"
    ms = lex.find(text)
    assert [m.text for m in ms] == ["国家发展改革委", "国务院国资委", "中国人民银行", "全国人大常委会"]
    assert all(text[m.start : m.end] == m.text for m in ms)
    assert all(a.end <= b.start for a, b in zip(ms, ms[1:], strict=False))


# --- data integrity and other accessors -----------------------------------------------------------


def test_tables_are_consistent(lex: Lexicon) -> None:
    names = {e.name for e in lex.entries()}
    for e in lex.entries(AGENCY):
        if e.parent and e.level != "foreign":
            assert e.parent in names, (e.name, e.parent)
        if e.successor:
            assert e.successor in names, (e.name, e.successor)
        for c in e.members_of:
            assert lex.get(c) is not None and lex.get(c).collective, (e.name, c)
    sc = [e for e in lex.entries(AGENCY) if e.kind == "ministry" and e.level == "central" and not e.successor]
    assert len(sc) == 26  # the constituent departments of the State Council (2023)


def test_titles_and_jieba_words(lex: Lexicon) -> None:
    t = lex.titles()
    assert {"国务委员兼外长", "国家主席", "外交部长", "国家安全事务助理", "资深研究员", "总干事"} <= t
    words = {w: (f, tag) for w, f, tag in lex.jieba_words()}
    assert words["国家发展改革委"][1] == "nt" and words["广州"][1] == "ns" and words["外长"][1] == "n"
    assert "粤" not in words and "G20" not in words


def test_load_from_another_folder_and_default_is_cached(tmp_path: Path) -> None:
    from newskg.nlp.lexicon import DATA_DIR

    for f in DATA_DIR.iterdir():
        if f.suffix in (".tsv", ".txt"):
            (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    with (tmp_path / "agencies.tsv").open("a", encoding="utf-8") as fh:
        fh.write("测试委\t测委\t国务院\tcentral\tministry\t国务院各部委\t\n")
    lex = Lexicon.load(tmp_path)
    assert lex.lookup("测委").name == "测试委"
    assert default_lexicon() is default_lexicon()
    assert default_lexicon().lookup("测委") is None
    with (tmp_path / "agencies.tsv").open("a", encoding="utf-8") as fh:
        fh.write("另一委\t测委\t国务院\tcentral\tministry\t\t\n")
    with pytest.raises(ValueError, match="测委"):
        Lexicon.load(tmp_path)


# --- against the gold ---------------------------------------------------------------------------

_GENERIC = re.compile(
    r"^(各|有关|相关|其他|地方|县级|省级|市级|同级|上级|试点|政府|企业|学校|中央财政)|"
    r"(部门|机构|单位|企业|学校|院校|高校|方面|机关|团队|医院|地区|地方|省份|城市|城市政府|试验区|协会|财政|"
    r"政府|医联体|组织|主体|各方|党组）|公司)$"
)
_NATIONAL = ("国家", "中国", "国务院", "中央", "全国")


def _gold_groups() -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for f in GOLD:
        for t in json.loads(f.read_text(encoding="utf-8")).get("tasks", []):
            for g in t.get("agencies") or []:
                groups.setdefault(g[0], set()).update(g)
    return groups


@pytest.mark.skipif(not GOLD or not GOLD[0].exists(), reason="shared gold not available")
def test_gold_named_central_bodies_resolve(lex: Lexicon) -> None:
    """Every agency group of the gold that names one central body (not a collective, a class of
    bodies or a local body) resolves: some accepted name looks up to an entry whose canonical name
    the gold accepts and whose names cover the group's canonical name."""
    named: dict[str, set[str]] = {}
    for canon, group in _gold_groups().items():
        e = lex.lookup(canon)
        local = e is not None and e.level not in ("central", None) or (
            e is None and any(canon.startswith(d.name) or canon.startswith(d.full_name or d.name)
                              for d in lex.entries(PLACE) if d.level in ("provincial", "prefecture")))
        generic = _GENERIC.search(canon) and not canon.startswith(_NATIONAL)
        if local or generic or (e is not None and e.collective):
            continue
        named[canon] = group
    ok = [c for c, g in named.items()
          if any((e := lex.lookup(n)) is not None and e.name in g and c in e.names for n in g)]
    missing = sorted(set(named) - set(ok))
    coverage = len(ok) / len(named)
    print(f"gold named central bodies: {len(ok)}/{len(named)} = {coverage:.1%}; missing {missing}")
    assert len(named) >= 50
    assert coverage >= 0.95, missing


@pytest.mark.skipif(not GOLD or not GOLD[0].exists(), reason="shared gold not available")
def test_gold_collectives_and_local_bodies_resolve(lex: Lexicon) -> None:
    """The collectives and local bodies the guide names keep a canonical name the gold accepts."""
    groups = _gold_groups()
    canonical = (
        "国务院各部门 各地区 有关部门 各省、自治区、直辖市人民政府 各省级人民政府 省级人民政府 "
        "地方各级人民政府 县级以上地方人民政府 县级以上地方各级人民政府 试点城市 试点城市政府 "
        "国务院有关部门 有关地方 有关地区 各区政府 相关部门 财政部门 河北省人民政府 河北省委 "
        "广州市卫生健康委员会 广州市医疗保障局"
    )
    for canon in canonical.split():
        g = groups[canon]
        hits = [lex.lookup(n, issuer="国务院办公厅") for n in g]
        assert any(e is not None and e.name in g for e in hits), canon


# --- speed --------------------------------------------------------------------------------------


@pytest.mark.skipif(not POLICY, reason="shared corpus not available")
def test_find_speed_on_policy_text(lex: Lexicon) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in POLICY)
    text = text * max(1, 1_000_000 // len(text.encode("utf-8")))
    size = len(text.encode("utf-8"))
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        lex.find(text, issuer="国务院办公厅")
        best = min(best, time.perf_counter() - t0)
    mb_s = size / best / 1e6
    print(f"find(): {mb_s:.1f} MB/s on {size / 1e6:.1f} MB of policy text")
    assert mb_s >= 2.0
