"""Interface text in the person's language, from gettext catalogues (Babel), and Indian number and date formats.

The catalogues are `saptah/locale/<lang>/LC_MESSAGES/messages.po`, read at run time (no compile step), so adding a
language is adding a catalogue. English is the source language: its text is the message id. Strings are marked with
`t("...")` in templates and `t`/`N_` (or an error class: `InvalidInput("...")`) in Python; `babel.cfg` says where
`pybabel extract` looks (see docs/i18n.md).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from saptah.core.text import N_, Message

__all__ = ["N_", "Message", "translate", "translate_stored"]
from saptah.core.timeutil import IST

DEFAULT = "en"
LANG_COOKIE = "saptah_lang"
# A language chosen with the switch before signing in: kept apart from LANG_COOKIE (which signing in sets from the
# profile), so that an explicit choice on the sign-in page wins over the profile and is saved to it.
LANG_CHOSEN_COOKIE = "saptah_lang_chosen"
# Babel locale per interface language: Indian English and Hindi (both group numbers as 1,23,456).
LOCALES = {"en": "en_IN", "hi": "hi_IN"}


ROLE_LABELS = {
    "learner": N_("Learner"),
    "mdo_admin": N_("MDO admin"),
    "mdo_leader": N_("MDO leader"),
    "national_organiser": N_("National organiser"),
    "content_provider": N_("Content provider"),
}


@cache
def languages() -> tuple[str, ...]:
    """The interface languages: English and every language with a catalogue."""
    root = files("saptah") / "locale"
    found = sorted(p.name for p in root.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())
    return (DEFAULT, *[lang for lang in found if lang != DEFAULT])


@cache
def catalogue(lang: str) -> dict[str, str]:
    """A language's translations (message id to text); untranslated and fuzzy entries are left out."""
    if lang == DEFAULT or lang not in languages():
        return {}
    path = files("saptah") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {
        m.id: m.string for m in cat if isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def language_of(value: str | None) -> str:
    """A supported interface language from a stored or sent value (English when unknown)."""
    return value if value in languages() else DEFAULT


def translate(text: str, lang: str, **params: Any) -> str:
    """The text in the language (as is when no translation), with `{name}` parameters filled in.

    A `Message` (an error's text, say) is translated from its message id with its own values, themselves
    translated when they are Saptah's own text (see `translate_stored`).
    """
    if isinstance(text, Message) and not params:
        if lang == DEFAULT:
            return str(text)
        values = {k: translate_stored(v, lang) if isinstance(v, str) else v for k, v in text.params.items()}
        return translate(text.msgid, lang, **values)
    out = catalogue(lang).get(text, text) if lang != DEFAULT else text
    return out.format(**params) if params else out


# the shortest text a pattern must hold besides its placeholders to be recognised in stored text
MIN_LITERAL = 6
# where messages joined in one stored text meet: after a sentence's full stop, or "; "
SEPARATORS = re.compile(r"((?<=\.) |; )")


@cache
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """The language's messages with placeholders, as patterns matching their English text once filled in."""
    out: list[tuple[int, re.Pattern[str], str]] = []
    for msgid, text in catalogue(lang).items():
        parts = re.split(r"\{(\w+)\}", msgid)
        literal = "".join(parts[0::2])
        if len(parts) == 1 or len(literal.strip(" .:;,()")) < MIN_LITERAL:
            continue
        names = parts[1::2]
        if len(set(names)) != len(names):
            continue
        body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((len(literal), re.compile(body + r"\Z", re.S), text))
    # the longest literal text first, so the most specific message wins
    out.sort(key=lambda item: -item[0])
    return [(pattern, text) for _, pattern, text in out]


def translate_stored(text: str | None, lang: str, _depth: int = 0) -> str:
    """Text written by Saptah's code in English and stored (a ledger's reason, an import's row error), in the
    language: found in the catalogue as it is, or recognised as a message with placeholders filled in (the values
    translated too when they are messages themselves)."""
    if not text or lang == DEFAULT:
        return text or ""
    if isinstance(text, Message):
        return translate(text, lang)
    found = catalogue(lang).get(text)
    if found is not None:
        return found
    if _depth < 3:
        for pattern, translated in _patterns(lang):
            match = pattern.match(text)
            if match:
                values = {k: translate_stored(v, lang, _depth + 1) for k, v in match.groupdict().items()}
                return translated.format(**values)
        # several messages joined ("Unknown column(s): X. Missing column(s): Y." or a row's "a; b")
        parts = SEPARATORS.split(text)
        if len(parts) > 1:
            return "".join(p if i % 2 else translate_stored(p, lang, _depth + 1) for i, p in enumerate(parts))
    return text


def language_name(lang: str) -> str:
    """A language's own name ("हिन्दी" for Hindi)."""
    name = Locale.parse(lang).display_name or lang
    return name[:1].upper() + name[1:]


def fmt_number(value: float | int | None, lang: str = DEFAULT) -> str:
    """A number in the Indian system: 1,23,456."""
    if value is None:
        return ""
    return format_decimal(value, locale=LOCALES.get(lang, "en_IN"), group_separator=True)


def fmt_lakh(value: float | int, lang: str = DEFAULT) -> str:
    """A large count as people say it: 7.4 lakh, 3.2 crore (plain 1,23,456 grouping below a lakh)."""
    for size, word in ((10_000_000, "crore"), (100_000, "lakh")):
        if abs(value) >= size:
            figure = format_decimal(round(value / size, 1), locale=LOCALES.get(lang, "en_IN"))
            return f"{figure} {translate(word, lang)}"
    return fmt_number(value, lang)


def fmt_when(moment: datetime | None, lang: str = DEFAULT, pattern: str | None = None) -> str:
    """An aware moment in IST for people: numeric in English (27-10-2024 11:00), month names in other languages."""
    if moment is None:
        return ""
    if lang == DEFAULT:
        return moment.astimezone(IST).strftime(pattern or "%d-%m-%Y %H:%M")
    skeleton = "d MMM y" if pattern in ("%d-%m-%Y", "%d %b %Y") else "d MMM y, HH:mm"
    if pattern == "%H:%M":
        skeleton = "HH:mm"
    elif pattern and pattern.startswith("%a"):
        skeleton = "EEE, " + skeleton
    return format_datetime(moment, skeleton, tzinfo=IST, locale=LOCALES.get(lang, lang))


def fmt_day(day: date | None, lang: str = DEFAULT) -> str:
    """A calendar day: 27-10-2024 in English, 27 अक्तू॰ 2024 in Hindi."""
    if day is None:
        return ""
    if lang == DEFAULT:
        return day.strftime("%d-%m-%Y")
    return format_date(day, "d MMM y", locale=LOCALES.get(lang, lang))
