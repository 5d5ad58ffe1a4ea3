"""The issue's whole story in the system Chromium on a phone, with a real job worker:
template → messy sheet with errors pointed out → fixed sheet imported → imported again without
duplicates → exported back unchanged."""

import io
from pathlib import Path

import openpyxl
import pytest

from zhibu.conftest import World, make_id_number, screenshot
from zhibu.ledgers.columns import MEMBER_COLUMNS
from zhibu.ledgers.models import LedgerJob
from zhibu.registry.models import Member
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_template(template: bytes, rows: list[list]) -> bytes:
    """What a clerk does: open the downloaded template and type under its hint row."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for offset, values in enumerate(rows):
        for header, value in values.items():
            sheet.cell(3 + offset, headers.index(header) + 1, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(page, base, path) -> None:
    page.goto(f"{base}/ledgers/")
    page.set_input_files("#import-form input[type=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/ledgers/jobs/**")
    page.wait_for_selector("#counts", timeout=20_000)  # the progress bar gives way to the result


def test_secretary_imports_fixes_reimports_and_exports(live_server, phone_page, job_worker, tmp_path):
    world = World()
    page, base = phone_page, live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/ledgers/")
    assert_fits_the_screen(page)
    screenshot(page, "ledgers")

    with page.expect_download() as waiting:
        page.click("#template-members")
    template = Path(waiting.value.path()).read_bytes()

    good = {
        "姓名": "𠮷田雪",
        "公民身份号码": make_id_number("440305", "19910202", 801),
        "党员类别": "预备党员",
        "入党日期": "2024.7.1",
    }
    bad = {"姓名": "陈大海", "公民身份号码": "4.40301E+17", "党员类别": "正式党员", "入党日期": "2021.06"}
    messy = tmp_path / "台账.xlsx"
    messy.write_bytes(fill_template(template, [good, bad]))
    upload(page, base, messy)
    errors = page.locator("#errors tbody tr")
    assert errors.count() == 2
    assert "公民身份号码" in errors.nth(0).inner_text() and "入党日期" in errors.nth(1).inner_text()
    assert page.locator("#commit").count() == 0
    with page.expect_download() as marked:
        page.click("#error-workbook")
    assert (
        openpyxl.load_workbook(io.BytesIO(Path(marked.value.path()).read_bytes()))
        .worksheets[0]
        .cell(1, len(MEMBER_COLUMNS) + 1)
        .value
        == "错误说明"
    )
    assert_fits_the_screen(page)
    screenshot(page, "ledger-errors")
    assert not Member.objects.filter(name="𠮷田雪").exists()

    bad |= {"公民身份号码": make_id_number("440305", "19880808", 803), "入党日期": "2021-06-01"}
    fixed = tmp_path / "台账（改）.xlsx"
    fixed.write_bytes(fill_template(template, [good, bad]))
    upload(page, base, fixed)
    assert "2" in page.locator("#counts .card").first.inner_text()
    page.click("#commit")
    page.wait_for_selector("#imported", timeout=20_000)
    screenshot(page, "ledger-imported")
    count = Member.objects.count()
    assert Member.objects.get(name="𠮷田雪").party_status == "probationary"

    upload(page, base, fixed)  # the same file again: nothing new
    assert page.locator("#commit").count() == 0 and Member.objects.count() == count

    page.goto(f"{base}/ledgers/")
    page.select_option("#export-form select[name=organization]", value=str(world.branch_a1.pk))
    page.check("#export-form input[name=reveal]")
    with page.expect_download() as exported:
        page.click("#export-form button[type=submit]")
    export = tmp_path / "export.xlsx"
    export.write_bytes(Path(exported.value.path()).read_bytes())
    upload(page, base, export)
    job = LedgerJob.objects.filter(kind="import").order_by("-created_at").first()
    assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (0, 0, 4)
