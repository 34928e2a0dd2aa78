"""The MoHFW circulars loaded as published plans, as the demo does: each drafted by the ministry's admin and published
by its leader, with the circular's courses, audience and deadlines."""

from __future__ import annotations

from datetime import date

from saptah.catalog.tasks import load_competencies, load_reference_catalogue
from saptah.directory.models import Role
from saptah.directory.service import load_principal
from saptah.plans import repository as repo
from saptah.plans import status
from saptah.plans.schemas import ItemStatus
from saptah.plans.tasks import circulars, seed_circulars


def _load(db, make):
    load_competencies(db)
    load_reference_catalogue(db, base_url="http://testserver")
    admin = load_principal(db, make.person("MOHFW", role=Role.MDO_ADMIN).id)
    leader = load_principal(db, make.person("MOHFW", role=Role.MDO_LEADER).id)
    return admin, leader


def test_each_circular_is_a_published_plan_once(db, make):
    admin, leader = _load(db, make)
    assert seed_circulars(db, admin, leader) == len(circulars()) == 5
    assert seed_circulars(db, admin, leader) == 0  # loading the demo again adds nothing
    plans = {p.circular_ref: p for p in repo.published_plans(db) if p.circular_ref}
    assert set(plans) == {
        "MoHFW circular 12-09-2023",
        "MoHFW circular 14-09-2023",
        "MoHFW circular 05-08-2024",
        "MoHFW circular 14-10-2024",
    }
    assert all(p.published_by == leader.person_id and p.created_by == admin.person_id for p in plans.values())


def test_who_sees_what_with_which_deadline(db, make):
    admin, leader = _load(db, make)
    seed_circulars(db, admin, leader)
    veteran = make.person("DOHFW", joined_on=date(2015, 1, 1))
    recruit = make.person("DHR", joined_on=date(2024, 7, 1))
    outsider = make.person("MHA", joined_on=date(2024, 7, 1))

    rows = status.my_learning(db, veteran.id, today=date(2024, 10, 20))
    by_ref: dict[str, list] = {}
    for row in rows:
        by_ref.setdefault(row.circular_ref, []).append(row)
    assert len(by_ref["MoHFW circular 12-09-2023"]) == 5
    assert {r.deadline for r in by_ref["MoHFW circular 12-09-2023"]} == {date(2023, 10, 12)}
    assert [r.title for r in by_ref["MoHFW circular 14-09-2023"]] == ["Course on Emerging Technology"]
    assert [r.title for r in by_ref["MoHFW circular 05-08-2024"]] == [
        "Health and Well-being Perspective of Yoga",
        "Health and Well-being Perspective of Naturopathy",
        "Management of Metabolic Syndrome through Naturopathy",
    ]
    saptah = by_ref["MoHFW circular 14-10-2024"]
    assert saptah[0].title == "Know Your Ministry- Ministry of Health and Family Welfare"
    assert saptah[1].choose_k == 1 and len(saptah[1].options_left) == 3
    assert {r.deadline for r in saptah} == {date(2024, 10, 27)}
    assert all(r.status == ItemStatus.OVERDUE for r in by_ref["MoHFW circular 12-09-2023"])

    recruit_rows = status.my_learning(db, recruit.id, today=date(2024, 7, 2))
    prarambh = [r for r in recruit_rows if r.title == "Karmayogi Prarambh"]
    assert len(prarambh) == 1 and prarambh[0].deadline == date(2024, 9, 29)  # 90 days after joining
    assert status.my_learning(db, outsider.id, today=date(2024, 10, 20)) == []
