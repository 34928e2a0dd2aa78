"""Leaderboards: dense ranks, earlier first among equals, own position with neighbours, public fields only."""

from __future__ import annotations

import pytest

from saptah.core.errors import InvalidInput, NotFound
from saptah.recognition import service
from tests.campaigns.helpers import campaign, complete, ist
from tests.factories import sign_in


def test_dense_ranks_and_earlier_to_reach_first(db, make):
    c = campaign(db, "Board campaign")
    a, b, x, d = (make.person("DOHFW") for _ in range(4))
    complete(db, a.id, 1, ist(2024, 10, 20, 12), 100)
    complete(db, b.id, 1, ist(2024, 10, 20, 9), 100)  # same score, reached earlier: listed first
    complete(db, x.id, 1, ist(2024, 10, 20, 9), 150)
    complete(db, d.id, 1, ist(2024, 10, 20, 9), 50)
    board = service.leaderboard(db, campaign_id=c.id, board="n", viewer_id=d.id)
    assert [(r.rank, r.person_id, r.score) for r in board.top] == [
        (1, x.id, 150),
        (2, b.id, 100),
        (2, a.id, 100),
        (3, d.id, 50),
    ]
    assert [r.person_id for r in board.around] == [b.id, a.id, d.id]
    assert [r.is_me for r in board.around] == [False, False, True]


def test_organisation_and_ministry_boards(db, make):
    c = campaign(db, "Scoped boards")
    health, home = make.person("DOHFW"), make.person("MHA")
    complete(db, health.id, 1, ist(2024, 10, 20), 60)
    complete(db, home.id, 1, ist(2024, 10, 20), 90)
    mohfw = service.directory.org_by_code(db, "MOHFW")
    dohfw = service.directory.org_by_code(db, "DOHFW")
    ministry = service.leaderboard(db, campaign_id=c.id, board=f"t{mohfw.id}", viewer_id=health.id)
    assert [r.person_id for r in ministry.top] == [health.id] and ministry.top[0].rank == 1
    org = service.leaderboard(db, campaign_id=c.id, board=f"o{dohfw.id}", viewer_id=home.id)
    assert [r.person_id for r in org.top] == [health.id] and org.around is None
    national = service.leaderboard(db, campaign_id=c.id, board="n", viewer_id=health.id)
    assert [r.rank for r in national.top] == [1, 2] and national.people == 2


def test_bad_board_keys_are_clear(db, make):
    c = campaign(db, "Bad boards")
    dohfw = service.directory.org_by_code(db, "DOHFW")
    with pytest.raises(InvalidInput):
        service.leaderboard(db, campaign_id=c.id, board="x1", viewer_id=1)
    with pytest.raises(InvalidInput, match="not a ministry or state"):
        service.leaderboard(db, campaign_id=c.id, board=f"t{dohfw.id}", viewer_id=1)
    with pytest.raises(NotFound):
        service.leaderboard(db, campaign_id=c.id, board="o99999999", viewer_id=1)


def test_public_board_shows_name_designation_org_never_contacts(client, db, make):
    c = campaign(db, "Public board")
    p = make.person(
        "DOHFW",
        full_name="Kavita Rao",
        designation="Under Secretary",
        email="kavita@example.gov.in",
        mobile="9812345678",
    )
    complete(db, p.id, 1, ist(2024, 10, 20), 60)
    db.commit()
    sign_in(client, p.email)
    page = client.get(f"/campaigns/{c.id}/leaderboard?board=n").text
    assert "Kavita Rao" in page and "Under Secretary" in page and "Department of Health" in page
    assert "kavita@example.gov.in" not in page.split("</header>")[1] and "9812345678" not in page
    data = client.get(f"/api/v1/campaigns/{c.id}/leaderboard?board=n").json()
    assert data["top"][0] == {
        "rank": 1,
        "name": "Kavita Rao",
        "designation": "Under Secretary",
        "organisation": "Department of Health & Family Welfare",
        "score": 60,
        "reached": False,
        "is_me": True,
    }
    assert client.get(f"/api/v1/campaigns/{c.id}/leaderboard?board=zz").status_code == 400


def test_organisation_board_in_size_bands_by_share_reaching_target(client, db, make):
    from saptah.campaigns import service as campaigns

    c = campaign(db, "Org board", target_minutes=60)
    small = make.org("TST_SMALL_A", parent="MOHFW")
    other = make.org("TST_SMALL_B", parent="MOHFW")
    a = [make.person(small) for _ in range(4)]
    b = [make.person(other) for _ in range(2)]
    complete(db, a[0].id, 1, ist(2024, 10, 20), 60)
    complete(db, b[0].id, 1, ist(2024, 10, 20), 60)
    campaigns.refresh_sizes(db, c.id)
    rows = {r["org"].code: r for r in campaigns.org_board(db, c.id)["XS"]}
    assert rows["TST_SMALL_B"]["share"] == 0.5 and rows["TST_SMALL_A"]["share"] == 0.25
    assert rows["TST_SMALL_B"]["rank"] < rows["TST_SMALL_A"]["rank"]
    assert rows["TST_SMALL_A"]["avg_minutes"] == 15.0 and rows["TST_SMALL_A"]["hours"] == 1.0
    assert campaigns.band_of(50_001) == "XL" and campaigns.band_of(50_000) == "L" and campaigns.band_of(499) == "XS"
    db.commit()
    sign_in(client, a[0].email)
    page = client.get(f"/campaigns/{c.id}/organisations").text
    assert "XS" in page and "Test Organisation" in page
