"""Every visible string is translatable and has its Hindi translation; numbers and dates in the Indian way."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from jinja2 import Environment, nodes

from saptah.web import i18n
from tests.factories import csrf, sign_in

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "saptah"
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "t": None,
    "N_": None,
    "Message": None,
    "translate": None,
    "flash": (3,),
    "_back": (3,),
}
# an error's message is for people (saptah.core.errors): each error class is a keyword too
ERRORS = ("InvalidInput", "NotFound", "Forbidden", "Conflict", "NotAuthenticated", "PreconditionFailed", "OutOfRange")
KEYWORDS |= dict.fromkeys((*ERRORS, "PayloadTooLarge", "TooManyRequests"))
# Templates whose own text is not yet marked for translation; empty now, and it stays so.
NOT_YET_MARKED: set[str] = set()
WORD = re.compile(r"[A-Za-z]{2,}")
VISIBLE_ATTRS = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"{]*)"')


def extracted() -> set[str]:
    """Every message id `pybabel extract` finds with babel.cfg and ./scripts/i18n's keywords (xAPI refusals aside)."""
    method_map = [("src/saptah/**.py", "python"), ("src/saptah/**/templates/**.html", "jinja2")]
    where: dict[str, set[str]] = {}
    for file, _line, message, _comments, _context in extract_from_dir(ROOT, method_map, keywords=KEYWORDS):
        where.setdefault(message if isinstance(message, str) else message[0], set()).add(file)
    # the xAPI protocol's refusals go to programs, in English as the specification writes them
    return {
        m for m, files in where.items() if not all(f.startswith("src/saptah/lrs/") and f.endswith(".py") for f in files)
    }


def test_every_marked_string_has_a_hindi_translation_with_the_same_placeholders():
    hindi = i18n.catalogue("hi")
    messages = extracted()
    assert len(messages) > 400
    missing = sorted(m for m in messages if not hindi.get(m))
    assert not missing, f"{len(missing)} strings have no Hindi translation (run ./scripts/i18n, translate): {missing}"
    for message in messages:
        assert set(re.findall(r"\{\w+\}", message)) == set(re.findall(r"\{\w+\}", hindi[message])), message


def _shown_literals(expr: nodes.Node) -> list[str]:
    """String literals an output expression shows as they are (not through t(), not in a test or an argument)."""
    if isinstance(expr, nodes.Const):
        return [expr.value] if isinstance(expr.value, str) and WORD.search(expr.value) else []
    if isinstance(expr, nodes.CondExpr):
        return _shown_literals(expr.expr1) + (_shown_literals(expr.expr2) if expr.expr2 is not None else [])
    if isinstance(expr, nodes.Concat):
        return [w for part in expr.nodes for w in _shown_literals(part)]
    if isinstance(expr, nodes.Filter) and expr.node is not None:
        return _shown_literals(expr.node)
    return []


def _unmarked(source: str) -> list[str]:
    """Text a template shows without passing it through t(): template text, visible attributes, string literals."""
    env = Environment(autoescape=True)
    # the template's own text, with each {{ ... }} and {% ... %} as a placeholder, then its tags taken out
    page = "".join(
        value if kind == "data" else ("\x00" if kind.endswith("_begin") else "") for _, kind, value in env.lex(source)
    )
    found = [a for a in VISIBLE_ATTRS.findall(page) if WORD.search(a)]
    text = re.sub(
        r"&\w+;|&#\d+;", " ", re.sub(r"<[^>]*>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))
    )
    found += [w for w in text.replace("\x00", " ").split() if WORD.search(w)]
    for match in re.finditer(r"\{\{(.*?)\}\}", source, re.S):
        before = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source[: match.start()], flags=re.S)
        in_tag = before.rfind("<") > before.rfind(">")
        if in_tag and not re.search(r'(placeholder|title|aria-label|alt)="[^"]*$', before):
            continue  # an attribute nobody reads (class, value, href)
        for output in env.parse(match.group(0)).find_all(nodes.Output):
            for expr in output.nodes:
                found += _shown_literals(expr)
    return found


# Words that read the same in both languages: abbreviations, formats and units shown as such.
SAME_IN_BOTH = {"Saptah", "IST", "CSV", "XLSX", "PDF", "ZIP", "xAPI", "ics", "API", "LRS", "JSON", "MDO"}


def _same_in_both(word: str) -> bool:
    """Codes (MOHFW, CP_KB), addresses and the abbreviations above need no translation."""
    word = word.strip(".,:;()·")
    return word in SAME_IN_BOTH or not re.search(r"[a-z]{2,}", word) or "/" in word


def test_no_template_shows_text_that_is_not_marked_for_translation():
    problems = {}
    for path in sorted(SRC.rglob("templates/*.html")):
        if path.name in NOT_YET_MARKED:
            continue
        words = [w for w in _unmarked(path.read_text("utf-8")) if not _same_in_both(w)]
        if words:
            problems[str(path.relative_to(SRC))] = words[:8]
    assert not problems, problems


def test_indian_number_grouping_and_dates_in_the_persons_language():
    assert i18n.fmt_number(123456) == "1,23,456" and i18n.fmt_number(12345678, "hi") == "1,23,45,678"
    assert i18n.fmt_lakh(740_000) == "7.4 lakh" and i18n.fmt_lakh(38_000_000, "hi") == "3.8 करोड़"
    moment = datetime(2024, 10, 24, 6, 0, tzinfo=UTC)  # 11:30 IST
    assert i18n.fmt_when(moment) == "24-10-2024 11:30"
    assert i18n.fmt_when(moment, "hi") == "24 अक्टू॰ 2024, 11:30"
    assert i18n.fmt_day(date(2024, 10, 27), "hi") == "27 अक्टू॰ 2024"


def test_adding_a_language_is_adding_a_catalogue():
    assert i18n.languages() == ("en", "hi")  # discovered from src/saptah/locale/*/LC_MESSAGES/messages.po
    assert i18n.language_of("hi") == "hi" and i18n.language_of("xx") == "en"


@pytest.mark.parametrize("path", ["/", "/courses", "/my/learning", "/campaigns"])
def test_the_language_is_kept_in_the_profile_and_follows_the_person(client, make, path):
    person = make.person()
    sign_in(client, person.email)
    client.get("/lang/hi")
    client.cookies.clear()  # another browser, say the phone
    sign_in(client, person.email)
    page = client.get(path)
    assert page.status_code == 200 and '<html lang="hi">' in page.text
    assert "मुख्य पृष्ठ" in page.text and ">Home<" not in page.text


def test_e_mails_are_written_in_the_language_kept_in_the_profile(client, db, make):
    from saptah.notify.models import OutboxMessage
    from tests.factories import csrf

    hindi, english = make.person(), make.person()
    hindi.preferred_language = "hi"
    db.flush()
    for person in (hindi, english):
        client.post("/forgot-password", data={"email": person.email, "csrf_token": csrf(client)})
    mails = {m.to_addr: m for m in db.query(OutboxMessage).filter(OutboxMessage.kind == "password_reset")}
    assert mails[hindi.email].subject == "सप्ताह: अपना पासवर्ड बदलें"
    assert "/set-password/" in mails[hindi.email].body and "प्रिय" in mails[hindi.email].body
    assert mails[english.email].subject == "Saptah: reset your password"


def _message_arguments(call: ast.Call) -> list[ast.expr]:
    """The arguments of a marking call that `pybabel extract` takes as message ids (./scripts/i18n's keywords)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name not in KEYWORDS:
        return []
    spec = KEYWORDS[name]
    positions = [p - 1 for p in spec] if spec else [0]
    return [call.args[p] for p in positions if p < len(call.args)]


def test_no_message_for_people_is_built_with_an_f_string():
    """An f-string's text cannot be found in a catalogue: messages take named placeholders and their values."""
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        if "lrs" in path.relative_to(SRC).parts[:1]:
            continue  # the xAPI protocol's refusals go to programs, in English
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                for arg in _message_arguments(node):
                    if isinstance(arg, ast.JoinedStr) or (
                        isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add | ast.Mod)
                    ):
                        problems.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not problems, problems


# the names under which pages are given a sentence to show through t() (error.html, forms' messages)
SHOWN_KEYS = {"title", "message", "error", "notice"}


def test_text_a_page_is_given_to_show_is_marked_for_translation():
    """A sentence handed to a template (`render(..., {"error": "..."})`) is shown through t(), which finds only
    marked text: written as a bare literal it would stay English for every reader."""
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", ""))
                in ("render", "render_page", "TemplateResponse")
            ):
                continue
            for arg in node.args:
                if not isinstance(arg, ast.Dict):
                    continue
                for key, value in zip(arg.keys, arg.values, strict=True):
                    shown = isinstance(key, ast.Constant) and key.value in SHOWN_KEYS
                    if shown and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                        problems.append(f"{path.relative_to(SRC)}:{node.lineno} {value.value!r}")
    assert not problems, problems


def test_an_error_with_values_is_shown_in_the_readers_language(client, db, make):
    person = make.person()
    person.preferred_language = "hi"
    db.flush()
    sign_in(client, person.email)
    page = client.get("/people", params={"page": "99999999999999999999"})
    assert page.status_code == 422 and '<html lang="hi">' in page.text
    assert "page: -9223372036854775808 और 9223372036854775807 के बीच की पूर्ण संख्या होनी चाहिए।" in page.text
    api = client.get("/api/v1/courses", params={"page": "99999999999999999999"})  # programs read English
    assert "must be a whole number between" in api.json()["error"]["message"]


def test_a_refused_form_and_a_browsers_api_call_read_pydantics_wording_in_the_persons_language(client, db, make):
    person = make.person()
    person.preferred_language = "hi"
    db.flush()
    sign_in(client, person.email)
    form = {"name": "x" * 201, "ends_on": "2024-10-27", "target_minutes": "abc", "karma_monthly_cap": "5000"}
    page = client.post("/campaigns", data=form | {"csrf_token": csrf(client)})
    assert page.status_code == 400 and '<html lang="hi">' in page.text
    for hindi in (
        "name: अधिक से अधिक 200 अक्षर हो सकते हैं",  # string_too_long
        "starts_on: यह भरना आवश्यक है",  # missing
        "target_minutes: पूर्ण संख्या होनी चाहिए",  # int_parsing
        "karma_monthly_cap: 1000 या उससे कम होना चाहिए",  # less_than_equal
    ):
        assert hindi in page.text, hindi
    assert "Field required" not in page.text and "String should have" not in page.text
    # an API call from a page's script (a browser sends Accept-Language): the message in Hindi, the codes as they are
    browser = {"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"}
    api = client.get("/api/v1/courses", params={"size": "many"}, headers=browser).json()["error"]
    assert api["code"] == "invalid_input" and "size: पूर्ण संख्या होनी चाहिए" in api["message"]
    assert api["details"][0]["type"] == "int_parsing" and api["details"][0]["field"] == "size"
    unknown = client.get("/api/v1/courses", params={"sise": "5"}, headers=browser).json()["error"]["message"]
    assert "अज्ञात क्वेरी पैरामीटर: sise। स्वीकार्य: category," in unknown
    # a program (no Accept-Language) reads pydantic's English wording
    program = client.get("/api/v1/courses", params={"size": "many"}).json()["error"]
    assert "size: Input should be a valid integer" in program["message"]


def test_text_stored_in_english_is_shown_in_the_readers_language():
    """A ledger's reason or an import's row problems are stored as Saptah wrote them (English, values filled in);
    they are recognised from the catalogue's messages and shown translated, their values too."""
    from saptah.core.text import Message

    reason = "Webinar: 45 minutes attended (capped at its length)."
    assert i18n.translate_stored(reason, "hi") == "वेबिनार: 45 मिनट भाग लिया (इसकी अवधि तक सीमित)।"
    assert i18n.translate_stored(reason, "en") == reason
    row = "Email 'x@' is not a valid e-mail address.; Mobile Number '12' must have exactly 10 digits."
    assert i18n.translate_stored(row, "hi") == (
        "ई-मेल 'x@' मान्य ई-मेल पता नहीं है।; मोबाइल नंबर '12' में ठीक 10 अंक होने चाहिए।"
    )
    nested = Message("Not yet: {message}", message="Spend about 3 minutes more on this module before marking it done.")
    assert str(nested) == "Not yet: Spend about 3 minutes more on this module before marking it done."
    assert i18n.translate(nested, "hi").startswith("अभी नहीं: ") and "3 मिनट" in i18n.translate(nested, "hi")
    assert i18n.translate_stored("Ministry of Home Affairs", "hi") == "Ministry of Home Affairs"  # a name stays
