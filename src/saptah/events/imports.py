"""Attendance imports: a meeting tool's report (e-mail or name, join, leave or duration) and an offline
sheet (e-mail or employee ID, minutes), each row reported back with Status and Error Details."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from saptah.core.errors import Forbidden, InvalidInput
from saptah.core.text import N_
from saptah.core.timeutil import IST
from saptah.directory import repository as people
from saptah.directory.models import Person, Role
from saptah.directory.schemas import Principal
from saptah.events import attendance
from saptah.events import repository as repo
from saptah.events.models import AttendanceImport, Event, EventKind
from saptah.events.service import CENTRAL_KINDS, GRACE, ends_at, require_manager

MAX_ROWS = 50_000
COLUMNS = {
    "email": {"email", "emailaddress", "useremail", "emailid", "mail", "attendeeemail", "participantemail"},
    "name": {"name", "fullname", "participant", "nameoriginalname", "participantname", "attendeename", "displayname"},
    "employee_id": {"employeeid", "empid", "employeecode", "employeeno", "employeenumber"},
    "join": {"join", "jointime", "joined", "joinedat", "firstjoin", "timejoined"},
    "leave": {"leave", "leavetime", "left", "leftat", "lastleave", "timeleft"},
    "minutes": {"duration", "durationminutes", "durationmins", "minutes", "attendedminutes", "timeinmeeting"},
}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
)


@dataclass
class Parsed:
    """A person's rows of one import: row numbers, intervals and minutes."""

    rows: list[int] = field(default_factory=list)
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    minutes: float = 0.0


def read_table(filename: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV or XLSX upload, all cells as text."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("The file is not UTF-8 text; save it as CSV UTF-8 or XLSX.") from exc
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise InvalidInput("Upload a .csv or .xlsx file.")
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InvalidInput("The file has no rows under its header.")
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput("The file has more than {count} rows; split it.", count=format(MAX_ROWS, ","))
    return [h.strip() for h in rows[0]], rows[1:]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput("The XLSX file could not be read.") from exc
    ws = wb.worksheets[0]
    out = [["" if c is None else _cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return out


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def columns(header: list[str]) -> dict[str, int]:
    """Which column holds what, by forgiving header names."""
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        key = re.sub(r"[^a-z]", "", h.lower())
        for name, aliases in COLUMNS.items():
            if key in aliases and name not in found:
                found[name] = i
    return found


def parse_time(text: str) -> datetime:
    """A join or leave time; without a zone it is IST."""
    text = text.strip()
    for fmt in TIME_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.replace(tzinfo=IST).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(N_("'{text}' is not a date and time (use YYYY-MM-DD HH:MM)").format(text=text)) from exc
    return (moment.replace(tzinfo=IST) if moment.tzinfo is None else moment).astimezone(UTC)


def parse_minutes(text: str) -> float:
    """Minutes as '45', '45.5', '45 mins' or 'H:MM:SS'."""
    text = text.strip().lower()
    if re.fullmatch(r"\d{1,2}:\d{2}:\d{2}", text):
        h, m, s = (int(x) for x in text.split(":"))
        return h * 60 + m + s / 60
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(m|min|mins|minutes)?", text)
    if not match:
        raise ValueError(N_("'{text}' is not a number of minutes").format(text=text))
    return float(match.group(1))


def import_attendance(
    session: Session, principal: Principal, event: Event, *, kind: str, filename: str, content: bytes
) -> AttendanceImport:
    """Import a report or a sheet: good rows are credited, bad rows are reported, and the result is kept."""
    require_manager(session, principal, event)
    _check_kind(event, kind)
    header, rows = read_table(filename, content)
    cols = columns(header)
    _check_columns(cols, kind)
    results: list[list[object]] = []
    per_person: dict[int, Parsed] = {}
    people_seen: dict[int, Person] = {}
    for number, cells in enumerate(rows, start=2):
        cells = cells + [""] * (len(header) - len(cells))
        try:
            person = _person(session, principal, event, cells, cols)
            parsed = per_person.get(person.id) or Parsed()
            _collect(event, cells, cols, kind, parsed)
            parsed.rows.append(number)
            per_person[person.id] = parsed
            people_seen[person.id] = person
            results.append([*cells[: len(header)], "Imported", ""])
        except ValueError as exc:
            results.append([*cells[: len(header)], "Error", str(exc)])
    for person_id, parsed in per_person.items():
        minutes = _minutes(event, parsed)
        attendance.set_imported(
            session,
            event,
            person_id=person_id,
            minutes=minutes,
            source=kind,
        )
    failed = sum(1 for r in results if r[-2] == "Error")
    record = AttendanceImport(
        event_id=event.id,
        uploaded_by=principal.person_id,
        kind=kind,
        filename=filename[:255],
        rows_ok=len(results) - failed,
        rows_failed=failed,
        header=[*header, "Status", "Error Details"],
        results=results,
    )
    repo.add(session, record)
    return record


def _check_kind(event: Event, kind: str) -> None:
    if kind not in ("report", "sheet"):
        raise InvalidInput("Choose a meeting-tool report or an offline attendance sheet.")
    if (
        kind == "sheet"
        and event.mode == "online"
        and event.kind
        not in (
            EventKind.SAMUHIK_CHARCHA,
            EventKind.OFFLINE_WORKSHOP,
        )
    ):
        raise InvalidInput("Offline sheets are for workshops, Samuhik Charcha and in-person events.")
    if kind == "report" and event.mode == "in_person":
        raise InvalidInput("This event was held in person; upload an offline attendance sheet instead.")


def _check_columns(cols: dict[str, int], kind: str) -> None:
    if kind == "report":
        if "email" not in cols and "name" not in cols:
            raise InvalidInput("The report needs an E-mail or a Name column.")
        if "minutes" not in cols and not ("join" in cols and "leave" in cols):
            raise InvalidInput("The report needs Join and Leave columns, or a Duration column.")
    else:
        if "email" not in cols and "employee_id" not in cols:
            raise InvalidInput("The sheet needs an E-mail or an Employee ID column.")
        if "minutes" not in cols:
            raise InvalidInput("The sheet needs a Minutes column.")


def _person(session: Session, principal: Principal, event: Event, cells: list[str], cols: dict[str, int]) -> Person:
    email = cells[cols["email"]].strip().lower() if "email" in cols else ""
    person: Person | None = None
    if email:
        person = people.get_person_by_email(session, email)
        if person is None:
            raise ValueError(N_("No one with e-mail {email} is registered.").format(email=email))
    elif "employee_id" in cols and cells[cols["employee_id"]].strip():
        emp = cells[cols["employee_id"]].strip()
        person = _unique(
            repo.people_by(session, employee_id=emp, org_path=_scope(session, event)),
            N_("employee ID {emp}").format(emp=emp),
        )
    elif "name" in cols and cells[cols["name"]].strip():
        name = cells[cols["name"]].strip()
        person = _unique(
            repo.people_by(session, full_name=name, org_path=_scope(session, event)),
            N_("name {name}").format(name=name),
        )
    else:
        raise ValueError("The row has no e-mail, employee ID or name.")
    org = people.get_org(session, person.org_id)
    if org is None or not (principal.is_national or principal.covers(org.path, Role.MDO_ADMIN, Role.MDO_LEADER)):
        raise ValueError(N_("{email} is not in an organisation you administer.").format(email=person.email))
    return person


def _scope(session: Session, event: Event) -> str | None:
    if event.kind in CENTRAL_KINDS:
        return None
    org = people.get_org(session, event.organiser_org_id)
    return org.path if org else None


def _unique(found: list[Person], what: str) -> Person:
    if not found:
        raise ValueError(N_("No one with {what} is registered.").format(what=what))
    if len(found) > 1:
        raise ValueError(N_("Several people have {what}; give their e-mail instead.").format(what=what))
    return found[0]


def _collect(event: Event, cells: list[str], cols: dict[str, int], kind: str, into: Parsed) -> None:
    if kind == "report" and "join" in cols and "leave" in cols and cells[cols["join"]].strip():
        join, leave = parse_time(cells[cols["join"]]), parse_time(cells[cols["leave"]])
        if leave < join:
            raise ValueError("Leave time is before join time.")
        if leave < event.starts_at - timedelta(hours=1) or join > ends_at(event) + GRACE:
            raise ValueError("These times are not during the event.")
        into.intervals.append((max(join, event.starts_at), min(leave, ends_at(event) + GRACE)))
        return
    if "minutes" not in cols or not cells[cols["minutes"]].strip():
        raise ValueError("The row has no minutes (or join and leave times).")
    minutes = parse_minutes(cells[cols["minutes"]])
    if minutes < 0 or minutes > event.duration_minutes + GRACE.total_seconds() / 60:
        raise ValueError(
            N_("Minutes must be between 0 and the event's length ({minutes}).").format(minutes=event.duration_minutes)
        )
    into.minutes += minutes


def _minutes(event: Event, parsed: Parsed) -> int:
    """Merged intervals (reconnects never count twice) plus listed minutes, capped at the event's length."""
    total = 0.0
    cur: tuple[datetime, datetime] | None = None
    for start, end in sorted(i for i in parsed.intervals if i[1] > i[0]):
        if cur is not None and start <= cur[1]:
            cur = (cur[0], max(cur[1], end))
            continue
        if cur is not None:
            total += (cur[1] - cur[0]).total_seconds() / 60
        cur = (start, end)
    if cur is not None:
        total += (cur[1] - cur[0]).total_seconds() / 60
    return int(min(round(total + parsed.minutes), event.duration_minutes))


def result_file(record: AttendanceImport, fmt: str) -> bytes:
    """The uploaded rows with Status and Error Details, as CSV or XLSX."""
    from saptah.events.service import export

    return export(record.header, record.results, fmt, sheet="Result")


def visible_import(session: Session, principal: Principal, event: Event, import_id: int) -> AttendanceImport:
    """An import of this event the principal may read."""
    require_manager(session, principal, event)
    record = repo.get_import(session, import_id)
    if record is None or record.event_id != event.id:
        raise Forbidden("That import is not part of this event.")
    return record
