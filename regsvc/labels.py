"""Words for stored codes. Each enumeration has one Labels, in its own package's
labels.py, used by its forms, templates, exports and flashes alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from wtforms.fields.choices import SelectChoice


class Labels:
    """The words for every member of one enumeration (lazy strings: each reader's language)."""

    def __init__(self, enum: type[StrEnum], words: Mapping[StrEnum, Any]):
        missing = set(enum) - set(words)
        if missing:
            raise ValueError(f"no words for {enum.__name__}: {', '.join(sorted(missing))}")
        self.enum = enum
        self._words = {member.value: words[member] for member in enum}

    def __call__(self, value: str | None) -> str:
        """The words for a stored value; an unknown value is shown as it is."""
        if value is None:
            return ""
        words = self._words.get(str(value))
        return str(words) if words is not None else str(value)

    def choices(self, members: Iterable[StrEnum] | None = None) -> list[SelectChoice]:
        """Choices for a form field, in the enumeration's order unless `members` says."""
        return [SelectChoice(member.value, self._words[member.value]) for member in members or self.enum]
