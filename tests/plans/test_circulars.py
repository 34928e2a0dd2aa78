"""The real MoHFW circulars as plans: who sees what, with which deadline and status."""

from __future__ import annotations

from datetime import date

from saptah.directory import service as directory
from saptah.plans import status
from saptah.plans.schemas import ItemStatus
from tests.plans.conftest import PlanKit, at

# 12-09-2023: five iGOT courses for everyone (the five the reference catalogue lists from that circular)
FIVE = ["POSH_W", "CONDUCT", "YBREAK", "LIFE", "CYBERSAFE"]
# 05-08-2024: the courses developed by NIHFW
NIHFW = ["NIHFW_YOGA", "NIHFW_NATURO", "NIHFW_METABOLIC"]


def titles(rows: list) -> list[str]:
    return [r.title for r in rows]


def test_12_09_2023_five_courses_for_all_within_one_month(kit: PlanKit, db) -> None:
    plan = kit.plan(
        title="Mandatory iGOT courses",
        circular_ref="MoHFW circular 12-09-2023",
        circular_date=date(2023, 9, 12),
        items=[{"courses": [k], "deadline_date": date(2023, 10, 12)} for k in FIVE],
        publish_on=date(2023, 9, 12),
    )
    in_dept = kit.make.person("DOHFW", joined_on=date(2015, 1, 1))
    in_aiims = kit.make.person("AIIMS_DELHI", joined_on=date(2020, 1, 1))
    elsewhere = kit.make.person("MHA", joined_on=date(2015, 1, 1))

    rows = status.my_learning(db, in_dept.id, today=date(2023, 9, 20))
    assert len(rows) == 5
    assert {r.deadline for r in rows} == {date(2023, 10, 12)}
    assert all(r.mandatory and r.status == ItemStatus.NOT_STARTED for r in rows)
    assert rows[0].circular_ref == "MoHFW circular 12-09-2023" and rows[0].plan_id == plan.id
    assert len(status.my_learning(db, in_aiims.id, today=date(2023, 9, 20))) == 5
    assert status.my_learning(db, elsewhere.id, today=date(2023, 9, 20)) == []

    kit.complete(in_dept, "YBREAK", at(2023, 10, 1))
    kit.complete(in_dept, "POSH_W", at(2023, 10, 20))
    after = {r.title: r.status for r in status.my_learning(db, in_dept.id, today=date(2023, 10, 25))}
    assert after["Y-Break Yoga at Workplace"] == ItemStatus.COMPLETED_ON_TIME
    assert after["Prevention of Sexual Harassment of Women at Workplace"] == ItemStatus.COMPLETED_LATE
    assert after["Stay Safe in Cyber Space"] == ItemStatus.OVERDUE


def test_14_09_2023_emerging_tech_for_all_and_prarambh_for_new_recruits(kit: PlanKit, db) -> None:
    prarambh = kit.program("PRARAMBH", [f"PR{i}" for i in range(1, 9)])
    plan = kit.plan(
        title="Emerging technology and induction",
        circular_ref="MoHFW circular 14-09-2023",
        items=[{"courses": ["EMERGTECH"], "deadline_date": date(2023, 10, 14)}],
        publish_on=date(2023, 9, 14),
    )
    assert plan.joined_after is None
    recruits = kit.plan(
        title="Karmayogi Prarambh for new recruits",
        circular_ref="MoHFW circular 14-09-2023",
        joined_after=date(2023, 1, 1),
        items=[{"program_code": prarambh.code, "deadline_days": 90, "deadline_basis": "joined"}],
        publish_on=date(2023, 9, 14),
    )
    veteran = kit.make.person("DOHFW", joined_on=date(2012, 4, 1))
    recruit = kit.make.person("DGHS", joined_on=date(2023, 8, 1))

    vet_rows = status.my_learning(db, veteran.id, today=date(2023, 9, 20))
    assert titles(vet_rows) == ["Course on Emerging Technology"]
    assert vet_rows[0].deadline == date(2023, 10, 14)

    rec_rows = {r.plan_id: r for r in status.my_learning(db, recruit.id, today=date(2023, 9, 20))}
    assert set(rec_rows) == {plan.id, recruits.id}
    program_row = rec_rows[recruits.id]
    assert program_row.title == "Karmayogi Prarambh" and program_row.choose_k == 8
    assert program_row.deadline == date(2023, 10, 30)  # 90 days after joining on 01-08-2023
    assert len(program_row.options_left) == 8

    # someone who joins later is covered without touching the plan, with their own deadline
    late_joiner = kit.make.person("NCDC", joined_on=date(2024, 2, 1))
    rows = [r for r in status.my_learning(db, late_joiner.id, today=date(2024, 2, 2)) if r.plan_id == recruits.id]
    assert rows[0].deadline == date(2024, 5, 1)

    for i in range(1, 8):
        kit.complete(recruit, f"PR{i}", at(2023, 10, 1))
    row = next(r for r in status.my_learning(db, recruit.id, today=date(2023, 10, 2)) if r.plan_id == recruits.id)
    assert row.status == ItemStatus.IN_PROGRESS and row.remaining == 1
    assert [o.code for o in row.options_left] == [kit.code("PR8")]


def test_05_08_2024_nihfw_courses_for_ministry_departments_and_autonomous_bodies(kit: PlanKit, db) -> None:
    kit.plan(
        title="NIHFW courses by 30-09-2024",
        circular_ref="MoHFW circular 05-08-2024",
        items=[{"courses": [k], "deadline_date": date(2024, 9, 30)} for k in NIHFW],
        publish_on=date(2024, 8, 5),
    )
    for code in ("MOHFW", "DOHFW", "DHR", "AIIMS_DELHI", "ICMR"):
        person = kit.make.person(code, joined_on=date(2018, 1, 1))
        rows = status.my_learning(db, person.id, today=date(2024, 8, 10))
        assert [r.title for r in rows] == [
            "Health and Well-being Perspective of Yoga",
            "Health and Well-being Perspective of Naturopathy",
            "Management of Metabolic Syndrome through Naturopathy",
        ], code
        assert {r.deadline for r in rows} == {date(2024, 9, 30)}
    outsider = kit.make.person("MHA")
    assert status.my_learning(db, outsider.id, today=date(2024, 8, 10)) == []

    # a person who moves into the ministry later is covered from then on
    outsider.org_id = directory.org_by_code(db, "DHR").id
    db.flush()
    assert len(status.my_learning(db, outsider.id, today=date(2024, 8, 10))) == len(NIHFW)


def test_14_10_2024_know_your_ministry_plus_any_one_of_three(kit: PlanKit, db) -> None:
    plan = kit.plan(
        title="Karmayogi Saptah 2024",
        circular_ref="MoHFW circular 14-10-2024",
        items=[
            {"courses": ["KYM_MOHFW"], "deadline_date": date(2024, 10, 27)},
            {"courses": ["VIKSIT", "JANBHAG", "LEADKY"], "choose_k": 1, "deadline_date": date(2024, 10, 27)},
        ],
        publish_on=date(2024, 10, 14),
    )
    learner = kit.make.person("DOHFW", joined_on=date(2019, 7, 1))
    rows = status.my_learning(db, learner.id, today=date(2024, 10, 15))
    assert [r.title for r in rows] == [
        "Know Your Ministry- Ministry of Health and Family Welfare",
        "Any 1 of: Overview of Viksit Bharat 2047; Jan Bhagidari (Bilingual); Leading the Karmayogi Way",
    ]
    choice = rows[1]
    assert choice.mandatory and choice.choose_k == 1 and len(choice.options_left) == 3

    kit.complete(learner, "JANBHAG", at(2024, 10, 22))
    rows = {r.item_id: r for r in status.my_learning(db, learner.id, today=date(2024, 10, 28))}
    choice = rows[choice.item_id]
    assert choice.status == ItemStatus.COMPLETED_ON_TIME and choice.options_left == []
    assert choice.completed_at == at(2024, 10, 22)
    kym = next(r for r in rows.values() if r.item_id != choice.item_id)
    assert kym.status == ItemStatus.OVERDUE

    out = list(status.compliance_rows(db, plan, ["/"], today=date(2024, 10, 28), q=learner.full_name))
    assert [(r.item, r.status) for r in out] == [
        ("Know Your Ministry- Ministry of Health and Family Welfare", ItemStatus.OVERDUE),
        (choice.title, ItemStatus.COMPLETED_ON_TIME),
    ]
