"""SIGKILL of `saptah serve` in the middle of an xAPI batch: nothing stored half, nothing lost, nothing doubled.

A provider posts ten batches of completions. The server dies while storing the fourth (its rows written, not
committed). The provider, whose request failed, sends everything again to a restarted server, as a client that
does not know what arrived must: every statement is then stored once, and every learner is credited once.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from saptah.campaigns.models import CampaignPersonTotal
from saptah.core.db import unit_of_work
from saptah.lrs.models import Statement
from tests.campaigns import helpers as campaigns
from tests.crash.conftest import ROOT

PORT = 8151  # this engineer's range is 8150-8159
BASE = f"http://127.0.0.1:{PORT}"
PEOPLE, COURSES, BATCH = 20, 5, 10
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def _arrange(crash_db) -> tuple[int, dict[str, str], list[list[dict[str, Any]]]]:
    """People, external courses, a campaign and LRS credentials; returns the campaign, headers and the batches."""
    from saptah.directory import service as directory
    from saptah.lrs import clients
    from tests.catalog.conftest import Courses

    with unit_of_work(crash_db.factory) as s:
        org = directory.org_by_code(s, "MOHFW")
        emails = [
            directory.create_person(s, full_name=f"X {i}", email=f"x.{i}@mohfw.gov.in", org=org).email
            for i in range(PEOPLE)
        ]
        make = Courses(s)
        iris = [f"https://courses.example.org/crash/{n}" for n in range(COURSES)]
        for n, iri in enumerate(iris):
            make.make(code=f"XC-{n}", launch_kind="external", launch_url=iri, activity_id=iri, modules=[])
        campaign_id = campaigns.campaign(s, name="xAPI crash week").id
        client, secret = clients.create_client(s, name="Crash provider", org_id=None, scopes="all")
        key = client.key
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    statements = [
        {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
            "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity", "id": iri},
            "result": {"completion": True},
            "timestamp": "2024-10-21T06:30:00Z",
        }
        for email in emails
        for iri in iris
    ]
    return campaign_id, headers, [statements[i : i + BATCH] for i in range(0, len(statements), BATCH)]


def _server(crash_db, pause: str | None) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.crash.driver"]
    if pause:
        cmd += ["--pause", pause]
    cmd += ["--", "serve", "--port", str(PORT)]
    proc = subprocess.Popen(
        cmd, env=crash_db.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "the server did not start"
        try:
            if httpx.get(f"{BASE}/xapi/about", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not answer"
        time.sleep(0.3)


def _post_all(batches: list[list[dict[str, Any]]], headers: dict[str, str], answers: list[Any]) -> None:
    with httpx.Client(base_url=BASE, headers=headers, timeout=120) as http:
        for batch in batches:
            try:
                answers.append(http.post("/xapi/statements", json=batch).status_code)
            except httpx.TransportError as exc:
                answers.append(type(exc).__name__)
                return


def _stored(crash_db) -> tuple[int, int]:
    with crash_db.factory() as s:
        rows = s.scalar(select(func.count()).select_from(Statement)) or 0
        distinct = s.scalar(select(func.count(func.distinct(Statement.statement_id)))) or 0
        return int(rows), int(distinct)


def _credited(crash_db, campaign_id: int) -> dict[int, int]:
    with crash_db.factory() as s:
        rows = s.execute(
            select(CampaignPersonTotal.person_id, CampaignPersonTotal.total_minutes).where(
                CampaignPersonTotal.campaign_id == campaign_id
            )
        )
        return {pid: minutes for pid, minutes in rows}


def test_a_server_killed_mid_batch_keeps_nothing_half_and_a_resend_stores_everything_once(crash_db):
    campaign_id, headers, batches = _arrange(crash_db)
    server = _server(crash_db, "saptah.lrs.service:_insert:4")
    answers: list[Any] = []
    sender = threading.Thread(target=_post_all, args=(batches, headers, answers))
    try:
        sender.start()
        assert server.stdout is not None
        for line in server.stdout:
            if line.strip() == "PAUSED":
                break
        os.kill(server.pid, signal.SIGKILL)
        assert server.wait(60) == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
        sender.join(120)
    assert answers[:3] == [200, 200, 200] and len(answers) == 4 and answers[3] != 200
    # three batches stored and credited; the fourth, written but not committed, left nothing
    assert _stored(crash_db) == (3 * BATCH, 3 * BATCH)
    assert sum(_credited(crash_db, campaign_id).values()) == 3 * BATCH * 30

    server = _server(crash_db, None)
    try:
        answers = []
        _post_all(batches, headers, answers)
        assert answers == [200] * len(batches)
        _post_all(batches, headers, answers := [])  # and once more: still nothing doubled
        assert answers == [200] * len(batches)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    assert _stored(crash_db) == (PEOPLE * COURSES, PEOPLE * COURSES)
    credited = _credited(crash_db, campaign_id)
    assert len(credited) == PEOPLE and set(credited.values()) == {COURSES * 30}
