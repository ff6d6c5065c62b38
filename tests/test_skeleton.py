"""The walking skeleton's acceptance, run as a user runs it: the CLI in a fresh process."""
from __future__ import annotations

import json
import shutil

from helpers import ROOT, SEED, SHARED, newskg, score

EXAMPLES = ROOT / "examples" / "corpus"


def test_seed_scores_clear_the_skeleton_bar(seed_extract):
    s = score([SHARED / "gold" / "seed.json"], seed_extract)
    assert s["task_f1"] >= 0.85
    assert s["deadline_acc"] >= 0.95
    assert s["clean_acc"] == 1
    assert s["article_recall"] == 1
    assert s["article_junk"] == 0


def test_extract_offsets_point_at_the_evidence(seed_extract):
    rec = json.loads(seed_extract.read_text(encoding="utf-8").splitlines()[0])
    text = SEED.read_text(encoding="utf-8")
    assert rec["document"]["date"] == "2017-05-19"
    for t in rec["tasks"]:
        src = text[t["start"]:t["end"]]
        assert src.replace("\n", "")[:6] == t["text"][:6]
        if t["deadline"]:
            d = t["deadline"]
            assert text[d["start"]:d["end"]] == d["text"]
    for e in rec["entities"]:
        for m in e["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
    names = {e["name"] for e in rec["entities"]}
    for t in rec["tasks"]:
        assert {a["name"] for a in t["agencies"]} <= names


def test_obligations_due_before_july_end(tmp_path):
    store = tmp_path / "store"
    r = newskg("ingest", str(SEED), "--date", "2017-05-19", "--store", str(store))
    assert r.returncode == 0, r.stderr
    r = newskg("obligations", "--due-before", "2017-07-31", "--store", str(store), "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and all(row["due"] <= "2017-07-31" for row in rows)
    actions = " ".join(row["action"] for row in rows)
    for want in ("制定本部门政务信息系统整合共享清单", "出台《政务信息资源目录编制指南》",
                 "全国政务信息共享网站正式开通上线", "完成试点城市2016年工作评价"):
        assert want in actions
    lists = [row for row in rows if "整合共享清单" in row["action"]]
    assert [a["name"] for a in lists[0]["agencies"]] == ["国务院各部门"]


def test_bad_files_fail_alone_and_the_store_is_whole(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    (folder / "gbk.txt").write_bytes("---\ntitle: 测试通知\ndate: 2020-01-02\n---\n各部门要在2020年3月底前完成自查。\n"
                                      .encode("gbk"))
    shutil.copy(EXAMPLES / "notice-data-sharing.md", folder / "notice.md")
    store = tmp_path / "store"
    r = newskg("ingest", str(folder), "--store", str(store))
    assert r.returncode == 1
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("newskg:")]
    assert len(errors) == 2
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("image.txt: binary" in e for e in errors)
    rows = json.loads(newskg("obligations", "--store", str(store), "--format", "json").stdout)
    assert any("完成自查" in row["action"] for row in rows)
    assert any(row["path"].endswith("notice.md") for row in rows)


def test_reingest_is_idempotent_and_changes_replace(tmp_path):
    store = tmp_path / "store"
    doc = tmp_path / "n.md"
    doc.write_text("---\ntitle: 关于测试的通知\ndate: 2020-01-02\n---\n一、各部门要在2020年3月底前完成自查。\n"
                   "二、财政部要在2020年6月底前完成复核。\n", encoding="utf-8")
    assert newskg("ingest", str(doc), "--store", str(store)).returncode == 0
    first = newskg("stats", "--store", str(store)).stdout
    r = newskg("ingest", str(doc), "--store", str(store))
    assert "1 unchanged" in r.stderr
    assert newskg("stats", "--store", str(store)).stdout == first
    doc.write_text(doc.read_text(encoding="utf-8").replace("2020年6月底前完成复核", "2020年9月底前完成复核"),
                   encoding="utf-8")
    r = newskg("ingest", str(doc), "--store", str(store))
    assert "1 replaced" in r.stderr
    rows = json.loads(newskg("obligations", "--store", str(store), "--format", "json").stdout)
    assert sorted(row["due"] for row in rows) == ["2020-03-31", "2020-09-30"]
    assert newskg("stats", "--store", str(store)).stdout == first


def test_example_corpus_demo(tmp_path):
    store = tmp_path / "store"
    r = newskg("ingest", str(EXAMPLES), "--store", str(store))
    assert r.returncode == 0, r.stderr
    rows = json.loads(newskg("obligations", "--store", str(store), "--format", "json").stdout)
    by_action = {row["action"]: row for row in rows}
    catalogue = next(row for a, row in by_action.items() if "公共数据资源目录编制" in a)
    assert catalogue["due"] == "2024-06-30"
    roles = {(a["name"], a["role"]) for a in catalogue["agencies"]}
    assert ("市政务服务数据管理局", "lead") in roles and ("市财政局", "participant") in roles
    plan = next(row for a, row in by_action.items() if "制定本区实施方案" in a)
    assert plan["due"] == "2024-06-15"


def test_parse_time_reads_lines_on_stdin():
    r = newskg("parse-time", "--date", "2018-03-01", input="2018年6月底前完成清理。\n长期坚持。\n推进一号一窗一网。\n")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["text"] for x in lines] == ["2018年6月底前完成清理。", "长期坚持。", "推进一号一窗一网。"]
    first = lines[0]["expressions"][0]
    assert (first["date"], first["relation"], first["kind"]) == ("2018-06-30", "by", "deadline")
    assert lines[1]["expressions"][0]["kind"] == "ongoing" and lines[1]["expressions"][0]["date"] is None
    assert lines[2]["expressions"] == []


def test_impossible_date_option_is_refused():
    r = newskg("parse-time", "--date", "2019-02-30", input="x\n")
    assert r.returncode == 2 and "impossible" in r.stderr


def test_undated_file_gets_an_inferred_date(tmp_path):
    doc = tmp_path / "n.txt"
    doc.write_text("关于测试的通知\n各部门要在3个月内完成自查。\n测试办公室\n2019年4月2日\n", encoding="utf-8")
    rec = json.loads(newskg("extract", str(doc)).stdout)
    assert rec["document"]["date"] == "2019-04-02" and rec["document"]["date_source"] == "inferred"
    dl = rec["tasks"][0]["deadline"]
    assert dl["date"] == "2019-07-02" and dl["approximate"] is True
