"""Người và vai trò over HTTP: the page, and every form refused without a session, with a bad
CSRF token, for a role that may not, for another commune's data, and for bad input — each
refusal in Vietnamese, with nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.people import holders
from db.models import AuditEntry, Invitation, Person, PersonRole, Reminder, Role
from tests.test_office import (  # noqa: F401  (fixtures)
    HOA, MAI, MARCH, THAI, audit_actions, client, csrf_of, person, sign_in, world,
)

OTHER = "UBND xã Khác"
LAN = "Hà Thị Lan"


def state(rt) -> dict:
    """Everything a people form could change."""
    with rt.sessions() as session:
        return {
            "people": sorted((p.name, p.unit_id, p.retired_at is None)
                             for p in session.scalars(select(Person))),
            "spans": sorted((s.person_id, s.role_id, str(s.valid_from), str(s.valid_to))
                            for s in session.scalars(select(PersonRole))),
            "roles": sorted((r.name, r.unit_id, tuple(r.aliases)) for r in session.scalars(select(Role))),
            "invitations": session.scalar(select(func.count(Invitation.id))),
            "audit": session.scalar(select(func.count(AuditEntry.id))),
        }


def ids(rt, unit="UBND xã Bằng Phúc"):
    with rt.sessions() as session:
        lan = person(session, LAN, unit)
        mai = person(session, MAI, unit)
        tu_phap = session.scalar(select(Role).where(Role.name == "Công chức Tư pháp",
                                                    Role.unit.has(name=unit)))
        return {"lan": lan.id, "mai": mai.id, "role": tu_phap.id}


def forms(mine, theirs):
    """(path, good fields, fields naming the other commune's data, bad input, its message)."""
    return [
        ("/nguoi", {"name": "Nguyễn Văn Minh", "role": str(mine["role"])},
         {"name": "Nguyễn Văn Minh", "role": str(theirs["role"])},
         {"name": "Ha Thi Lan"}, "Đã có «Hà Thị Lan»"),
        (f"/nguoi/{mine['lan']}/ten", {"name": "Hà Thị Lan Anh"}, None,
         {"name": "  "}, texts.PEOPLE_ERRORS["blank_name"]),
        (f"/nguoi/{mine['lan']}/nghi", {"confirm": LAN}, None,
         {"confirm": "Lan"}, "gõ đúng tên"),
        (f"/nguoi/{mine['lan']}/moi", {}, None, None, None),
        ("/vai-tro/giao", {"role": str(mine["role"]), "person": str(mine["mai"])},
         {"role": str(theirs["role"]), "person": str(mine["mai"])},
         {"role": str(mine["role"]), "person": str(mine["mai"]), "from": "01/01/2020"}, "đã qua"),
        ("/vai-tro/thoi", {"role": str(mine["role"]), "person": str(mine["lan"])},
         {"role": str(mine["role"]), "person": str(theirs["lan"])},
         {"role": str(mine["role"]), "person": str(mine["mai"])}, "không giữ vai trò"),
        (f"/vai-tro/{mine['role']}/ten-goi", {"alias": "Tư pháp xã"}, None,
         {"alias": "Kế toán"}, "đã dùng cho vai trò «Công chức Kế toán -TC»"),
        ("/vai-tro", {"name": "Công chức Địa chính"}, None,
         {"name": "Tư pháp - Hộ tịch"}, "vai trò «Công chức Tư pháp»"),
    ]


FORM_NAMES = ["add-person", "rename", "retire", "invite", "assign", "take", "alias", "add-role"]


@pytest.mark.parametrize("which", range(len(FORM_NAMES)), ids=FORM_NAMES)
async def test_every_people_form_is_refused_and_changes_nothing(client, world, which):
    mine, theirs = ids(world), ids(world, OTHER)
    path, good, foreign, bad, problem = forms(mine, theirs)[which]
    before = state(world)

    anonymous = await client.post(path, data={**good, "csrf": "x"})
    assert anonymous.status == 401 and texts.WEB_SIGN_IN_NEEDED in await anonymous.text()

    await sign_in(client, world, THAI)  # the chairman reads the page, changes nothing
    page = await client.get("/nguoi")
    assert page.status == 200
    html = await page.text()
    assert 'action="/nguoi"' not in html and "Tạo mã mời" not in html
    refused = await client.post(path, data={**good, "csrf": csrf_of(html)})
    assert refused.status == 403 and texts.WEB_FORBIDDEN in await refused.text()

    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get("/nguoi")).text())
    forged = await client.post(path, data={**good, "csrf": csrf + "x"})
    assert forged.status == 403 and texts.WEB_BAD_CSRF in await forged.text()
    if foreign is not None:
        elsewhere = await client.post(path, data={**foreign, "csrf": csrf})
        assert elsewhere.status in (400, 404)
        assert "Không có gì thay đổi" in await elsewhere.text() or \
            texts.WEB_NOT_FOUND in await elsewhere.text()
    their_path = re.sub(r"/(\d+)/", lambda m: "/" + str(
        theirs["role"] if "vai-tro" in path else theirs["lan"]) + "/", path)
    if their_path != path:
        elsewhere = await client.post(their_path, data={**good, "csrf": csrf})
        assert elsewhere.status == 404 and texts.WEB_NOT_FOUND in await elsewhere.text()
    if bad is not None:
        wrong = await client.post(path, data={**bad, "csrf": csrf})
        text = await wrong.text()
        assert wrong.status == 400 and problem in text, text
    after = state(world)
    assert {k: v for k, v in after.items() if k != "audit"} == \
        {k: v for k, v in before.items() if k != "audit"}
    # Only the sign-ins were written to the audit log.
    assert set(audit_actions(world)) <= {"web.link", "web.sign_in"}

    done = await client.post(path, data={**good, "csrf": csrf}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"].startswith("/nguoi?ok=")
    assert state(world) != before
    assert audit_actions(world)[-1] not in ("web.link", "web.sign_in")


async def test_the_page_shows_people_roles_chats_deliveries_and_who_has_not_connected(client, world):
    await sign_in(client, world, HOA)
    html = await (await client.get("/nguoi")).text()
    assert re.search(r'data-person="Hà Thị Lan" data-connected="no"', html)
    assert "chưa kết nối Zalo/Telegram" in html and "Hà Thị Lan" in html
    assert "Công chức Tư pháp" in html and "Tư pháp - Hộ tịch" in html  # a role and its alias
    assert "Triệu Thị Mai" in html and "UBND xã Khác" not in html


async def test_an_invitation_is_shown_with_its_code_and_a_qr_code_of_the_telegram_link(client, world):
    world.config = world.config.model_copy(update={"telegram": world.config.telegram.model_copy(
        update={"bot_username": "nhacviec_bot"})})
    mine = ids(world)
    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get("/nguoi")).text())
    made = await client.post(f"/nguoi/{mine['lan']}/moi", data={"csrf": csrf})
    html = await made.text()
    with world.sessions() as session:
        code = session.scalar(select(Invitation.code).where(Invitation.person_id == mine["lan"]))
    assert texts.WEB_PEOPLE_NOTICES["invited"] in html
    assert f'data-code="{code}"' in html and f"https://t.me/nhacviec_bot?start={code}" in html
    assert re.search(r"<svg[^>]*class=\"segno\"", html)


async def test_a_hand_over_on_the_page_moves_the_reminders_from_that_day(client, world):
    mine = ids(world)
    day = (MARCH + timedelta(days=5)).astimezone(world.config.reminders.zone).date()
    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get("/nguoi")).text())
    added = await client.post("/nguoi", data={"name": "Nguyễn Văn Minh", "csrf": csrf})
    assert added.status == 200
    with world.sessions() as session:
        minh = person(session, "Nguyễn Văn Minh").id
    done = await client.post("/vai-tro/giao", data={
        "csrf": csrf, "role": str(mine["role"]), "person": str(minh), "replace": str(mine["lan"]),
        "from": day.strftime("%d/%m/%Y")})
    assert texts.WEB_PEOPLE_NOTICES["handed"] in await done.text()
    with world.sessions() as session:
        planned = session.execute(select(Reminder.person_id, Reminder.scheduled_on).where(
            Reminder.status == "planned", Reminder.person_id.in_([minh, mine["lan"]]))).all()
        held_later = holders(session, MARCH + timedelta(days=6), role_ids=[mine["role"]])
    assert planned
    assert all((p == minh) == (d >= day) for p, d in planned)
    assert held_later == {mine["role"]: [minh]}
