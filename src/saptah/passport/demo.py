"""The demo ministry's role-competency mapping (what its Annual Capacity Building Plan asks of each role)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from saptah.passport import service
from saptah.passport.schemas import NeedIn

DEMO_MINISTRY = "MOHFW"
DEMO_NEEDS = (  # (designation, group, competency, level)
    ("", "Group A", "BEH-LEAD", 2),
    ("", "Group A", "FUN-POLICY", 1),
    ("", "Group A", "FUN-AI", 1),
    ("", "Group B", "BEH-SELF", 1),
    ("", "Group B", "BEH-CITIZEN", 1),
    ("", "Group B", "FUN-CYBER", 1),
    ("", "Group B", "DOM-HEALTH", 2),
    ("", "Group C", "FUN-OFFICE", 1),
    ("", "Group C", "FUN-CYBER", 1),
    ("", "Group C", "BEH-INTEGRITY", 1),
    ("Section Officer", "", "FUN-OFFICE", 2),
    ("Section Officer", "", "FUN-DIGITAL", 1),
)


def seed_needs(session: Session, code: str = DEMO_MINISTRY) -> int:
    """Store the demo needs for a ministry (none when it does not exist); returns how many."""
    from saptah.directory import repository as orgs

    org = orgs.get_org_by_code(session, code)
    if org is None:
        return 0
    for designation, group, comp, level in DEMO_NEEDS:
        data = NeedIn(designation=designation, group=group, competency=comp, level=level)
        service.store_need(session, org, data, None)
    return len(DEMO_NEEDS)
