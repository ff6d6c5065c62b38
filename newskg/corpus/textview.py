"""A cleaned text that remembers where each of its characters came from in the source file.

Layout repair (rejoining broken lines, dropping a misplaced source line) changes the text the
NLP sees; every fact must still point at the file as it stands, so offsets go through this map.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field


@dataclass
class TextView:
    text: str
    offsets: array  # offsets[i] = source index of text[i]; one extra entry: source end of the view

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source [start, end) of the cleaned [start, end)."""
        if end <= start:
            at = self.offsets[min(start, len(self.text))]
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1

    def __len__(self) -> int:
        return len(self.text)


@dataclass
class TextViewBuilder:
    parts: list[str] = field(default_factory=list)
    offsets: array = field(default_factory=lambda: array("q"))
    end: int = 0

    def add(self, source: str, start: int, end: int) -> None:
        """Append source[start:end] verbatim."""
        if end <= start:
            return
        self.parts.append(source[start:end])
        self.offsets.extend(range(start, end))
        self.end = end

    def add_synthetic(self, s: str, at: int) -> None:
        """Append characters that are not in the source (a line break between paragraphs)."""
        self.parts.append(s)
        self.offsets.extend([at] * len(s))

    def build(self) -> TextView:
        offs = array("q", self.offsets)
        offs.append(self.end)
        return TextView("".join(self.parts), offs)
