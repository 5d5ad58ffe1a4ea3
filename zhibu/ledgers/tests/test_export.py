"""Exports: same columns as the template, masked unless revealed, audited, safe to open, printable."""

import io
import time

import openpyxl
import pypdf
from django.urls import reverse
from django.utils import translation

from zhibu.core.models import AuditEvent
from zhibu.core.scope import SystemActor
from zhibu.ledgers import services
from zhibu.ledgers.models import LedgerJob
from zhibu.registry.models import Member


def export(client, org, **options):
    body = {"organization": org.pk, "format": "xlsx"} | options
    return client.post(reverse("ledgers:export"), body)


def rows_of(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]


def test_export_is_masked_by_default_and_audited(world, login):
    client = login("secretary")
    response = export(client, world.branch_a1)
    assert response["Content-Disposition"].startswith("attachment;")
    rows = rows_of(response)
    header, data = rows[0], rows[1:]
    ids = [row[header.index("公民身份号码")] if "公民身份号码" in header else row[1] for row in data]
    assert len(data) == 2 and all("*" in value for value in ids)
    assert world.zhang.id_number not in response.content.decode("latin-1")
    event = AuditEvent.objects.get(action="export")
    assert event.changes == {"rows": 2, "revealed": False, "format": "xlsx", "per_branch": False}
    assert event.actor == world.users["secretary"] and event.org_id == world.branch_a1.pk


def test_full_numbers_only_for_actors_who_may_reveal(world, login):
    client = login("secretary")
    rows = rows_of(export(client, world.branch_a1, reveal="on"))
    assert world.zhang.id_number in {value for row in rows for value in row}
    assert AuditEvent.objects.get(action="export").changes["revealed"] is True

    client = login("city")  # reads the whole city, may not reveal
    page = export(client, world.branch_a1, reveal="on")
    assert page["Content-Type"].startswith("application/vnd.openxmlformats")
    assert world.zhang.id_number not in {value for row in rows_of(page) for value in row}


def test_cells_that_would_run_as_formulas_are_neutralised(world, login):
    Member.objects.filter(pk=world.zhang.pk).update(name='=HYPERLINK("http://x")')
    rows = rows_of(export(login("secretary"), world.branch_a1))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names


def test_one_sheet_per_branch(world, login):
    response = export(login("industry"), world.company_a, per_branch="on")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["A 公司第一党支部", "A 公司流动党员党支部"]
    assert book["A 公司流动党员党支部"].max_row == 2


def test_export_then_import_changes_nothing(world, login):
    response = export(login("industry"), world.industry, reveal="on", per_branch="on")
    result = services.import_file(
        SystemActor("test"),
        org=world.industry,
        dataset="members",
        data=response.content,
        file_name="x.xlsx",
        dry_run=True,
    )
    plan = result.plan
    assert plan.problems == []
    assert (plan.count("create"), plan.count("update"), plan.count("unchanged")) == (0, 0, Member.objects.count())


def test_a_large_export_runs_as_a_job_and_ends_in_a_download(job_worker, world, login, settings):
    settings.LEDGER_INLINE_EXPORT_ROWS = 1
    client = login("industry")
    response = export(client, world.industry)
    job = LedgerJob.objects.get(kind="export")
    assert response.status_code == 302 and response.url == reverse("ledgers:job", args=[job.pk])
    deadline = time.monotonic() + 20
    while LedgerJob.objects.get(pk=job.pk).state != LedgerJob.State.DONE and time.monotonic() < deadline:
        time.sleep(0.05)
    page = client.get(reverse("ledgers:job", args=[job.pk])).content.decode()
    assert 'id="download"' in page
    download = client.get(reverse("ledgers:job_download", args=[job.pk]))
    assert len(rows_of(download)) == 1 + Member.objects.count()
    assert login("secretary").get(reverse("ledgers:job_download", args=[job.pk])).status_code == 404


def test_printable_pdf_is_a4_landscape_with_chinese_fonts_embedded(world, login):
    response = export(login("secretary"), world.branch_a1, format="pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    descriptors = [font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object() for font in fonts]
    assert any("CJK" in str(font["/BaseFont"]) for font in fonts)
    assert all(
        any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")) for descriptor in descriptors
    )
    text = page.extract_text()
    assert "张晓明" in text and world.zhang.id_number not in text


def test_a_masked_export_imported_back_is_refused_with_the_way_out(world, login):
    response = export(login("secretary"), world.branch_a1)
    with translation.override("en"):
        plan = services.import_file(
            world.users["secretary"],
            org=world.branch_a1,
            dataset="members",
            data=response.content,
            file_name="x.xlsx",
            dry_run=False,
        ).plan
    id_errors = [problem for problem in plan.problems if problem.column == "公民身份号码"]
    assert len(id_errors) == 2 and "Export the ledger again with full ID and phone numbers" in id_errors[0].message
    assert Member.objects.get(pk=world.zhang.pk).id_number == world.zhang.id_number


def test_a_pdf_of_several_branches_starts_each_on_its_own_page(world, login):
    response = export(login("industry"), world.company_a, format="pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) == 2
    assert "A 公司第一党支部" in pages[0] and "张晓明" in pages[0] and "王强" not in pages[0]
    assert "A 公司流动党员党支部" in pages[1] and "王强" in pages[1]
