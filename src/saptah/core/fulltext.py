"""Full-text queries in the two databases' own syntaxes, from what a person typed: SQLite FTS5 MATCH strings and
PostgreSQL tsquery strings (used with the 'simple' configuration, so Hindi and English words both index as they
are). Every word is a prefix and all must match. Shared by the catalogue's and the discussions' searches."""

from __future__ import annotations

import re

# \w misses Indic vowel signs and viramas (Unicode marks); take the Arabic-script and Indic blocks whole
WORD = re.compile(r"[\w\u0600-\u06ff\u0900-\u0dff]+")
MAX_WORDS = 12


def words_of(q: str) -> list[str]:
    """The words of a query, as the indexes split text (punctuation and quotes dropped)."""
    return WORD.findall(q)[:MAX_WORDS]


def fts5_query(q: str) -> str | None:
    """An FTS5 MATCH string: every word as a quoted prefix (None when the query has no word)."""
    words = words_of(q)
    return " ".join(f'"{w}"*' for w in words) if words else None


def pg_tsquery(q: str) -> str | None:
    """A to_tsquery string: every word as a prefix, all required (None when the query has no word)."""
    words = words_of(q)
    return " & ".join(f"{w}:*" for w in words) if words else None
