"""Post/redirect/get after forms, and messages carried in a signed session cookie, never in the address."""

from __future__ import annotations

from saptah.directory.models import Role
from saptah.web.flash import COOKIE
from tests.factories import csrf, sign_in


def test_a_message_in_the_address_is_not_shown(client, make):
    admin = make.person(role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    text = "Your account will be suspended unless you reply"
    for path in ("/dashboard/mdo", "/", "/courses", "/events"):
        page = client.get(path, params={"notice": text, "msg": text, "changed": "1"})
        assert text not in page.text, path
        assert "Recorded. Credit is being recomputed" not in page.text


def test_a_forged_message_cookie_is_ignored_and_a_real_one_shows_once_in_the_readers_language(client, make):
    person = make.person()
    sign_in(client, person.email)
    client.cookies.set(COOKIE, '[["notice", "Your account will be suspended", {}]]')
    assert "Your account will be suspended" not in client.get("/").text
    client.cookies.delete(COOKIE)
    client.get("/lang/hi")
    token = csrf(client)
    client.post("/tokens", data={"name": "ci", "csrf_token": token}, follow_redirects=False)
    first = client.get("/tokens")
    assert "आपका नया टोकन" in first.text  # the message id is translated when shown
    assert "आपका नया टोकन" not in client.get("/tokens").text
