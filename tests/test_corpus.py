"""Reading files: encodings, front matter, bad input, page splitting and layout repair."""
from __future__ import annotations

import datetime as dt

import pytest
from helpers import SEED

from newskg.corpus.document import load_document, parse_document
from newskg.corpus.errors import BadDateError, BinaryFileError, EmptyFileError, TooLargeError

NOTICE = "---\ntitle: 测试通知\ndate: 2020-03-01\nsource: 测试网\n---\n各部门要在2020年6月底前完成自查。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings_are_detected(tmp_path, encoding):
    p = tmp_path / "n.txt"
    p.write_bytes(NOTICE.encode(encoding))
    doc = load_document(p)
    assert doc.title == "测试通知"
    assert doc.date == dt.date(2020, 3, 1) and doc.date_source == "metadata"
    assert doc.text.lstrip("\ufeff").startswith("---")
    assert "各部门要在2020年6月底前完成自查" in doc.articles[0].block.view.text


def test_bad_inputs_have_one_line_reasons(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (tmp_path / "big.txt").write_bytes("字".encode() * 1000)
    with pytest.raises(EmptyFileError):
        load_document(tmp_path / "empty.txt")
    with pytest.raises(BinaryFileError):
        load_document(tmp_path / "bin.txt")
    with pytest.raises(TooLargeError, match="MB"):
        load_document(tmp_path / "big.txt", max_bytes=1000)


def test_impossible_front_matter_date_is_refused():
    with pytest.raises(BadDateError, match="impossible"):
        parse_document("x.txt", "---\ndate: 2019-02-30\n---\n正文。\n")


def test_front_matter_offsets_point_into_the_file():
    doc = parse_document("x.txt", NOTICE)
    art = doc.articles[0]
    view = art.block.view
    i = view.text.index("完成自查")
    s, e = view.source_span(i, i + 4)
    assert NOTICE[s:e] == "完成自查"


@pytest.fixture(scope="module")
def seed():
    return load_document(SEED, date=dt.date(2017, 5, 19))


def test_seed_page_splits_into_its_two_articles(seed):
    titles = [a.title for a in seed.articles]
    assert titles == ["国办印发方案推进政务信息系统整合共享 可供再利用的数据要向社会公开",
                      "多任美国前总统都选邻国 特朗普打破惯例 首次出访选中东"]
    assert [a.source for a in seed.articles] == ["新华社", "新华社"]
    assert [(c.role, c.name) for c in seed.articles[0].credits] == [("制图", "段莉莉")]


def test_seed_furniture_is_dropped(seed):
    text = "".join(a.block.view.text for a in seed.articles)
    assert "社会主义核心价值观" not in text and "二维码" not in text and "文明武汉" not in text


@pytest.mark.parametrize("joined", ["做好顶层设计", "地方政府信息系统互联互通", "是否会透露具体步骤或方案"])
def test_seed_layout_breaks_are_rejoined(seed, joined):
    for art in seed.articles:
        view = art.block.view
        i = view.text.find(joined)
        if i >= 0:
            s, e = view.source_span(i, i + len(joined))
            assert seed.text[s:e].replace("\n", "").replace("据新华社", "") == joined
            return
    pytest.fail(f"{joined} not rejoined")


def test_plain_text_page_with_title_lines():
    page = ("第一篇报道的标题\n\n本市今年将新建学校十所，各区要在9月底前完成选址。\n\n据本报讯\n\n"
            "第二篇报道的标题\n\n专家认为，这一举措将缓解入学压力，但仍需加强师资。\n\n来源/示范日报 制图/张三\n")
    doc = parse_document("page.txt", page)
    assert [a.title for a in doc.articles] == ["第一篇报道的标题", "第二篇报道的标题"]
    assert [a.source for a in doc.articles] == ["本报讯", "示范日报"]
    assert [(c.role, c.name) for c in doc.articles[1].credits] == [("制图", "张三")]
