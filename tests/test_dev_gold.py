"""The dev gold (every shared policy document and news report) scored by the shared scorer.

These are the issue's acceptance bars; documents that arrive in ../shared later are scored too
(the gold folder is globbed, not listed)."""
from __future__ import annotations

import pytest
from helpers import SHARED, extract_to, score

POLICY_GOLD = sorted((SHARED / "gold" / "policy").glob("*.json"))
NEWS_GOLD = sorted((SHARED / "gold" / "news").glob("*.json"))


@pytest.fixture(scope="module")
def dev_pred(tmp_path_factory):
    return extract_to(tmp_path_factory.mktemp("dev") / "dev.jsonl",
                      str(SHARED / "corpus" / "policy"), str(SHARED / "corpus" / "news"))


def test_policy_obligations(dev_pred):
    s = score(POLICY_GOLD, dev_pred)
    assert s["task_f1"] >= 0.90
    assert s["deadline_acc"] >= 0.95
    assert s["agency_acc"] >= 0.90
    assert s["modality_acc"] >= 0.90


def test_news_retold_policies_and_no_tasks_from_talks(dev_pred):
    s = score(NEWS_GOLD, dev_pred)
    assert s["task_f1"] >= 0.85
    assert s["article_recall"] == 1 and s["article_junk"] == 0


def test_seed_obligations(seed_extract):
    s = score([SHARED / "gold" / "seed.json"], seed_extract)
    assert s["task_f1"] >= 0.95
    assert s["agency_acc"] == 1.0
    assert s["deadline_acc"] == 1.0
