"""The office's web page in a real browser (Debian's headless chromium through selenium),
served by the real bot, with the chat through the fake Telegram and Zalo servers."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from sqlalchemy import select

from bot.app import serve
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.clock import Clock
from bot.talk import Runtime
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Extension, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, ROOT, SAMPLE_TXT
from tests.fakes import FakeTelegram, FakeZalo
from tests.test_e2e_chat import MORNING, milestone

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHAIRMAN_TG, MAI_TG, HOA_TG = 900, 501, 902
DOCS = ROOT / "docs"

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1280,2000",
                 f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(10)  # a page after a click may still be loading
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
async def world(db_url, config, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    port = free_port()
    quiet = config.reminders.model_copy(update={"tick_seconds": 3600})
    storage = config.storage.model_copy(update={"data_dir": tmp_path / "data"})
    web = config.web.model_copy(update={"listen": "127.0.0.1", "port": port,
                                        "public_url": f"http://127.0.0.1:{port}"})
    config = config.model_copy(update={"reminders": quiet, "storage": storage, "web": web})
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        for name, channel, chat in (("Hoàng Văn Thái", "telegram", CHAIRMAN_TG),
                                    ("Triệu Thị Mai", "telegram", MAI_TG),
                                    ("Ma Thị Hoa", "telegram", HOA_TG)):
            person = session.scalar(select(Person).where(Person.name == name))
            session.add(ChatLink(person_id=person.id, channel=channel, chat_id=str(chat),
                                 created_at=NOW))
    async with FakeTelegram() as tg, FakeZalo() as zl:
        yield sessions, config, tg, zl, tmp_path
    engine.dispose()


@contextlib.asynccontextmanager
async def running(world):
    sessions, config, tg, zl, tmp_path = world
    channels = {
        "telegram": TelegramChannel(tg.token, tg.base_url, api_base_file_url=tg.base_file_url,
                                    poll_timeout=0.5),
        "zalo": ZaloChannel(zl.token, zl.base_url, poll_timeout=0.5),
    }
    rt = Runtime(sessions, config, channels, Clock(MORNING, 1.0), tmp_path / "data", "web-test")
    stop = asyncio.Event()
    task = asyncio.create_task(serve(rt, stop, web=("127.0.0.1", config.web.port)))
    try:
        yield rt
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def in_browser(call, *args):
    # selenium blocks; the bot serving the page runs on this event loop.
    return await asyncio.to_thread(call, *args)


async def sign_in_from_chat(tg, driver, before: int = 0, chat: int = CHAIRMAN_TG) -> None:
    """/web in chat (after `before` messages to that chat), then the link in the browser."""
    tg.user_says(chat, "/web", first_name="Anh")
    messages = await tg.wait_for_messages(chat, before + 1, timeout=10)
    url = re.search(r"http://\S+/dang-nhap/\S+", messages[-1]["text"]).group(0)
    await in_browser(driver.get, url)
    button = await in_browser(driver.find_element, By.ID, "sign-in")
    await in_browser(button.click)
    await in_browser(driver.find_element, By.ID, "items")


def state_of(driver, code: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'tr[data-code="{code}"]').get_attribute("data-state")


async def test_the_chairman_signs_in_by_a_chat_link_and_sees_xong_on_the_board(world, browser):
    sessions, config, tg, zl, _ = world
    async with running(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)  # the morning reminder
        await sign_in_from_chat(tg, browser)
        assert await in_browser(state_of, browser, "3.7") == "not_started"
        assert "Hoàng Văn Thái" in await in_browser(lambda: browser.find_element(By.TAG_NAME, "header").text)
        tg.user_says(MAI_TG, "xong 3.7", first_name="Mai")
        await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        await in_browser(browser.refresh)
        assert await in_browser(state_of, browser, "3.7") == "in_progress"  # 1st milestone done
        await in_browser(browser.save_screenshot, str(DOCS / "office-board.png"))
        await in_browser(lambda: browser.find_element(By.CSS_SELECTOR, ".leave button").click())
        text = await in_browser(lambda: browser.find_element(By.CSS_SELECTOR, 'p.notice[role="status"]').text)
    assert "đã đăng xuất" in text
    assert milestone(sessions, "3.7").done_at is not None


async def test_the_chairman_approves_on_the_page_and_the_official_is_told_in_chat(world, browser):
    sessions, config, tg, zl, _ = world
    async with running(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_says(MAI_TG, "gia hạn 3.7 đến 28/2 vì chờ số liệu của huyện", first_name="Mai")
        await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)  # the request, with buttons
        await sign_in_from_chat(tg, browser, before=1)
        await in_browser(browser.get, browser.current_url.split("/?")[0].rstrip("/") + "/gia-han")
        card = await in_browser(browser.find_element, By.CSS_SELECTOR, "article.card")
        assert "chờ số liệu của huyện" in card.text
        await in_browser(lambda: card.find_element(By.CSS_SELECTOR, "button.yes").click())
        notice = await in_browser(lambda: browser.find_element(By.ID, "decided").text)
        told = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
    assert "duyệt gia hạn đến 28/02/2023" in notice
    assert told[2]["text"] == "✅ Chủ tịch đã duyệt gia hạn việc 3.7 đến 28/02/2023."
    with sessions() as session:
        assert session.scalar(select(Extension.status)) == "approved"
    assert milestone(sessions, "3.7").due.isoformat() == "2023-02-28"


async def test_the_office_corrects_an_owner_and_a_deadline_before_saving_an_import(world, browser):
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from tests.conftest import SAMPLE_DOCX

    sessions, config, tg, zl, _ = world
    async with running(world):
        await sign_in_from_chat(tg, browser, chat=HOA_TG)  # the office imports
        base = browser.current_url.split("/?")[0].rstrip("/")
        await in_browser(browser.get, base + "/nhap")
        chooser = await in_browser(browser.find_element, By.NAME, "file")
        await in_browser(chooser.send_keys, str(SAMPLE_DOCX))
        await in_browser(lambda: browser.find_element(By.CSS_SELECTOR, "#upload button").click())
        await in_browser(browser.find_element, By.ID, "review")

        def correct() -> None:
            Select(browser.find_element(By.NAME, "owner-3.7")).select_by_visible_text("Công chức Tư pháp")
            deadline = browser.find_element(By.NAME, "han-3.1")
            deadline.clear()
            deadline.send_keys("Trước 28/2/2023")
            old = browser.find_element(By.ID, "review")
            browser.find_element(By.CSS_SELECTOR, 'button[value="preview"]').click()
            WebDriverWait(browser, 20).until(staleness_of(old))

        await in_browser(correct)
        difference = await in_browser(lambda: browser.find_element(By.ID, "difference").text)
        row = await in_browser(lambda: browser.find_element(By.CSS_SELECTOR, 'tr[data-code="3.1"]').text)
        await in_browser(browser.save_screenshot, str(DOCS / "office-import.png"))
        await in_browser(lambda: browser.find_element(By.ID, "save-plan").click())
        await in_browser(browser.find_element, By.ID, "items")
    assert "3.7" in difference and "3.1" in difference
    assert "28/02/2023" in row
    with sessions() as session:
        from db.models import Item

        typed = session.scalar(select(Item).where(Item.code == "3.1"))
        assert [m.due.isoformat() for m in typed.milestones] == ["2023-02-28"]
        item = session.scalar(select(Item).where(Item.code == "3.7"))
        assert [a.role.name for a in item.assignments if a.part == "owner"] == ["Công chức Tư pháp"]


def reimport_file(folder: Path) -> Path:
    """The sample plan as the office sends it again: 3.7's first date moved (under the
    extension the chairman approved in chat), 3.4's date changed, 3.2 replaced by a new 3.90."""
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    [row] = [line for line in text.split("\n") if "\t3.2. " in line]
    new_row = row.replace("3.2. Xây dựng nghị quyết, quyết định",
                          "3.90. Rà soát văn bản quy phạm pháp luật mới ban hành")
    edits = {row: new_row.replace("Thường xuyên", "Trước 30/6/2023"),
             "Ban hành Kế hoạch trước 15/2/2023": "Ban hành Kế hoạch trước 20/2/2023",
             "Trước 30/11/2023": "Trước 15/11/2023"}
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / "ke-hoach-cchc-2023-sua-lan-2.txt"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_reimport_shows_its_difference_and_the_conflict_with_a_chat_decision(world, browser):
    from db.models import AuditEntry, ImportRun, Item

    sessions, config, tg, zl, tmp_path = world
    async with running(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)  # the morning reminder
        tg.user_says(MAI_TG, "gia hạn 3.7 đến 28/2 vì chờ số liệu của huyện", first_name="Mai")
        [request] = await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)
        approve = request["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        tg.user_presses(CHAIRMAN_TG, request["message_id"], approve)
        await tg.wait_for_messages(MAI_TG, 3, timeout=10)  # told: approved to 28/02
        assert milestone(sessions, "3.7").due.isoformat() == "2023-02-28"

        await sign_in_from_chat(tg, browser, chat=HOA_TG)
        base = browser.current_url.split("/?")[0].rstrip("/")
        await in_browser(browser.get, base + "/nhap")
        chooser = await in_browser(browser.find_element, By.NAME, "file")
        await in_browser(chooser.send_keys, str(reimport_file(tmp_path)))
        await in_browser(lambda: browser.find_element(By.CSS_SELECTOR, "#upload button").click())
        await in_browser(browser.find_element, By.ID, "review")

        def read(element_id: str) -> str:
            return browser.find_element(By.ID, element_id).text

        added, changed, removed, conflicts, difference = [
            await in_browser(read, name) for name in ("added", "changed", "removed", "conflicts",
                                                       "difference")]
        with sessions() as session:  # nothing is saved while the office reviews
            assert session.scalar(select(Item.removed_at).where(Item.code == "3.2")) is None
            assert milestone(sessions, "3.7").disputed_due is None
        await in_browser(browser.save_screenshot, str(DOCS / "office-reimport.png"))
        await in_browser(lambda: browser.find_element(By.ID, "save-plan").click())
        disputed = await in_browser(read, "disputed")  # the board lists what is left to choose
        await in_browser(lambda: browser.find_element(By.CSS_SELECTOR, "#disputed a").click())
        item_card = await in_browser(read, "disputed")
        await in_browser(lambda: browser.find_element(By.ID, "use-decision").click())
        notice = await in_browser(read, "notice")
        gone = await in_browser(lambda: browser.find_elements(By.ID, "disputed"))

    assert added.endswith(": 3.90")
    assert "3.4 (thời hạn)" in changed and "3.7" in changed
    assert removed.endswith(": 3.2") and "thôi nhắc" in removed
    assert "Việc 3.7 (Ban hành Kế hoạch): tệp mới ghi hạn 20/02/2023 (trước đây 15/02/2023)" in conflicts
    assert "Chủ tịch đã duyệt gia hạn" in conflicts and "giữ hạn 28/02/2023" in conflicts
    assert "python3 run.py" not in conflicts  # the page says what to do on the page
    assert "Chưa lưu gì" in difference
    assert "3.7" in disputed and "tệp mới ghi 20/02/2023, đang giữ 28/02/2023" in disputed
    assert "tệp mới ghi 20/02/2023, đang giữ 28/02/2023" in item_card
    assert "Đã giữ hạn đã gia hạn" in notice and not gone
    kept = milestone(sessions, "3.7")
    # The decision stands; the document's date became the plan's own date (on-time scoring).
    assert (kept.due.isoformat(), kept.original_due.isoformat(), kept.disputed_due) == \
        ("2023-02-28", "2023-02-20", None)
    with sessions() as session:
        run = session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert len(run.conflicts) == 1 and "3.7" in run.conflicts[0]
        assert session.scalar(select(Item.removed_at).where(Item.code == "3.2")) is not None
        assert session.scalar(select(Item).where(Item.code == "3.4")).milestones[0].due.isoformat() \
            == "2023-11-15"
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["plan.import", "item.resolve.decision"]


async def test_the_office_adds_a_person_gives_a_role_and_they_get_its_reminder_on_zalo(world, browser):
    from datetime import timedelta

    from selenium.webdriver.support.ui import Select

    from db.models import Reminder
    from jobs import engine

    sessions, config, tg, zl, _ = world
    async with running(world) as rt:
        await sign_in_from_chat(tg, browser, chat=HOA_TG)
        base = browser.current_url.split("/?")[0].rstrip("/")
        await in_browser(browser.get, base + "/nguoi")

        def add() -> None:
            form = browser.find_element(By.ID, "add-person")
            form.find_element(By.NAME, "name").send_keys("Nguyễn Văn Minh")
            Select(form.find_element(By.NAME, "role")).select_by_visible_text("Bộ phận 1 cửa")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        await in_browser(add)
        row = await in_browser(browser.find_element, By.CSS_SELECTOR, 'tr[data-person="Nguyễn Văn Minh"]')
        assert await in_browser(row.get_attribute, "data-connected") == "no"
        assert "Bộ phận 1 cửa" in await in_browser(lambda: row.text)
        await in_browser(lambda: row.find_element(By.CSS_SELECTOR, ".invite-button").click())
        code = await in_browser(lambda: browser.find_element(
            By.CSS_SELECTOR, 'tr[data-person="Nguyễn Văn Minh"] .invite .code').text)

        zl.user_says("minh-zalo", code, display_name="Minh")
        welcome = await zl.wait_for_messages("minh-zalo", 1, timeout=10)
        with sessions() as session:
            minh = session.scalar(select(Person).where(Person.name == "Nguyễn Văn Minh"))
            due = session.scalar(select(Reminder.send_at).where(
                Reminder.person_id == minh.id, Reminder.status == "planned")
                .order_by(Reminder.send_at))
        assert due is not None
        # The next reminder morning for the role's items comes (the console's /ngay does this).
        at = max(due, rt.clock.now()) + timedelta(seconds=1)
        await engine.tick(rt.sessions, rt.config, rt.channels, at, rt.holder)
        reminded = await zl.wait_for_messages("minh-zalo", 2, timeout=10)
        await in_browser(browser.refresh)
        connected = await in_browser(lambda: browser.find_element(
            By.CSS_SELECTOR, 'tr[data-person="Nguyễn Văn Minh"]').get_attribute("data-connected"))
    assert "Nguyễn Văn Minh" in welcome[0]["text"]
    assert "3.7" in reminded[1]["text"]
    assert connected == "yes"
