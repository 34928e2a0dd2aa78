"""Single sign-on end to end in a real browser, against a real OpenID provider (oidc-provider) on loopback."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from saptah.audit.models import AuditEntry
from saptah.auth.sso.models import PersonIdentity
from saptah.core.db import unit_of_work
from saptah.directory.models import Organisation, Person
from tests.browser import axe
from tests.browser.crawl import overflow
from tests.browser.fixtures import sign_in_as
from tests.sso.provider import LABEL, provider_settings, start_provider

pytestmark = pytest.mark.browser

STRANGER = "stranger@elsewhere.gov.in"


def colleague_of(factory: Any) -> tuple[Person, str]:
    """The first demo person with an employee ID (not a demo role account), and her organisation's code."""
    with unit_of_work(factory) as s:
        row = s.execute(
            select(Person, Organisation.code)
            .join(Organisation, Organisation.id == Person.org_id)
            .where(Person.employee_id.is_not(None), ~Person.email.like("%@saptah.demo"))
            .order_by(Person.id)
            .limit(1)
        ).first()
        assert row is not None
        s.expunge(row[0])
        return row[0], row[1]


def live_settings(request: pytest.FixtureRequest, base_url: str, factory: Any) -> dict[str, Any]:
    """Start the provider (its one client is this Saptah) with three accounts, and name it in the settings."""
    colleague, org_code = colleague_of(factory)
    accounts = {
        "anjali": {"email": "learner@saptah.demo", "email_verified": True, "name": "Anjali Verma"},
        # a different e-mail at the provider: matched by employee ID within her organisation
        "colleague": {
            "email": "someone.new@provider.example",
            "email_verified": True,
            "name": colleague.full_name,
            "employee_id": colleague.employee_id,
            "org_code": org_code,
        },
        "stranger": {"email": STRANGER, "email_verified": True, "name": "Not Imported"},
    }
    tmp = request.getfixturevalue("tmp_path_factory").mktemp("oidc-provider")
    provider = start_provider(tmp, base_url=base_url, accounts=accounts)
    request.addfinalizer(provider.stop)
    return {"oidc_providers": [provider_settings(provider.issuer)]}


def only_loopback(page: Any) -> None:
    """The test provider's own pages ask for a web font; nothing leaves the machine."""
    page.context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())


def sso_sign_in(page: Any, base: str, account: str) -> None:
    """Press the provider's button on Saptah's sign-in page and sign in on the provider's own pages."""
    only_loopback(page)
    page.goto(f"{base}/sign-in")
    page.click(f"button:has-text('Sign in with {LABEL}')")
    page.wait_for_selector("input[name=login]")
    assert not page.url.startswith(base)  # on the provider's page now
    page.fill("input[name=login]", account)
    page.fill("input[name=password]", "any password: the test provider's login page")
    page.click("button[type=submit]")
    # the provider asks for consent the first time (and again after signing out, which ends its grants)
    page.wait_for_function(f"location.href.startsWith({base!r}) || !!document.querySelector('button.login-submit')")
    if not page.url.startswith(base):
        page.click("button:has-text('Continue')")
    page.wait_for_url(f"{base}/**")
    page.wait_for_load_state("networkidle")


def acts(factory: Any, act: str) -> list[AuditEntry]:
    """Audit entries of one act."""
    with unit_of_work(factory) as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.act == act).order_by(AuditEntry.id)))
        for r in rows:
            s.expunge(r)
        return rows


def test_the_sign_in_page_shows_a_button_per_provider_in_hindi_too(live_server, page):
    base = live_server["url"]
    page.goto(f"{base}/sign-in")
    assert page.locator("[data-testid=sso-buttons] button").all_inner_texts() == [f"Sign in with {LABEL}"]
    page.goto(f"{base}/lang/hi")
    page.goto(f"{base}/sign-in")
    assert page.locator("[data-testid=sso-buttons] button").inner_text() == f"{LABEL} से साइन इन करें"


def test_the_sign_in_page_with_its_buttons_fits_a_phone_and_passes_axe(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    axe.install(context)
    page = context.new_page()
    try:
        for lang in ("en", "hi"):
            page.goto(f"{live_server['url']}/lang/{lang}")
            page.goto(f"{live_server['url']}/sign-in")
            assert page.locator("[data-testid=sso-buttons] button").is_visible()
            assert overflow(page) == 0
            assert axe.serious(page) == []
    finally:
        context.close()


def test_a_learner_signs_in_through_the_provider_and_out_of_both(live_server, page):
    base, factory = live_server["url"], live_server["factory"]
    sso_sign_in(page, base, "anjali")
    assert page.locator("[data-testid=role]").inner_text() == "Learner"
    assert "Anjali Verma" in page.content()
    with unit_of_work(factory) as s:
        person = s.scalar(select(Person).where(Person.email == "learner@saptah.demo"))
        link = s.scalar(select(PersonIdentity).where(PersonIdentity.subject == "anjali"))
        assert person is not None and link is not None and link.person_id == person.id
    assert any(e.target_person_id == person.id for e in acts(factory, "sign_in.sso_link"))
    # sign out: Saptah's session ends, then the provider asks to end its own
    page.click("text=Sign out")
    page.wait_for_selector("button:has-text('Yes, sign me out')")
    page.click("button:has-text('Yes, sign me out')")
    page.wait_for_url(f"{base}/sign-in")
    assert page.goto(f"{base}/").url.endswith("/sign-in?next=/") or "/sign-in" in page.url
    # the provider's session is over too: signing in again asks for the login once more (and is linked now)
    sso_sign_in(page, base, "anjali")
    assert page.locator("[data-testid=role]").inner_text() == "Learner"
    assert any(e.target_person_id == person.id for e in acts(factory, "sign_in.sso"))


def test_a_colleague_is_matched_by_employee_id_within_her_organisation(live_server, page):
    base, factory = live_server["url"], live_server["factory"]
    colleague, _org = colleague_of(factory)
    sso_sign_in(page, base, "colleague")
    assert page.locator("[data-testid=role]").inner_text() == "Learner"
    assert colleague.full_name in page.content()
    entry = acts(factory, "sign_in.sso_link")[-1]
    assert entry.target_person_id == colleague.id and '"by": "employee_id"' in (entry.details or "")


def test_someone_not_imported_is_refused_with_a_clear_message(live_server, page):
    base, factory = live_server["url"], live_server["factory"]
    before = len(acts(factory, "sign_in.refused"))
    sso_sign_in(page, base, "stranger")
    alert = page.locator("[data-testid=sign-in-error]").inner_text()
    assert "your organisation has not registered you on Saptah" in alert
    assert page.locator("[data-testid=role]").count() == 0
    with unit_of_work(factory) as s:
        assert s.scalar(select(Person).where(Person.email == STRANGER)) is None
    refused = acts(factory, "sign_in.refused")
    assert len(refused) == before + 1 and STRANGER not in (refused[-1].details or "")


@pytest.fixture
def page_without_service_worker(browser: Any) -> Any:
    """A page whose requests are all the page's own (Saptah's service worker would make its navigations)."""
    context = browser.new_context(service_workers="block")
    yield context.new_page()
    context.close()


def test_a_replayed_callback_is_refused(live_server, page_without_service_worker):
    base, page = live_server["url"], page_without_service_worker
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/callback?" in r.url else None)
    sso_sign_in(page, base, "anjali")
    assert page.locator("[data-testid=role]").inner_text() == "Learner"
    page.click("text=Sign out")
    page.wait_for_selector("button:has-text('Yes, sign me out')")
    page.click("button:has-text('Yes, sign me out')")
    page.wait_for_url(f"{base}/sign-in")
    response = page.goto(callbacks[-1])  # the same code and state again
    assert response is not None and response.status == 401
    assert "Start again from the sign-in page" in page.locator("[data-testid=sign-in-error]").inner_text()
    assert page.locator("[data-testid=role]").count() == 0


def test_an_admin_switches_password_sign_in_off_and_the_learner_is_pointed_to_sso(live_server, page, browser):
    base, factory = live_server["url"], live_server["factory"]
    with unit_of_work(factory) as s:
        dohfw = s.scalar(select(Organisation).where(Organisation.code == "DOHFW"))
        assert dohfw is not None
        dohfw_id = dohfw.id
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.goto(f"{base}/organisations?parent={dohfw_id}")
    page.click("[data-testid=password-sign-in] button")
    page.wait_for_load_state("networkidle")
    assert "now sign in only through single sign-on" in page.content()
    assert acts(factory, "org.password_sign_in")[-1].org_id == dohfw_id
    learner = browser.new_context().new_page()
    try:
        sign_in_as(learner, base, "learner@saptah.demo")
        alert = learner.locator("[data-testid=sign-in-error]").inner_text()
        assert "single sign-on only" in alert
        assert learner.locator("[data-testid=role]").count() == 0
        sso_sign_in(learner, base, "anjali")
        assert learner.locator("[data-testid=role]").inner_text() == "Learner"
    finally:
        learner.context.close()
        page.goto(f"{base}/organisations?parent={dohfw_id}")
        page.click("[data-testid=password-sign-in] button")  # on again, for the other tests of this module
        page.wait_for_load_state("networkidle")
    assert "may sign in with a password again" in page.content()
