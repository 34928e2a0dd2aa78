"""Plan rules: bad input, who may target, draft and publish, versions, and the completion signal."""

from __future__ import annotations

from datetime import date

import pytest

from saptah.core import signals
from saptah.core.errors import Conflict, Forbidden, InvalidInput
from saptah.directory import service as directory
from saptah.directory.models import Role
from saptah.plans import service, status
from saptah.plans.models import PlanStatus
from saptah.plans.schemas import ItemIn, PlanIn
from tests.plans.conftest import PlanKit, at


def principal(db, person):
    return directory.load_principal(db, person.id)


def draft(kit: PlanKit, db, **fields):
    fields.setdefault("owner_org_code", "MOHFW")
    return service.create_plan(db, principal(db, kit.admin), PlanIn(title="Draft plan", **fields))


def test_choice_group_with_k_greater_than_n_is_refused(kit: PlanKit, db) -> None:
    plan = draft(kit, db)
    codes = [kit.code("VIKSIT"), kit.code("JANBHAG")]
    with pytest.raises(InvalidInput, match="Cannot require 3 of 2 courses"):
        service.add_item(db, principal(db, kit.admin), plan, ItemIn(course_codes=codes, choose_k=3))
    with pytest.raises(InvalidInput, match="k of at least 1"):
        service.add_item(db, principal(db, kit.admin), plan, ItemIn(course_codes=codes, choose_k=0))
    assert status.load_bundle(db, [plan]).items[plan.id] == []


def test_retired_or_unknown_course_is_refused(kit: PlanKit, db) -> None:
    plan = draft(kit, db)
    retired = kit.course("OLDCOURSE", status="retired")
    with pytest.raises(InvalidInput, match="is retired"):
        service.add_item(db, principal(db, kit.admin), plan, ItemIn(course_codes=[retired.code]))
    with pytest.raises(InvalidInput, match="No course has code NOPE-1"):
        service.add_item(db, principal(db, kit.admin), plan, ItemIn(course_codes=["NOPE-1"]))


def test_deadline_needs_one_form_only(kit: PlanKit, db) -> None:
    plan = draft(kit, db)
    item = ItemIn(course_codes=[kit.code("YOGA")], deadline_date=date(2030, 1, 1), deadline_days=30)
    with pytest.raises(InvalidInput, match="either a deadline date or a number of days"):
        service.add_item(db, principal(db, kit.admin), plan, item)


def test_mdo_admin_cannot_target_outside_their_subtree(kit: PlanKit, db) -> None:
    with pytest.raises(Forbidden, match="outside Ministry of Health"):
        draft(kit, db, audience_org_code="MHA")
    with pytest.raises(Forbidden, match="You do not administer"):
        draft(kit, db, owner_org_code="MHA")
    with pytest.raises(Forbidden, match="national organisers"):
        draft(kit, db, owner_org_code=None)
    learner = kit.make.person("DOHFW")
    with pytest.raises(Forbidden):
        service.create_plan(db, principal(db, learner), PlanIn(title="Mine", owner_org_code="DOHFW"))


def test_publishing_needs_the_leader_role(kit: PlanKit, db) -> None:
    plan = draft(kit, db)
    service.add_item(db, principal(db, kit.admin), plan, ItemIn(course_codes=[kit.code("YOGA")]))
    with pytest.raises(Forbidden, match="Only an MDO leader"):
        service.publish(db, principal(db, kit.admin), plan, today=date(2024, 10, 1))
    other_leader = kit.make.person("MHA", role=Role.MDO_LEADER)
    with pytest.raises(Forbidden):
        service.publish(db, principal(db, other_leader), plan, today=date(2024, 10, 1))
    assert plan.status == PlanStatus.DRAFT.value
    assert service.publish(db, principal(db, kit.leader), plan, today=date(2024, 10, 1)) == []
    assert plan.status == PlanStatus.PUBLISHED.value


def test_empty_plan_cannot_be_published(kit: PlanKit, db) -> None:
    plan = draft(kit, db)
    with pytest.raises(InvalidInput, match="at least one course"):
        service.publish(db, principal(db, kit.leader), plan, today=date(2024, 10, 1))


def test_past_deadline_and_empty_audience_publish_with_warnings(kit: PlanKit, db) -> None:
    plan = draft(kit, db, designations=["Chief Astronaut"])
    item = ItemIn(course_codes=[kit.code("YOGA")], deadline_date=date(2024, 9, 30))
    service.add_item(db, principal(db, kit.admin), plan, item)
    warnings = service.publish(db, principal(db, kit.leader), plan, today=date(2024, 10, 5))
    assert plan.status == PlanStatus.PUBLISHED.value
    assert any("30-09-2024" in w and "already past" in w for w in warnings)
    assert any("matches nobody" in w for w in warnings)
    astronaut = kit.make.person("DGHS", designation="chief astronaut")
    assert [r.title for r in status.my_learning(db, astronaut.id, today=date(2024, 10, 5))] == [
        "Yoga Break at Workplace"
    ]


def test_published_plans_are_versioned_not_edited(kit: PlanKit, db) -> None:
    v1 = kit.plan(items=[{"courses": ["YOGA"], "deadline_date": date(2024, 10, 27)}], publish_on=date(2024, 10, 1))
    with pytest.raises(Conflict, match="new version"):
        service.add_item(db, principal(db, kit.admin), v1, ItemIn(course_codes=[kit.code("RTI")]))
    v2 = service.new_version(db, principal(db, kit.admin), v1)
    assert (v2.version, v2.status, v2.lineage_id) == (2, "draft", v1.id)
    with pytest.raises(Conflict, match="already exists"):
        service.new_version(db, principal(db, kit.admin), v1)
    service.add_item(db, principal(db, kit.admin), v2, ItemIn(course_codes=[kit.code("RTI")], mandatory=False))
    person = kit.make.person("DOHFW")
    assert [r.title for r in status.my_learning(db, person.id, today=date(2024, 10, 2))] == ["Yoga Break at Workplace"]
    service.publish(db, principal(db, kit.leader), v2, today=date(2024, 10, 2))
    assert v1.status == PlanStatus.SUPERSEDED.value
    rows = status.my_learning(db, person.id, today=date(2024, 10, 2))
    assert [(r.title, r.mandatory, r.plan_id) for r in rows] == [
        ("Yoga Break at Workplace", True, v2.id),
        ("Right to Information Act", False, v2.id),
    ]


def test_group_tag_and_designation_narrow_the_audience(kit: PlanKit, db) -> None:
    kit.plan(
        groups=["Group A"],
        tags=["Medical"],
        items=[{"courses": ["EMERGTECH"]}],
        publish_on=date(2024, 10, 1),
    )
    fits = kit.make.person("AIIMS_DELHI", group="Group A", tags="Medical|Nursing")
    wrong_group = kit.make.person("AIIMS_DELHI", group="Group C", tags="Medical")
    no_tag = kit.make.person("AIIMS_DELHI", group="Group A")
    assert len(status.my_learning(db, fits.id, today=date(2024, 10, 2))) == 1
    assert status.my_learning(db, wrong_group.id, today=date(2024, 10, 2)) == []
    assert status.my_learning(db, no_tag.id, today=date(2024, 10, 2)) == []


def test_completion_announces_plan_item_completed_with_deadline(kit: PlanKit, db) -> None:
    plan = kit.plan(items=[{"courses": ["YOGA"], "deadline_date": date(2024, 10, 27)}], publish_on=date(2024, 10, 1))
    seen: list[signals.PlanItemCompleted] = []

    def grab(session, event):
        seen.append(event)

    signals.subscribe(signals.PlanItemCompleted, grab)
    try:
        person = kit.make.person("DOHFW")
        kit.complete(person, "YOGA", at(2024, 10, 20))
        outsider = kit.make.person("MHA")
        kit.complete(outsider, "YOGA", at(2024, 10, 20))
    finally:
        signals._handlers[signals.PlanItemCompleted].remove(grab)
    assert [(e.person_id, e.plan_id, e.completed_at) for e in seen] == [(person.id, plan.id, at(2024, 10, 20))]
    assert seen[0].deadline is not None and seen[0].deadline.date() == date(2024, 10, 27)
