"""Re-importing a plan keeps what was decided in the bot: extensions stay in force, a done mark
stays on its milestone, a milestone the document drops is retired with its history, and a
document date that disagrees with a decision is reported and waits for the office."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from bot import cli
from bot.status import load_items
from db.models import ImportRun, Item, ItemReply, Milestone, Reminder
from tests.conftest import NOW, SAMPLE_TXT
from tests.replay import at, build, say

BAN_HANH = "Ban hành Kế hoạch trước 15/2/2023"
TWO_DEADLINES = "Ban hành Kế hoạch trước 15/2/2023; báo cáo kết quả thực hiện trước 31/3/2023"


def with_db(config, db_url):
    return config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})


def edited(tmp_path, old: str, new: str, name: str = "ke-hoach-sua.txt"):
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def reimport(config, path, when: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = cli.cmd_import(config, path, year=None, unit=None, dry_run=False, as_json=False,
                              now=at(when), out=out)
    return code, out.getvalue(), err.getvalue()


def plan_cmd(config, action: str, when: str, **options) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.cmd_plan(config, action, None, at(when), out, **options)
    return code, out.getvalue()


def milestones_of(sessions, code: str) -> list[Milestone]:
    with sessions() as session:
        item = session.scalar(select(Item).where(Item.code == code))
        return list(item.all_milestones)


async def extend_3_7(sessions, config, tmp_path, approve: bool = True) -> None:
    answer = await say(sessions, config, tmp_path, "2023-02-10 08:00", "Triệu Thị Mai",
                       "gia hạn 3.7 đến 28/2/2023 vì chờ hướng dẫn")
    assert "28/02/2023" in answer
    if approve:
        decided = await say(sessions, config, tmp_path, "2023-02-10 09:00", "Hoàng Văn Thái",
                            "duyệt 3.7")
        assert "3.7" in decided


async def test_an_approved_extension_survives_the_reimport_of_the_unchanged_file(
        db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    config = with_db(config, db_url)
    await extend_3_7(sessions, config, tmp_path)
    code, report, _ = reimport(config, SAMPLE_TXT, "2023-02-11 08:00")
    assert code == 0
    assert "thêm 0, cập nhật 0, giữ nguyên 46, không còn trong tệp 0, thời hạn chờ quyết định 0" in report
    first = milestones_of(sessions, "3.7")[0]
    assert (first.due, first.original_due, first.disputed_due) == (
        date(2023, 2, 28), date(2023, 2, 15), None)
    with sessions() as session:
        # Neither reminded nor reported late against the date the chairman moved.
        planned = {(r.kind, r.scheduled_on) for r in session.scalars(
            select(Reminder).where(Reminder.milestone_id == first.id, Reminder.status == "planned"))}
        assert ("due", date(2023, 2, 15)) not in planned
        assert ("due", date(2023, 2, 28)) in planned
        [item] = [v for v in load_items(session, [1], date(2023, 2, 20), config.reminders.zone)
                  if v.code == "3.7"]
        assert item.milestones[0].state == "not_started"
    engine.dispose()


async def test_a_document_date_against_an_approved_extension_is_a_conflict_the_office_resolves(
        db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    config = with_db(config, db_url)
    await extend_3_7(sessions, config, tmp_path)
    path = edited(tmp_path, BAN_HANH, "Ban hành Kế hoạch trước 20/2/2023")
    code, report, _ = reimport(config, path, "2023-02-11 08:00")
    assert code == 0
    assert "thời hạn chờ quyết định 1" in report
    assert ("Mục 3.7 (Ban hành Kế hoạch): tệp ghi hạn 20/02/2023 (trước đây 15/02/2023), "
            "nhưng Chủ tịch đã duyệt gia hạn. Giữ hạn 28/02/2023.") in report
    first = milestones_of(sessions, "3.7")[0]
    assert (first.due, first.original_due, first.disputed_due) == (
        date(2023, 2, 28), date(2023, 2, 15), date(2023, 2, 20))
    with sessions() as session:
        run = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()[-1]
        assert len(run.conflicts) == 1 and "3.7" in run.conflicts[0]
    # Importing the same file again reports it again: nothing is decided by importing.
    assert "thời hạn chờ quyết định 1" in reimport(config, path, "2023-02-12 08:00")[1]
    code, listing = plan_cmd(config, "list", "2023-02-12 09:00")
    assert "1 thời hạn chờ văn phòng quyết định" in listing

    code, out = plan_cmd(config, "resolve", "2023-02-12 09:00", which="2023", code="3.7",
                         use="decision")
    assert code == 0
    assert "Mục 3.7 (Ban hành Kế hoạch): hạn nay là 28/02/2023 (hạn theo kế hoạch 20/02/2023)." in out
    first = milestones_of(sessions, "3.7")[0]
    assert (first.due, first.original_due, first.disputed_due) == (
        date(2023, 2, 28), date(2023, 2, 20), None)
    assert "thời hạn chờ quyết định 0" in reimport(config, path, "2023-02-13 08:00")[1]
    engine.dispose()


async def test_the_office_may_take_the_document_date_instead(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    config = with_db(config, db_url)
    await extend_3_7(sessions, config, tmp_path)
    path = edited(tmp_path, BAN_HANH, "Ban hành Kế hoạch trước 10/3/2023")
    reimport(config, path, "2023-02-11 08:00")
    code, out = plan_cmd(config, "resolve", "2023-02-12 09:00", which="1", code="3.7",
                         use="document")
    assert code == 0
    first = milestones_of(sessions, "3.7")[0]
    assert (first.due, first.original_due, first.disputed_due) == (
        date(2023, 3, 10), date(2023, 3, 10), None)
    # With nothing left to decide, the next document date applies as any other.
    later = edited(tmp_path, BAN_HANH, "Ban hành Kế hoạch trước 17/3/2023", "lan-3.txt")
    assert "thời hạn chờ quyết định 0" in reimport(config, later, "2023-02-13 08:00")[1]
    assert milestones_of(sessions, "3.7")[0].due == date(2023, 3, 17)
    # A second resolve finds nothing to resolve and says so.
    code, _ = plan_cmd(config, "resolve", "2023-02-13 09:00", which="1", code="3.7", use="document")
    assert code == 2
    engine.dispose()


async def test_a_pending_extension_keeps_the_date_until_the_office_resolves(db_url, config,
                                                                             tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    config = with_db(config, db_url)
    await extend_3_7(sessions, config, tmp_path, approve=False)
    path = edited(tmp_path, BAN_HANH, "Ban hành Kế hoạch trước 20/2/2023")
    code, report, _ = reimport(config, path, "2023-02-11 08:00")
    assert "đang có yêu cầu gia hạn chờ Chủ tịch duyệt" in report
    first = milestones_of(sessions, "3.7")[0]
    assert (first.due, first.disputed_due) == (date(2023, 2, 15), date(2023, 2, 20))
    # Keeping "the decision" needs one: only the document's date can be taken.
    code, _ = plan_cmd(config, "resolve", "2023-02-12 09:00", which="1", code="3.7",
                       use="decision")
    assert code == 2
    assert plan_cmd(config, "resolve", "2023-02-12 09:00", which="1", code="3.7",
                    use="document")[0] == 0
    assert milestones_of(sessions, "3.7")[0].due == date(2023, 2, 20)
    engine.dispose()


async def test_a_dropped_milestone_is_retired_with_its_done_mark_and_never_transferred(
        db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    config = with_db(config, db_url)
    await say(sessions, config, tmp_path, "2023-02-14 08:00", "Triệu Thị Mai", "xong 3.7")
    await say(sessions, config, tmp_path, "2023-03-01 08:00", "Triệu Thị Mai", "3.7 đang làm 30%")
    before = milestones_of(sessions, "3.7")
    assert before[0].done_at is not None and before[1].done_at is None

    path = edited(tmp_path, TWO_DEADLINES, "báo cáo kết quả thực hiện trước 31/3/2023")
    code, report, _ = reimport(config, path, "2023-03-02 08:00")
    assert "Mục 3.7 thay đổi: thời hạn." in report
    ban_hanh, bao_cao = milestones_of(sessions, "3.7")
    assert [m.id for m in (ban_hanh, bao_cao)] == [m.id for m in before]
    assert ban_hanh.retired_at == at("2023-03-02 08:00") and ban_hanh.done_at == before[0].done_at
    assert bao_cao.retired_at is None and bao_cao.done_at is None  # not done by the import
    with sessions() as session:
        replies = {(r.milestone_id, r.intent, r.percent) for r in session.scalars(select(ItemReply))}
        assert {(ban_hanh.id, "done", None), (bao_cao.id, "progress", 30)} <= replies
        assert session.scalars(select(Reminder).where(Reminder.milestone_id == ban_hanh.id,
                                                      Reminder.status == "planned")).all() == []
        [item] = [v for v in load_items(session, [1], date(2023, 3, 2), config.reminders.zone)
                  if v.code == "3.7"]
        assert [(m.label, m.state) for m in item.milestones] == [
            ("báo cáo kết quả thực hiện", "in_progress")]
    # The reply now goes to the milestone in force.
    answer = await say(sessions, config, tmp_path, "2023-03-03 08:00", "Triệu Thị Mai", "xong 3.7")
    assert "báo cáo kết quả thực hiện" in answer

    # The original document brings the milestone back, done as it was.
    code, report, _ = reimport(config, SAMPLE_TXT, "2023-03-04 08:00")
    back = milestones_of(sessions, "3.7")[0]
    assert (back.id, back.retired_at, back.done_at) == (ban_hanh.id, None, before[0].done_at)
    engine.dispose()


async def test_a_changed_role_match_counts_as_a_change(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    from bot.people import add_alias, ensure_unit, find_role

    config = with_db(config, db_url)
    # The alias is added in the database (config.toml only seeds the roles).
    with sessions.begin() as session:
        unit = ensure_unit(session, config.units[0])
        add_alias(session, find_role(session, unit, "Công chức Tư pháp"), "Phòng Nội vụ")
    code, report, _ = reimport(config, SAMPLE_TXT, "2023-02-01 08:00")
    assert "Mục 3.60 thay đổi: người phụ trách." in report
    assert "cập nhật 0" not in report
    assert "thêm 0, cập nhật 0" in reimport(config, SAMPLE_TXT, "2023-02-02 08:00")[1]
    engine.dispose()
