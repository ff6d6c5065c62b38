"""Part-of-speech tags of jieba's own dictionary, read once from its file (no global jieba state):
enough to tell that 面向, 考察 or 选取 opens a clause, not the name of a body."""
from __future__ import annotations

from functools import lru_cache

import jieba


@lru_cache(maxsize=1)
def dictionary_tags() -> dict[str, str]:
    """word -> tag for the dictionary's words of 2 to 4 characters."""
    out: dict[str, str] = {}
    with jieba.get_dict_file() as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) == 3 and 2 <= len(parts[0]) <= 4:
                out[parts[0]] = parts[2]
    return out
