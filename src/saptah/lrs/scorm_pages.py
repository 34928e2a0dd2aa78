"""The SCORM player page and the run-time's commit URL (the CMI data of the learner's own attempt)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from saptah.catalog import learning
from saptah.catalog import scorm as catalog_scorm
from saptah.core.errors import Forbidden, PayloadTooLarge
from saptah.lrs import repository as repo
from saptah.lrs import scorm
from saptah.lrs.scorm_cmi import MAX_COMMIT_BYTES
from saptah.web.deps import DB, CurrentPrincipal, SettingsDep, csrf_matches
from saptah.web.i18n import DEFAULT
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/scorm/{package_id}/play", response_class=HTMLResponse)
def play(
    request: Request,
    db: DB,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    package_id: int,
    sco: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    """The player: the SCORM run-time (scorm-again, served by Saptah) around the package's item in a frame; without
    `sco`, the first item not yet satisfied (items are numbered from 1)."""
    package_row, course = catalog_scorm.playable(db, principal, package_id)
    satisfied = repo.satisfied_scos(db, principal.person_id, package_row.id)
    first_open = next((i for i, s in enumerate(package_row.scos) if s["id"] not in satisfied), 0)
    index = first_open if sco is None else sco - 1
    sco_id = scorm.refuse_unknown_sco(package_row, index)
    started = scorm.launch(
        db, base_url=settings.base_url, person_id=principal.person_id, person_name=principal.full_name,
        package_row=package_row, sco_id=sco_id,
    )  # fmt: skip
    rules = learning.time_rules(settings)
    standing = catalog_scorm.standing(db, person_id=principal.person_id, package_row=package_row, rules=rules)
    ctx = {
        "course": course,
        "package": package_row,
        "index": index,
        "satisfied": satisfied,
        "attempt": started.attempt,
        "entry": started.entry,
        "start_json": json.dumps(started.data, ensure_ascii=False),
        "launch": f"/scorm/{package_row.id}/content/{package_row.scos[index]['href']}",
        "commit": f"/api/v1/scorm/attempts/{started.attempt.id}/commit?csrf_token={request.state.csrf_token}",
        "back": f"/learn/{course.id}" if package_row.module_id is not None else f"/courses/{course.id}",
        "standing": standing,
    }
    return render(request, "scorm_player.html", ctx)


@router.post("/api/v1/scorm/attempts/{attempt_id}/commit")
async def commit(
    request: Request,
    db: DB,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    attempt_id: int,
    csrf_token: Annotated[str, Query(max_length=200)] = "",
    terminate: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    """The run-time's commit (JSON, or text/plain from the browser's beacon at the end): the learner's own attempt
    only; answers scorm-again's `{"result": true, "errorCode": 0}` with what it changed."""
    if not csrf_matches(request, csrf_token):
        raise Forbidden("This SCORM session has expired or did not come from Saptah. Open the lesson again.")
    raw = await _body(request)
    done = scorm.commit(
        db, base_url=settings.base_url, person_id=principal.person_id, attempt_id=attempt_id, raw=raw,
        terminate=terminate == "true", rules=learning.time_rules(settings),
    )  # fmt: skip
    lang = getattr(request.state, "lang", DEFAULT)
    body = {
        "result": True, "errorCode": 0, "satisfied": done.satisfied, "complete": done.complete,
        "left_seconds": done.left_seconds, "message": scorm_message(done, lang),
    }  # fmt: skip
    return JSONResponse(body)


async def _body(request: Request) -> bytes:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_COMMIT_BYTES:
            raise PayloadTooLarge(f"The SCORM data is larger than {MAX_COMMIT_BYTES // 1024} KB.")
    return bytes(raw)


def scorm_message(done: scorm.Committed, lang: str) -> str:
    """What the player shows after a commit, in the learner's language."""
    from saptah.web.i18n import translate

    if done.complete:
        return translate("Well done: you have completed this lesson.", lang)
    if done.satisfied and done.left_seconds:
        minutes = max(1, round(done.left_seconds / 60))
        return translate("Lesson complete. Spend about {n} more minutes learning for it to count.", lang, n=minutes)
    if done.satisfied:
        return translate("Lesson complete. Go on to the next item.", lang)
    return translate("Your progress is saved.", lang)
