"""The office's web page over HTTP: signing in with a one-time link, sessions, CSRF, the board."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot import texts
from bot.cli import cmd_web_link
from bot.clock import Clock
from bot.talk import Runtime
from bot.people import roles_of, take_role
from bot.office.auth import COOKIE, LINKS_PER_HOUR, issue_link, web_command
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from bot.web import build_apps
from db.migrate import upgrade
from db.models import AuditEntry, Item, Milestone, Person, Plan, WebLink, WebSession
from db.session import make_engine, make_sessionmaker
from jobs.schedule import refresh_schedule
from tests.conftest import NOW, SAMPLE_TXT

MARCH = datetime(2023, 3, 10, 2, 0, tzinfo=UTC)
HOA, THAI, MAI = "Ma Thị Hoa", "Hoàng Văn Thái", "Triệu Thị Mai"


@dataclass
class Frozen(Clock):
    at: datetime = MARCH

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def world(db_url, config, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    web = config.web.model_copy(update={"public_url": "http://nv.example"})
    other = config.units[0].model_copy(update={"name": "UBND xã Khác"})
    database = config.database.model_copy(update={"url": db_url})
    config = config.model_copy(update={"web": web, "units": [config.units[0], other],
                                       "database": database})
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        import_plan(session, interpret(read_document(SAMPLE_TXT)), other, NOW)
        refresh_schedule(session, MARCH, config.reminders)
    rt = Runtime(sessions, config, {}, Frozen(), tmp_path / "data", "web-test")
    yield rt
    engine.dispose()


@pytest.fixture
async def client(world):
    [app] = build_apps(world, {}, ("127.0.0.1", 0), []).values()
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def person(session, name, unit="UBND xã Bằng Phúc"):
    return session.scalar(select(Person).join(Person.unit).where(
        Person.name == name, Person.unit.has(name=unit)))


def link_for(rt, name, unit="UBND xã Bằng Phúc"):
    with rt.sessions.begin() as session:
        return issue_link(session, rt.config, person(session, name, unit), rt.clock.now())


async def sign_in(client, rt, name=HOA, unit="UBND xã Bằng Phúc"):
    path = link_for(rt, name, unit).removeprefix("http://nv.example")
    response = await client.post(path, allow_redirects=False)
    assert response.status == 303
    return response


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def audit_actions(rt):
    with rt.sessions() as session:
        return [a for (a,) in session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]


# ------------------------------------------------------------------ the link

def test_the_office_gets_a_link_in_chat_and_an_official_does_not(world):
    with world.sessions.begin() as session:
        for_hoa = web_command(session, world.config, person(session, HOA), MARCH)
        for_mai = web_command(session, world.config, person(session, MAI), MARCH)
        links = session.scalar(select(func.count(WebLink.id)))
    assert for_hoa.startswith(texts.WEB_LINK.split("{")[0])
    assert re.search(r"http://nv\.example/dang-nhap/[\w-]{40,}", for_hoa)
    assert for_mai == texts.WEB_NOT_FOR_YOU
    assert links == 1


def test_without_a_public_url_the_link_says_the_page_is_not_set_up(world):
    config = world.config.model_copy(update={"web": world.config.web.model_copy(
        update={"public_url": ""})})
    with world.sessions.begin() as session:
        assert web_command(session, config, person(session, HOA), MARCH) == texts.WEB_NOT_SET_UP


def test_links_are_rate_limited_per_person_and_hour(world):
    with world.sessions.begin() as session:
        hoa = person(session, HOA)
        answers = [web_command(session, world.config, hoa, MARCH + timedelta(minutes=i))
                   for i in range(LINKS_PER_HOUR + 1)]
        later = web_command(session, world.config, hoa, MARCH + timedelta(minutes=61))
    assert answers[-1] == texts.WEB_TOO_MANY_LINKS.format(count=LINKS_PER_HOUR)
    assert all("/dang-nhap/" in a for a in answers[:-1])
    assert "/dang-nhap/" in later


def test_web_link_on_the_command_line_prints_a_link_for_the_exact_name(world):
    out = io.StringIO()
    assert cmd_web_link(world.config, "ma thi hoa", None, MARCH, out) == 0
    assert "http://nv.example/dang-nhap/" in out.getvalue()
    assert HOA in out.getvalue()
    assert cmd_web_link(world.config, "Hoa", None, MARCH, io.StringIO()) == 2


# ------------------------------------------------------------ signing in

async def test_opening_the_link_only_shows_a_button_and_pressing_it_signs_in(client, world):
    path = link_for(world, HOA).removeprefix("http://nv.example")
    shown = await client.get(path)
    assert shown.status == 200 and "Đăng nhập" in await shown.text()
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    with world.sessions() as session:
        assert session.scalar(select(WebLink.used_at)) is None  # a link preview uses nothing
    response = await client.post(path, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over http here
    board = await client.get("/")
    assert board.status == 200
    assert HOA in await board.text()
    again = await client.post(path, allow_redirects=False)
    assert again.status == 400 and texts.WEB_LINK_INVALID in await again.text()
    assert audit_actions(world) == ["web.link", "web.sign_in"]


async def test_a_link_older_than_ten_minutes_is_refused(client, world):
    path = link_for(world, HOA).removeprefix("http://nv.example")
    world.clock.at = MARCH + timedelta(minutes=10)
    response = await client.post(path, allow_redirects=False)
    assert response.status == 400 and texts.WEB_LINK_INVALID in await response.text()
    with world.sessions() as session:
        assert session.scalar(select(func.count(WebSession.id))) == 0


async def test_over_https_the_cookie_is_secure(world):
    world.config = world.config.model_copy(update={"web": world.config.web.model_copy(
        update={"public_url": "https://nv.example"})})
    [app] = build_apps(world, {}, ("127.0.0.1", 0), []).values()
    async with TestClient(TestServer(app)) as https_client:
        path = link_for(world, HOA).removeprefix("https://nv.example")
        response = await https_client.post(path, allow_redirects=False)
    assert "Secure" in response.headers["Set-Cookie"]


async def test_without_a_session_the_board_says_how_to_sign_in(client):
    response = await client.get("/")
    assert response.status == 401
    assert texts.WEB_SIGN_IN_NEEDED in await response.text()


async def test_a_session_ends_after_twelve_idle_hours(client, world):
    await sign_in(client, world)
    world.clock.at = MARCH + timedelta(hours=11, minutes=59)
    assert (await client.get("/")).status == 200
    world.clock.at += timedelta(hours=11, minutes=59)  # still within 12 h of the last visit
    assert (await client.get("/")).status == 200
    world.clock.at += timedelta(hours=12)
    response = await client.get("/")
    assert response.status == 401 and texts.WEB_SESSION_ENDED in await response.text()


async def test_signing_out_needs_the_form_token_and_ends_the_session(client, world):
    await sign_in(client, world)
    html = await (await client.get("/")).text()
    refused = await client.post("/dang-xuat", data={"csrf": "forged"})
    assert refused.status == 403 and texts.WEB_BAD_CSRF in await refused.text()
    assert (await client.get("/")).status == 200  # nothing changed
    done = await client.post("/dang-xuat", data={"csrf": csrf_of(html)})
    assert done.status == 200 and texts.WEB_SIGNED_OUT in await done.text()
    assert (await client.get("/")).status == 401
    assert audit_actions(world) == ["web.link", "web.sign_in", "web.sign_out"]


async def test_signing_out_without_a_session_is_refused(client):
    response = await client.post("/dang-xuat", data={"csrf": "x"})
    assert response.status == 401


async def test_someone_who_lost_the_office_role_is_signed_out(client, world):
    await sign_in(client, world)
    with world.sessions.begin() as session:
        hoa = person(session, HOA)
        hoa.is_admin = False
        zone = world.config.reminders.zone
        for role in roles_of(session, hoa.id, MARCH):
            if role.duty in ("coordinator", "chairman"):
                take_role(session, role, hoa, MARCH.astimezone(zone).date(), MARCH, zone)
    assert (await client.get("/")).status == 401


# ----------------------------------------------------------------- the board

def items_on(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-code="([^"]+)" data-state="([^"]+)"', html))


async def test_the_board_shows_every_item_with_the_state_tongket_gives(client, world):
    from bot.status import current_plans, load_items

    await sign_in(client, world, THAI)
    html = await (await client.get("/")).text()
    with world.sessions() as session:
        unit_id = person(session, THAI).unit_id
        views = load_items(session, current_plans(session, unit_id), MARCH.date(),
                           world.config.reminders.zone)
    assert items_on(html) == {v.code: v.state for v in views}
    overdue = re.search(r'<table class="list" id="overdue">(.*?)</table>', html, re.S).group(1)
    dues = [datetime.strptime(d, "%d/%m/%Y") for d in re.findall(r"<td>(\d\d/\d\d/\d{4})</td>", overdue)]
    assert dues and dues == sorted(dues)  # oldest first
    assert 'src="/bieu-do.png"' in html


async def test_the_filters_narrow_the_board(client, world):
    await sign_in(client, world)
    overdue = items_on(await (await client.get("/?state=overdue")).text())
    assert overdue and set(overdue.values()) == {"overdue"}
    with world.sessions() as session:
        lan = person(session, "Hà Thị Lan")
        owned = set(session.scalars(select(Item.code).join(Item.assignments).where(
            Item.plan.has(Plan.unit_id == lan.unit_id),
            Item.assignments.any(role_id=roles_of(session, lan.id, MARCH)[0].id, part="owner"))))
    by_lan = items_on(await (await client.get(f"/?person={lan.id}")).text())
    assert set(by_lan) == owned and owned
    second_quarter = items_on(await (await client.get("/?quarter=2&year=2023")).text())
    with world.sessions() as session:
        in_q2 = set(session.scalars(select(Item.code).join(Milestone, Milestone.item_id == Item.id)
                                    .where(Item.plan.has(Plan.unit_id == lan.unit_id),
                                           Milestone.due >= datetime(2023, 4, 1).date(),
                                           Milestone.due < datetime(2023, 7, 1).date())))
    assert set(second_quarter) == in_q2


async def test_a_bad_filter_or_another_communes_plan_gets_a_message_and_shows_only_our_data(client, world):
    await sign_in(client, world)
    everything = items_on(await (await client.get("/")).text())
    with world.sessions() as session:
        theirs = session.scalar(select(Plan.id).join(Plan.unit).where(Plan.unit.has(name="UBND xã Khác")))
        their_person = person(session, MAI, "UBND xã Khác").id
    for query in (f"plan={theirs}", "quarter=7", "state=bogus", f"person={their_person}", "year=abc"):
        response = await client.get(f"/?{query}")
        html = await response.text()
        assert response.status == 200
        field = query.split("=")[0]
        assert texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES[field]) in html
        assert items_on(html) == everything


def oversee(rt, name=HOA):
    """`name` of Bằng Phúc becomes an overseer of the installation, as config.toml would say."""
    first = rt.config.units[0].model_copy(update={"overseers": [name]})
    rt.config = rt.config.model_copy(update={"units": [first, *rt.config.units[1:]]})


def unit_row(page, unit_id):
    row = re.search(rf'<tr data-unit="{unit_id}">(.*?)</tr>', page, re.S).group(1)
    return {state: int(n or 0) for state, n in re.findall(r'<td data-state="(\w+)">(\d*)</td>', row)}


async def test_an_overseer_sees_every_unit_then_one_units_board_and_items_read_only(client, world):
    from collections import Counter

    from bot.status import current_plans, load_items

    with world.sessions.begin() as session:  # the other commune got most of its late work done
        other = session.scalar(select(Plan.unit_id).where(Plan.unit.has(name="UBND xã Khác")))
        late = session.scalars(select(Milestone).join(Item).join(Plan).where(
            Plan.unit_id == other, Milestone.due < MARCH.date(), Milestone.done_at.is_(None))
            .order_by(Milestone.due)).all()
        for row in late[1:]:
            row.done_at = MARCH
        units = {unit_id: Counter(v.state for v in load_items(
            session, current_plans(session, unit_id), MARCH.date(), world.config.reminders.zone))
            for unit_id in session.scalars(select(Plan.unit_id).distinct())}
    ours = next(u for u in units if u != other)
    assert units[ours]["overdue"] > units[other]["overdue"] == 1
    oversee(world)
    await sign_in(client, world, HOA)
    board = await (await client.get("/")).text()
    assert 'href="/cac-xa"' in board
    page = html.unescape(await (await client.get("/cac-xa")).text())
    for unit_id, counts in units.items():
        shown = unit_row(page, unit_id)
        assert {s: n for s, n in shown.items() if n} == dict(counts)
    assert page.index(f'data-unit="{ours}"') < page.index(f'data-unit="{other}"')  # most overdue first
    overdue = re.search(r'<table class="list" id="overdue">(.*?)</table>', page, re.S).group(1)
    dues = [datetime.strptime(d, "%d/%m/%Y") for d in re.findall(r"<td>(\d\d/\d\d/\d{4})</td>", overdue)]
    assert len(dues) >= units[ours]["overdue"] + 1  # every overdue item has an overdue milestone
    assert dues == sorted(dues) and "UBND xã Khác" in overdue
    only_overdue = await (await client.get("/cac-xa?state=overdue")).text()
    assert {s: n for s, n in unit_row(only_overdue, other).items() if n} == {"overdue": 1}
    bad = html.unescape(await (await client.get("/cac-xa?quarter=9")).text())
    assert texts.WEB_BAD_FILTER.format(field="Quý") in bad and unit_row(bad, other)["overdue"] == 1
    # Drilling into the other commune: its board, its items, read-only.
    theirs = html.unescape(await (await client.get(f"/?xa={other}")).text())
    assert "Tổng quan: UBND xã Khác" in theirs and f'name="xa" value="{other}"' in theirs
    assert f"/bieu-do.png?xa={other}" in theirs
    assert len(re.findall(r'data-state="overdue"><td>', theirs)) == 1
    their_item = item_id(world, "3.7", "UBND xã Khác")
    item_page = await client.get(f"/viec/{their_item}")
    text = await item_page.text()
    assert item_page.status == 200 and f'action="/viec/{their_item}/' not in text
    csrf = csrf_of(text)
    refused = await client.post(f"/viec/{their_item}/bo", data={"csrf": csrf, "confirm": "3.7"})
    assert refused.status == 404
    chart = await client.get(f"/bieu-do.png?xa={other}")
    assert chart.status == 200 and chart.content_type == "image/png"


async def test_the_units_board_and_other_units_are_refused_to_everyone_else(client, world):
    assert (await client.get("/cac-xa")).status == 401
    with world.sessions() as session:
        other = session.scalar(select(Plan.unit_id).where(Plan.unit.has(name="UBND xã Khác")))
    their_item = item_id(world, "3.7", "UBND xã Khác")
    from bot.office.auth import LinkRefused

    oversee(world, "Hà Thị Lan")  # being an overseer does not open the page to an official
    with pytest.raises(LinkRefused):
        link_for(world, "Hà Thị Lan")
    for name in (HOA, THAI):  # the office and the chairman of one commune
        await sign_in(client, world, name)
        assert 'href="/cac-xa"' not in await (await client.get("/")).text()
        refused = await client.get("/cac-xa")
        assert refused.status == 403 and texts.WEB_FORBIDDEN in await refused.text()
        for path in (f"/?xa={other}", f"/bieu-do.png?xa={other}", f"/viec/{their_item}", "/?xa=x"):
            assert (await client.get(path)).status == 404, path


async def test_the_chart_is_a_png_for_signed_in_visitors_only(client, world):
    assert (await client.get("/bieu-do.png")).status == 401
    await sign_in(client, world)
    response = await client.get("/bieu-do.png?state=overdue")
    assert response.status == 200 and response.content_type == "image/png"
    assert (await response.read()).startswith(b"\x89PNG")


# ---------------------------------------------------------------- extensions

def request_extension(rt, unit="UBND xã Bằng Phúc", code="3.7"):
    from db.models import Extension

    with rt.sessions.begin() as session:
        mai = person(session, MAI, unit)
        milestone = session.scalar(select(Milestone).join(Item).join(Plan).where(
            Item.code == code, Plan.unit_id == mai.unit_id, Milestone.position == 0))
        extension = Extension(milestone_id=milestone.id, person_id=mai.id,
                              requested_due=datetime(2023, 3, 31).date(),
                              previous_due=milestone.due, reason="chờ số liệu của huyện",
                              status="pending", requested_at=MARCH)
        session.add(extension)
        session.flush()
        return extension.id, milestone.id


def extension_state(rt, extension_id):
    from db.models import Delivery, Extension

    with rt.sessions() as session:
        extension = session.get(Extension, extension_id)
        told = [d.text for d in session.scalars(select(Delivery).where(
            Delivery.person_id == extension.person_id))]
        return extension.status, extension.milestone.due, told


async def test_the_chairman_approves_an_extension_through_the_chats_path(client, world):
    extension_id, milestone_id = request_extension(world)
    await sign_in(client, world, THAI)
    html = await (await client.get("/gia-han")).text()
    assert "chờ số liệu của huyện" in html and MAI in html
    response = await client.post(f"/gia-han/{extension_id}", allow_redirects=False,
                                 data={"csrf": csrf_of(html), "decision": "approve", "reason": ""})
    assert response.status == 303
    status, due, told = extension_state(world, extension_id)
    assert (status, due.isoformat()) == ("approved", "2023-03-31")
    assert told == [texts.EXTENSION_APPROVED.format(code="3.7", new_due="31/03/2023")]
    with world.sessions() as session:
        from db.models import ItemReply, Reminder

        milestone = session.get(Milestone, milestone_id)
        assert milestone.original_due.isoformat() == "2023-02-15"
        assert session.scalar(select(ItemReply.intent).where(ItemReply.milestone_id == milestone_id)) == "approve"
        planned = session.scalars(select(Reminder.scheduled_on).where(
            Reminder.milestone_id == milestone_id, Reminder.status == "planned")).all()
        assert planned and max(planned).isoformat() >= "2023-03-31"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "extension.approve"))
        assert entry.before == {"status": "pending", "due": "2023-02-15"}
        assert entry.after["status"] == "approved" and entry.after["due"] == "2023-03-31"
    shown = await (await client.get(f"/gia-han?ok={extension_id}")).text()
    assert "Đã ghi nhận: duyệt gia hạn đến 31/03/2023" in shown


async def test_declining_needs_a_reason_which_the_official_is_told(client, world):
    extension_id, _ = request_extension(world)
    await sign_in(client, world, THAI)
    csrf = csrf_of(await (await client.get("/gia-han")).text())
    refused = await client.post(f"/gia-han/{extension_id}", data={"csrf": csrf, "decision": "decline"})
    assert refused.status == 400 and texts.WEB_DECLINE_NEEDS_REASON in await refused.text()
    assert extension_state(world, extension_id) == ("pending", datetime(2023, 2, 15).date(), [])
    unknown = await client.post(f"/gia-han/{extension_id}", data={"csrf": csrf, "decision": "maybe"})
    assert unknown.status == 400 and texts.WEB_DECISION_UNKNOWN in await unknown.text()
    await client.post(f"/gia-han/{extension_id}", data={
        "csrf": csrf, "decision": "decline", "reason": "  đã quá   muộn "})
    status, due, told = extension_state(world, extension_id)
    assert (status, due.isoformat()) == ("declined", "2023-02-15")
    assert told == [texts.EXTENSION_DECLINED.format(code="3.7", new_due="31/03/2023")
                    + texts.DECLINE_REASON.format(reason="đã quá muộn")]
    again = await client.post(f"/gia-han/{extension_id}", data={"csrf": csrf, "decision": "approve"})
    assert again.status == 400 and texts.ALREADY_DECIDED.format(code="3.7") in await again.text()


async def test_deciding_is_refused_without_session_token_role_or_for_another_commune(client, world):
    ours, _ = request_extension(world)
    theirs, _ = request_extension(world, "UBND xã Khác")
    assert (await client.post(f"/gia-han/{ours}", data={"decision": "approve"})).status == 401
    with world.sessions.begin() as session:
        person(session, HOA).is_admin = False  # the office sees requests; the chairman decides
    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get("/gia-han")).text())
    office = await client.post(f"/gia-han/{ours}", data={"csrf": csrf, "decision": "approve"})
    assert office.status == 403 and texts.WEB_FORBIDDEN in await office.text()
    await sign_in(client, world, THAI)
    csrf = csrf_of(await (await client.get("/gia-han")).text())
    forged = await client.post(f"/gia-han/{ours}", data={"csrf": "x" + csrf, "decision": "approve"})
    assert forged.status == 403 and texts.WEB_BAD_CSRF in await forged.text()
    other = await client.post(f"/gia-han/{theirs}", data={"csrf": csrf, "decision": "approve"})
    assert other.status == 404 and texts.WEB_EXTENSION_GONE in await other.text()
    assert extension_state(world, ours)[0] == extension_state(world, theirs)[0] == "pending"
    assert "extension.approve" not in audit_actions(world)


# ------------------------------------------------------------- delivery log

def deliver_rows(rt):
    from db.models import Delivery

    with rt.sessions.begin() as session:
        mai, lan = person(session, MAI), person(session, "Hà Thị Lan")
        theirs = person(session, MAI, "UBND xã Khác")
        session.add_all([
            Delivery(person_id=mai.id, channel="telegram", chat_id="1", text="nhắc việc 3.7",
                     purpose="reminder", status="sent", attempts=1, next_attempt_at=MARCH,
                     created_at=MARCH - timedelta(hours=2), sent_at=MARCH - timedelta(hours=2)),
            Delivery(person_id=lan.id, channel="zalo", chat_id="2", text="nhắc việc 3.1",
                     purpose="reminder", status="failed", attempts=1, next_attempt_at=MARCH,
                     last_error="Forbidden: bot was blocked by the user",
                     created_at=MARCH - timedelta(hours=1)),
            Delivery(person_id=lan.id, channel="zalo", chat_id="2", text="tin cũ",
                     purpose="reminder", status="sent", attempts=1, next_attempt_at=MARCH,
                     created_at=MARCH - timedelta(days=10)),
            Delivery(person_id=theirs.id, channel="zalo", chat_id="3", text="tin xã khác",
                     purpose="reminder", status="sent", attempts=1, next_attempt_at=MARCH,
                     created_at=MARCH - timedelta(hours=1)),
        ])
        return lan.id, theirs.id


async def test_the_delivery_log_shows_our_last_days_with_failures_explained(client, world):
    lan_id, their_id = deliver_rows(world)
    assert (await client.get("/nhat-ky-gui")).status == 401
    await sign_in(client, world)
    html = await (await client.get("/nhat-ky-gui")).text()
    assert re.findall(r'<tr data-status="(\w+)">', html) == ["failed", "sent"]
    assert texts.DELIVERY_REASONS["blocked"] in html
    assert "tin xã khác" not in html and "tin cũ" not in html
    month = await (await client.get("/nhat-ky-gui?days=30")).text()
    assert "tin cũ" in month
    lan_only = await (await client.get(f"/nhat-ky-gui?person={lan_id}&days=30")).text()
    assert re.findall(r'<tr data-status="(\w+)">', lan_only) == ["failed", "sent"]
    assert "nhắc việc 3.7" not in lan_only
    for query in (f"person={their_id}", "days=9999"):
        bad = await (await client.get(f"/nhat-ky-gui?{query}")).text()
        field = {"person": "person", "days": "days"}[query.split("=")[0]]
        assert texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES[field]) in bad
        assert "tin xã khác" not in bad


# --------------------------------------------------------------- the item page

def item_id(rt, code, unit="UBND xã Bằng Phúc"):
    with rt.sessions() as session:
        return session.scalar(select(Item.id).join(Plan).where(
            Item.code == code, Plan.unit.has(name=unit)))


def planned(rt, code):
    from db.models import Reminder

    with rt.sessions() as session:
        return sorted((r.person.name, r.kind, r.scheduled_on.isoformat()) for r in session.scalars(
            select(Reminder).join(Milestone).join(Item).join(Plan).where(
                Item.code == code, Plan.unit.has(name="UBND xã Bằng Phúc"),
                Reminder.status == "planned")))


async def test_the_item_page_shows_milestones_history_evidence_and_extensions(client, world, tmp_path):
    from db.models import Evidence, ItemReply

    request_extension(world)
    stored = world.data_dir / "evidence" / "ab" / "ab12.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"%PDF-1.4 proof")
    with world.sessions.begin() as session:
        mai = person(session, MAI)
        milestone = session.scalar(select(Milestone).where(Milestone.item_id == item_id(world, "3.7"),
                                                           Milestone.position == 0))
        session.add(ItemReply(milestone_id=milestone.id, person_id=mai.id, intent="progress",
                              percent=60, note="đang xin số liệu", at=MARCH))
        session.add(Evidence(milestone_id=milestone.id, person_id=mai.id, file_name="Kế hoạch 3.7.pdf",
                             mime_type="application/pdf", size=14, sha256="ab12", path=str(stored),
                             received_at=MARCH))
        outside = Evidence(milestone_id=milestone.id, person_id=mai.id, file_name="x.pdf", size=1,
                           sha256="x", path=str(tmp_path / "elsewhere.pdf"), received_at=MARCH)
        session.add(outside)
        session.flush()
        outside_id = outside.id
    (tmp_path / "elsewhere.pdf").write_bytes(b"secret")
    await sign_in(client, world)
    html = await (await client.get(f"/viec/{item_id(world, '3.7')}")).text()
    assert "Ban hành Kế hoạch" in html and "15/02/2023" in html
    assert "đang xin số liệu" in html and "60%" in html
    assert "chờ số liệu của huyện" in html
    link = re.search(r'href="(/tai-lieu/\d+)">Kế hoạch 3.7.pdf', html).group(1)
    download = await client.get(link)
    assert download.status == 200 and await download.read() == b"%PDF-1.4 proof"
    assert "attachment" in download.headers["Content-Disposition"]
    assert (await client.get(f"/tai-lieu/{outside_id}")).status == 404
    assert (await client.get(f"/viec/{item_id(world, '3.7', 'UBND xã Khác')}")).status == 404
    assert f'href="/viec/{item_id(world, "3.7")}"' in await (await client.get("/")).text()


async def test_the_office_hands_an_item_to_another_role_and_reminders_follow(client, world):
    target = item_id(world, "3.7")
    await sign_in(client, world)
    html = await (await client.get(f"/viec/{target}")).text()
    csrf = csrf_of(html)
    with world.sessions() as session:
        lan_role = roles_of(session, person(session, "Hà Thị Lan").id, MARCH)[0]
        their_role = roles_of(session, person(session, MAI, "UBND xã Khác").id, MARCH)[0].id
    assert {name for name, _, _ in planned(world, "3.7")} == {MAI}
    for data, problem in (({"csrf": csrf}, texts.WEB_OWNER_NEEDED),
                          ({"csrf": csrf, "owner": str(their_role)}, texts.WEB_UNKNOWN_ROLE)):
        refused = await client.post(f"/viec/{target}/nguoi", data=data)
        assert refused.status == 400 and problem in await refused.text()
    assert {name for name, _, _ in planned(world, "3.7")} == {MAI}
    done = await client.post(f"/viec/{target}/nguoi", data={"csrf": csrf, "owner": str(lan_role.id)})
    assert done.status == 200 and texts.WEB_ITEM_NOTICES["holders"] in await done.text()
    assert {name for name, _, _ in planned(world, "3.7")} == {"Hà Thị Lan"}
    with world.sessions() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "item.holders"))
        assert entry.after == {"owners": [lan_role.name], "coordinators": []}
        assert entry.before["owners"] == ["Bộ phận 1 cửa"]


async def test_marking_an_event_gives_it_a_due_date_and_reminders(client, world):
    with world.sessions() as session:
        code = session.scalar(select(Item.code).join(Milestone).join(Plan).where(
            Milestone.kind == "event", Plan.unit.has(name="UBND xã Bằng Phúc")))
    target = item_id(world, code)
    await sign_in(client, world)
    html = await (await client.get(f"/viec/{target}")).text()
    milestone_id = re.search(r'name="milestone" value="(\d+)"', html).group(1)
    csrf = csrf_of(html)
    for on, days in (("32/13", "15"), ("01/04/2023", "15"), ("01/03/2023", "0")):
        refused = await client.post(f"/viec/{target}/su-kien",
                                    data={"csrf": csrf, "milestone": milestone_id, "on": on, "days": days})
        assert refused.status == 400
    assert planned(world, code) == []
    done = await client.post(f"/viec/{target}/su-kien",
                             data={"csrf": csrf, "milestone": milestone_id, "on": "01/03/2023", "days": "20"})
    assert done.status == 200 and texts.WEB_ITEM_NOTICES["event"] in await done.text()
    with world.sessions() as session:
        milestone = session.get(Milestone, int(milestone_id))
        assert (milestone.event_on.isoformat(), milestone.event_due_days) == ("2023-03-01", 20)
    assert planned(world, code)


async def test_retiring_an_item_needs_its_code_stops_reminders_and_keeps_history(client, world):
    target = item_id(world, "3.7")
    await sign_in(client, world)
    csrf = csrf_of(await (await client.get(f"/viec/{target}")).text())
    wrong = await client.post(f"/viec/{target}/bo", data={"csrf": csrf, "confirm": "3.8"})
    assert wrong.status == 400 and texts.WEB_RETIRE_CONFIRM.format(code="3.7") in await wrong.text()
    assert planned(world, "3.7")
    done = await client.post(f"/viec/{target}/bo", data={"csrf": csrf, "confirm": "3.7"})
    assert done.status == 200 and texts.WEB_ITEM_NOTICES["retired"] in await done.text()
    assert planned(world, "3.7") == []
    assert "3.7" not in items_on(await (await client.get("/")).text())
    assert "item.retire" in audit_actions(world)


async def test_item_changes_are_refused_without_session_token_office_role_or_for_another_commune(client, world):
    ours, theirs = item_id(world, "3.7"), item_id(world, "3.7", "UBND xã Khác")
    assert (await client.post(f"/viec/{ours}/bo", data={"confirm": "3.7"})).status == 401
    await sign_in(client, world, THAI)  # the chairman reads; the office changes
    csrf = csrf_of(await (await client.get(f"/viec/{ours}")).text())
    chairman = await client.post(f"/viec/{ours}/bo", data={"csrf": csrf, "confirm": "3.7"})
    assert chairman.status == 403 and texts.WEB_FORBIDDEN in await chairman.text()
    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get(f"/viec/{ours}")).text())
    forged = await client.post(f"/viec/{ours}/bo", data={"csrf": "no", "confirm": "3.7"})
    assert forged.status == 403
    other = await client.post(f"/viec/{theirs}/bo", data={"csrf": csrf, "confirm": "3.7"})
    assert other.status == 404
    with world.sessions() as session:
        assert session.scalar(select(func.count(Item.id)).where(Item.removed_at.is_not(None))) == 0


def single_dated_item(rt):
    with rt.sessions() as session:
        for item in session.scalars(select(Item).join(Plan).where(Plan.unit.has(name="UBND xã Bằng Phúc"))):
            if [(m.kind, m.label) for m in item.milestones] == [("date", None)]:
                return item.id, item.code, item.milestones[0].due
    raise AssertionError("the sample plan has an item with one plain date")


async def test_a_deadline_typed_on_the_page_is_previewed_then_saved_and_reminded(client, world):
    target, code, old_due = single_dated_item(world)
    assert old_due.isoformat() != "2023-03-24"
    await sign_in(client, world)
    preview = await (await client.get(f"/viec/{target}", params={"han": "Trước 24/3"})).text()
    assert re.search(r'<table class="list" id="preview">.*24/03/2023', preview, re.S)
    with world.sessions() as session:
        assert session.get(Item, target).milestones[0].due == old_due  # a preview changes nothing
    csrf = csrf_of(preview)
    for typed, problem in (("32/13", "Ngày không hợp lệ"), ("abc xyz", texts.WEB_DEADLINE_NOT_UNDERSTOOD),
                           ("   ", texts.WEB_DEADLINE_EMPTY)):
        refused = await client.post(f"/viec/{target}/han", data={"csrf": csrf, "han": typed})
        assert refused.status == 400 and problem in await refused.text()
    with world.sessions() as session:
        assert session.get(Item, target).milestones[0].due == old_due
    saved = await client.post(f"/viec/{target}/han", data={"csrf": csrf, "han": "Trước 24/3"})
    assert saved.status == 200 and texts.WEB_ITEM_NOTICES["deadline"] in await saved.text()
    with world.sessions() as session:
        item = session.get(Item, target)
        assert (item.deadline_text, [m.due.isoformat() for m in item.milestones]) == (
            "Trước 24/3", ["2023-03-24"])
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "item.deadline"))
        assert entry.before["milestones"] == [[None, old_due.isoformat()]]
    # Reminders within the horizon (21 days): the lead reminders before the new date.
    assert {day for _, kind, day in planned(world, code) if kind == "due"} == {"2023-03-24"}


# ------------------------------------------------------------------- reports

async def test_the_report_downloads_as_of_a_day_in_either_format(client, world):
    import openpyxl

    assert (await client.get("/bao-cao/tep")).status == 401
    await sign_in(client, world, THAI)
    assert "Tải báo cáo" in await (await client.get("/bao-cao")).text()
    xlsx = await client.get("/bao-cao/tep", params={"ngay": "28/02/2023", "kieu": "xlsx"})
    assert xlsx.status == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(await xlsx.read()))
    cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    assert "28/02/2023" in cells
    docx = await client.get("/bao-cao/tep", params={"kieu": "docx"})
    assert docx.status == 200 and (await docx.read()).startswith(b"PK")
    # A reporting period, read as /baocao reads it: the first quarter so far (today 10/03/2023).
    quarter = await client.get("/bao-cao/tep", params={"ky": "quý 1"})
    assert quarter.status == 200 and "q1-den-2023-03-10" in quarter.headers["Content-Disposition"]
    with world.sessions() as session:
        theirs = session.scalar(select(Plan.id).where(Plan.unit.has(name="UBND xã Khác")))
    for params, problem in (({"ngay": "31/02/2023"}, texts.WEB_BAD_REPORT_DAY.format(value="31/02/2023")),
                            ({"ngay": "01/01/2024"}, texts.WEB_BAD_REPORT_DAY.format(value="01/01/2024")),
                            ({"kieu": "pdf"}, texts.WEB_BAD_FILTER.format(field="Định dạng")),
                            ({"ky": "quý 7"}, texts.PERIOD_UNKNOWN.format(text="quý 7")),
                            ({"plan": str(theirs)}, texts.WEB_BAD_FILTER.format(field="Kế hoạch"))):
        refused = await client.get("/bao-cao/tep", params=params)
        assert refused.status == 400 and problem in html.unescape(await refused.text())


# --------------------------------------------------------------- plan import

async def upload(client, csrf, path, year=""):
    import aiohttp

    data = aiohttp.FormData()
    data.add_field("csrf", csrf)
    data.add_field("year", year)
    data.add_field("file", path.read_bytes(), filename=path.name)
    return await client.post("/nhap", data=data, allow_redirects=False)


async def test_a_plan_is_uploaded_reviewed_corrected_and_saved(client, world, tmp_path):
    from bot.config import UnitConfig

    fresh = world.config.units[0].model_copy(update={"name": "UBND xã Mới"})
    world.config = world.config.model_copy(update={"units": [*world.config.units, fresh]})
    with world.sessions.begin() as session:
        from bot.people import ensure_unit

        ensure_unit(session, fresh)
    await sign_in(client, world, HOA, "UBND xã Mới")
    csrf = csrf_of(await (await client.get("/nhap")).text())
    bad = tmp_path / "ke-hoach.exe"
    bad.write_bytes(b"MZ")
    refused = await upload(client, csrf, bad)
    assert refused.status == 400 and "Chọn một tệp kế hoạch" in await refused.text()
    sent = await upload(client, csrf, SAMPLE_TXT)
    assert sent.status == 303
    review_path = sent.headers["Location"]
    review = await (await client.get(review_path)).text()
    assert 'data-code="3.7"' in review and "Kế hoạch mới" in review
    corrections = {"csrf": csrf, "owner-3.7": "Công chức Tư pháp", "han-3.1": "Trước 28/2/2023",
                   "bo-3.2": "1"}
    bad_deadline = await client.post(review_path, data={**corrections, "han-3.5": "32/13",
                                                        "action": "save"})
    assert bad_deadline.status == 400 and "Việc 3.5: Ngày không hợp lệ" in await bad_deadline.text()
    with world.sessions() as session:
        assert session.scalar(select(func.count(Plan.id)).where(Plan.unit.has(name="UBND xã Mới"))) == 0
    again = await (await client.post(review_path, data={**corrections, "action": "preview"})).text()
    assert 'data-code="3.2"' not in again and 'name="bo-3.2"' in again
    assert "28/02/2023" in again
    saved = await client.post(review_path, data={**corrections, "action": "save"}, allow_redirects=False)
    assert saved.status == 303
    with world.sessions() as session:
        plan = session.scalar(select(Plan).where(Plan.unit.has(name="UBND xã Mới")))
        items = {i.code: i for i in plan.items}
        assert "3.2" not in items
        assert items["3.7"].owners == ["Công chức Tư pháp"]
        assert [a.role.name for a in items["3.7"].assignments if a.part == "owner"] == ["Công chức Tư pháp"]
        assert items["3.1"].milestones[0].due.isoformat() == "2023-02-28"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "plan.import"))
        assert entry.after["corrected"]["3.2"] == {"removed": True}
    assert (await client.get(review_path)).status == 404  # the upload is gone once saved


async def test_a_reimport_shows_its_difference_and_the_conflict_before_saving(client, world, tmp_path):
    extension_id, _ = request_extension(world)
    with world.sessions.begin() as session:
        from db.models import Extension

        session.get(Extension, extension_id).status = "approved"
        milestone = session.get(Extension, extension_id).milestone
        milestone.original_due, milestone.due = milestone.due, datetime(2023, 3, 31).date()
    changed = tmp_path / "ke-hoach-sua.txt"
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    old = "Ban hành Kế hoạch trước 15/2/2023; báo cáo kết quả thực hiện trước 31/3/2023"
    assert old in text
    changed.write_text(text.replace(old, old.replace("15/2/2023", "20/2/2023")), encoding="utf-8")
    await sign_in(client, world)
    csrf = csrf_of(await (await client.get("/nhap")).text())
    sent = await upload(client, csrf, changed)
    review = await (await client.get(sent.headers["Location"])).text()
    assert 'id="difference"' in review and "Sửa:" in review and texts.WEB_IMPORT_NOT_SAVED in html.unescape(review)
    conflicts = html.unescape(review.split('id="conflicts"')[1].split("</ul>")[0])
    assert "Việc 3.7" in conflicts and "Khi lưu, bot giữ hạn 31/03/2023" in conflicts
    assert "run.py" not in conflicts  # the page's own next step, not the command line's
    with world.sessions() as session:
        assert session.get(Milestone, milestone.id).disputed_due is None  # nothing saved yet


def moved_reimport(folder):
    """The sample plan with 3.7's first date moved from 15/2 to 20/2."""
    changed = folder / "ke-hoach-sua.txt"
    old = "Ban hành Kế hoạch trước 15/2/2023"
    changed.write_text(SAMPLE_TXT.read_text(encoding="utf-8").replace(old, old.replace("15/2", "20/2")),
                       encoding="utf-8")
    return changed


async def save_reimport(client, world, folder):
    csrf = csrf_of(await (await client.get("/nhap")).text())
    review = (await upload(client, csrf, moved_reimport(folder))).headers["Location"]
    saved = await client.post(review, data={"csrf": csrf, "action": "save"}, allow_redirects=False)
    assert saved.status == 303
    return csrf


async def test_after_saving_the_board_and_the_item_page_let_the_office_choose_the_document(
        client, world, tmp_path):
    extension_id, milestone_id = request_extension(world)  # pending: nothing approved to keep
    await sign_in(client, world, HOA)
    csrf = await save_reimport(client, world, tmp_path)
    with world.sessions() as session:
        row = session.get(Milestone, milestone_id)
        assert (row.due.isoformat(), row.disputed_due.isoformat()) == ("2023-02-15", "2023-02-20")
    board = html.unescape(await (await client.get("/")).text())
    assert 'id="disputed"' in board and "tệp mới ghi 20/02/2023, đang giữ 15/02/2023" in board
    ours = item_id(world, "3.7")
    page = html.unescape(await (await client.get(f"/viec/{ours}")).text())
    assert 'id="use-document"' in page and 'id="use-decision"' not in page
    for data, problem in (({"use": "maybe"}, texts.WEB_RESOLVE_UNKNOWN),
                          ({"use": "decision"}, texts.WEB_RESOLVE_NOTHING_APPROVED.format(code="3.7"))):
        refused = await client.post(f"/viec/{ours}/chon-han", data={"csrf": csrf, **data})
        assert refused.status == 400 and problem in html.unescape(await refused.text())
    with world.sessions() as session:
        assert session.get(Milestone, milestone_id).disputed_due is not None  # unchanged
    chosen = await client.post(f"/viec/{ours}/chon-han", data={"csrf": csrf, "use": "document"},
                               allow_redirects=False)
    assert chosen.status == 303 and chosen.headers["Location"].endswith("?ok=document")
    with world.sessions() as session:
        row = session.get(Milestone, milestone_id)
        assert (row.due.isoformat(), row.disputed_due) == ("2023-02-20", None)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "item.resolve.document"))
        assert entry.before == {"Ban hành Kế hoạch": [None, "2023-02-15", "2023-02-20"]}
        assert entry.after == {"Ban hành Kế hoạch": [None, "2023-02-20"]}
    again = await client.post(f"/viec/{ours}/chon-han", data={"csrf": csrf, "use": "document"})
    assert again.status == 400 and texts.WEB_RESOLVE_NONE.format(code="3.7") in html.unescape(await again.text())
    assert 'id="disputed"' not in await (await client.get("/")).text()


async def test_choosing_a_date_is_refused_without_session_token_office_role_or_for_another_commune(
        client, world, tmp_path):
    extension_id, milestone_id = request_extension(world)
    await sign_in(client, world, HOA)
    await save_reimport(client, world, tmp_path)
    ours, theirs = item_id(world, "3.7"), item_id(world, "3.7", "UBND xã Khác")
    client.session.cookie_jar.clear()
    assert (await client.post(f"/viec/{ours}/chon-han", data={"use": "document"})).status == 401
    await sign_in(client, world, THAI)  # the chairman reads the conflict; the office chooses
    csrf = csrf_of(await (await client.get(f"/viec/{ours}")).text())
    chairman = await client.post(f"/viec/{ours}/chon-han", data={"csrf": csrf, "use": "document"})
    assert chairman.status == 403
    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get(f"/viec/{ours}")).text())
    assert (await client.post(f"/viec/{ours}/chon-han", data={"csrf": "no", "use": "document"})).status == 403
    assert (await client.post(f"/viec/{theirs}/chon-han", data={"csrf": csrf, "use": "document"})).status == 404
    with world.sessions() as session:
        assert session.get(Milestone, milestone_id).disputed_due is not None


async def test_importing_is_refused_without_session_token_or_office_role(client, world):
    assert (await client.get("/nhap")).status == 401
    await sign_in(client, world, THAI)
    with world.sessions.begin() as session:
        session.get(Person, person(session, THAI).id).is_admin = False
    assert (await client.get("/nhap")).status == 403
    await sign_in(client, world, HOA)
    csrf = csrf_of(await (await client.get("/nhap")).text())
    assert (await upload(client, "forged", SAMPLE_TXT)).status == 403
    assert (await client.get("/nhap/" + "0" * 32)).status == 404
    assert (await upload(client, csrf, SAMPLE_TXT)).status == 303
