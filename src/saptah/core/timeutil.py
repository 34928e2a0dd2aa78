"""Indian Standard Time helpers: days and windows are IST, storage is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


def ist_day(moment: datetime) -> date:
    """The IST calendar day of an aware moment."""
    return moment.astimezone(IST).date()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def ist_today() -> date:
    """Today in India: what a deadline, an expiry date or a date of birth is compared with. (The server's own
    `date.today()` is the UTC day on a UTC server: until 05:30 IST it is still yesterday.)"""
    return ist_day(_utc_now())


def ist_start(day: date) -> datetime:
    """00:00 IST of a day, as aware UTC."""
    return datetime.combine(day, time(0, 0), IST).astimezone(UTC)


def ist_end(day: date) -> datetime:
    """The last instant (23:59:59.999999) IST of a day, as aware UTC."""
    return ist_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def fmt_ist(moment: datetime | None, pattern: str = "%d-%m-%Y %H:%M") -> str:
    """Format an aware moment in IST for people."""
    if moment is None:
        return ""
    return moment.astimezone(IST).strftime(pattern)
