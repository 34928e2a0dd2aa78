"""The staff-list columns and the rules each row must meet, in words an MDO clerk understands.

Pure functions (no database): the service adds the checks that need stored people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import Any
from urllib.parse import unquote

from saptah.core.errors import InvalidInput
from saptah.core.text import N_
from saptah.directory.models import PERSON_FIELDS, Group

# Canonical field -> header spellings (compared after dropping case, spaces and a trailing '*').
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("fullname", "name"),
    "email": ("email", "emailid", "emailaddress"),
    "mobile": ("mobilenumber", "mobile", "mobileno"),
    "group": ("group",),
    "designation": ("designation",),
    "gender": ("gender",),
    "category": ("category",),
    "dob": ("dob", "dateofbirth"),
    "mother_tongue": ("mothertongue",),
    "employee_id": ("employeeid",),
    "office_pin": ("officepincode", "pincode"),
    "external_system_id": ("externalsystemid", "externalreferenceid"),
    "external_system_name": ("externalsystemname", "externalreferencesystem"),
    "tags": ("tags",),
    "org_code": ("organisationcode", "organizationcode", "orgcode", "mdocode"),
}
IGNORED = {"sno", "sno.", "slno", "slno.", "serialno", "serialnumber"}
REQUIRED = ("full_name", "email", "mobile", "group")
IGOT_TEMPLATE = (
    "Full Name*",
    "Email*",
    "Mobile Number*",
    "Group*",
    "Designation*",
    "Gender",
    "Category",
    "DOB",
    "Mother Tongue",
    "Employee ID",
    "Office Pin Code",
    "External System ID",
    "External System Name",
    "Tags",
)
CIRCULAR_TEMPLATE = (
    "Full Name",
    "Email Id",
    "Mobile Number",
    "Group",
    "Tags",
    "External Reference ID",
    "External Reference System",
)
GROUPS = {g.value.lower(): g.value for g in Group}
_ALIAS_TO_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9]{1,30}$")
_EXT_ID = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
_DOB = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TAG_SPLIT = re.compile(r"[,|]")
# An address pasted from a circular printed as a web page: <a href="mailto:x@y.in">x@y.in</a>.
_MAILTO = re.compile(r"""href\s*=\s*["']?\s*mailto:([^"'>\s?]+)""", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")
MAX_AGE_YEARS = 65


def header_key(text: str) -> str:
    """A header cell reduced for matching: no case, no spaces, no trailing '*'."""
    return "".join(str(text).split()).lower().rstrip("*")


# the fields check_row reads, in its order: an upload may set a person's own fields, and name an organisation
ROW_FIELDS = (*PERSON_FIELDS, "org_code")


@dataclass(frozen=True)
class Columns:
    """Where each known field sits in the file, and whether it follows the iGOT template."""

    index: dict[str, int]
    header: tuple[str, ...]
    igot: bool

    @cached_property
    def width(self) -> int:
        """One past the last field's position: a missing field reads the empty cell put there."""
        return max(self.index.values()) + 1

    @cached_property
    def fields(self) -> Callable[[Sequence[str]], tuple[str, ...]]:
        """Picks ROW_FIELDS out of a row (padded to `width` + 1) in one C call."""
        return itemgetter(*[self.index.get(name, self.width) for name in ROW_FIELDS])


def expected_columns_text() -> str:
    """The two accepted headings, for error messages."""
    return N_("iGOT template: {values}. Older circular template: {circular}.").format(
        values=", ".join(IGOT_TEMPLATE), circular=", ".join(CIRCULAR_TEMPLATE)
    )


def match_columns(header: Sequence[Any]) -> Columns:
    """Map the header row to fields; refuses unknown, repeated or missing columns with the expected list."""
    cells = [("" if h is None else str(h)).strip().lstrip("\ufeff") for h in header]
    while cells and not cells[-1]:
        cells.pop()
    if not any(cells):
        raise InvalidInput("The file is empty: the first row must hold the column headings.")
    index: dict[str, int] = {}
    unknown, repeated = [], []
    for i, cell in enumerate(cells):
        key = header_key(cell)
        if not key or key in IGNORED:
            continue
        name = _ALIAS_TO_FIELD.get(key)
        if name is None:
            unknown.append(cell)
        elif name in index:
            repeated.append(cell)
        else:
            index[name] = i
    problems = []
    if unknown:
        problems.append(N_("Unknown column(s): {values}.").format(values=", ".join(unknown)))
    if repeated:
        problems.append(N_("Column(s) given twice: {values}.").format(values=", ".join(repeated)))
    missing = [f for f in REQUIRED if f not in index]
    if missing:
        names = {"full_name": "Full Name", "email": "Email", "mobile": "Mobile Number", "group": "Group"}
        problems.append(N_("Missing column(s): {values}.").format(values=", ".join(names[m] for m in missing)))
    if problems:
        raise InvalidInput(
            "{problems} Expected columns: {columns}", problems=" ".join(problems), columns=expected_columns_text()
        )
    return Columns(index=index, header=tuple(cells), igot="designation" in index)


class CheckedRow:
    """One row's cleaned values and every problem found in it."""

    __slots__ = ("errors", "values")

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.errors: list[str] = []


def cell_text(value: Any) -> str:
    """A cell as text: numbers without '.0', dates as dd-mm-yyyy, surrounding spaces removed."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_row(cells: Sequence[str], cols: Columns, today: date) -> CheckedRow:
    """Apply every per-row rule; the cleaned values are what would be stored."""
    out = CheckedRow()
    width = cols.width
    if len(cells) <= width:
        cells = [*cells, *[""] * (width + 1 - len(cells))]
    name, email, mobile, group, desig, gender, category, dob, tongue, emp, pin, ext, sysname, tags, org = cols.fields(
        cells
    )
    values, errors = out.values, out.errors
    if not name:
        errors.append("Full Name is empty.")
    elif len(name) > 200:
        errors.append("Full Name is longer than 200 characters.")
    else:
        values["full_name"] = name  # kept exactly (Hindi and every other script)
    _email(email, out)
    if len(mobile) == 10 and mobile.isascii() and mobile.isdigit():
        values["mobile"] = mobile
    else:
        _mobile(mobile, out)
    known = GROUPS.get(group.lower())
    if known is None:
        _group(group, out)
    else:
        values["group"] = known
    _designation(desig, cols.igot, out)
    for key, text, label, limit in (
        ("gender", gender, "Gender", 20),
        ("category", category, "Category", 20),
        ("mother_tongue", tongue, "Mother Tongue", 60),
    ):
        if len(text) > limit:
            errors.append(N_("{label} is longer than {limit} characters.").format(label=label, limit=limit))
        elif text:
            values[key] = text
    if dob:
        born, problem = _dob_value(dob, today)
        if problem:
            errors.append(problem)
        else:
            values["dob"] = born
    _codes(emp, pin, ext, sysname, out)
    if tags:
        joined, problem = _tags_value(tags)
        if problem:
            errors.append(problem)
        elif joined:
            values["tags"] = joined
    if org:
        values["org_code"] = org.upper()
    return out


def _email(text: str, out: CheckedRow) -> None:
    email = (_address_in_link(text) if "<" in text else text).strip().lower()
    if not email:
        out.errors.append("Email is empty.")
    elif len(email) > 254 or not _EMAIL.fullmatch(email) or ".." in email:
        out.errors.append(N_("Email '{text}' is not a valid e-mail address.").format(text=text))
    else:
        out.values["email"] = email


def _address_in_link(text: str) -> str:
    """The address of an HTML mailto link (its href, else the link's text)."""
    found = _MAILTO.search(text)
    if found:
        return unquote(found.group(1))
    return " ".join(_HTML_TAG.sub(" ", text).split())


def _mobile(text: str, out: CheckedRow) -> None:
    if len(text) == 10 and text.isascii() and text.isdigit():
        out.values["mobile"] = text
        return
    digits = "".join(text.split())
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    if not text:
        out.errors.append("Mobile Number is empty.")
    elif len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        out.errors.append(N_("Mobile Number '{text}' must have exactly 10 digits.").format(text=text))
    else:
        out.values["mobile"] = digits


def _group(text: str, out: CheckedRow) -> None:
    group = GROUPS.get(text.lower()) or GROUPS.get(" ".join(text.split()).lower())
    if not text:
        out.errors.append("Group is empty.")
    elif group is None:
        out.errors.append(
            N_("Group '{text}' must be one of: {values}.").format(text=text, values=", ".join(g.value for g in Group))
        )
    else:
        out.values["group"] = group


def _designation(text: str, required: bool, out: CheckedRow) -> None:
    if not text:
        if required:
            out.errors.append("Designation is empty.")
    elif len(text) > 200:
        out.errors.append("Designation is longer than 200 characters.")
    else:
        out.values["designation"] = text


@lru_cache(maxsize=65536)
def _dob_value(text: str, today: date) -> tuple[date | None, str | None]:
    """(date of birth, None) or (None, the problem); cached: a staff list repeats birthdays many times over."""
    m = _DOB.fullmatch(text)
    try:
        if m is None:
            raise ValueError
        born = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None, N_("DOB '{text}' must be a date written dd-mm-yyyy, e.g. 23-04-1985.").format(text=text)
    if born > today:
        return None, N_("DOB '{text}' is in the future.").format(text=text)
    if born < _oldest(today):
        return None, N_("DOB '{text}' is more than {years} years ago.").format(text=text, years=MAX_AGE_YEARS)
    return born, None


@lru_cache(maxsize=4)
def _oldest(today: date) -> date:
    return date(today.year - MAX_AGE_YEARS, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)


def _codes(emp: str, pin: str, ext: str, sysname: str, out: CheckedRow) -> None:
    if emp and not _EMPLOYEE_ID.fullmatch(emp):
        out.errors.append(N_("Employee ID '{emp}' may have only letters and digits, at most 30.").format(emp=emp))
    elif emp:
        out.values["employee_id"] = emp
    if pin and not (len(pin) == 6 and pin.isascii() and pin.isdigit()):
        out.errors.append(N_("Office Pin Code '{pin}' must have exactly 6 digits.").format(pin=pin))
    elif pin:
        out.values["office_pin"] = pin
    if ext and (len(ext) > 30 or not _EXT_ID.fullmatch(ext)):
        out.errors.append(
            N_(
                "External System ID '{ext}' must be 1 to 30 letters or digits, with single hyphens only between them."
            ).format(ext=ext)
        )
    elif ext:
        out.values["external_system_id"] = ext
    if len(sysname) > 255:
        out.errors.append("External System Name is longer than 255 characters.")
    elif sysname and sysname.isdigit():
        out.errors.append(N_("External System Name '{sysname}' cannot be only digits.").format(sysname=sysname))
    elif sysname:
        out.values["external_system_name"] = sysname


def _is_tag_char(ch: str) -> bool:
    return ch in " -" or ch.isalnum() or unicodedata.category(ch).startswith("M")


@lru_cache(maxsize=65536)
def _tags_value(text: str) -> tuple[str | None, str | None]:
    """(tags joined by '|', None) or (None, the problem); cached: the same few tags recur on thousands of rows."""
    tags = [" ".join(t.split()) for t in _TAG_SPLIT.split(text)]
    tags = [t for t in tags if t]
    bad = [t for t in tags if not t.replace(" ", "").isalnum() and not all(_is_tag_char(c) for c in t)]
    if bad:
        return None, N_("Tag(s) {values} may have only letters, digits, spaces and hyphens.").format(
            values=", ".join(repr(t) for t in bad)
        )
    return ("|".join(dict.fromkeys(tags)) if tags else None), None
