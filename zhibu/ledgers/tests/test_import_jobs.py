"""A secretary's import through the web: upload, background check, preview, commit, with a real worker."""

import io
import json
import time

import openpyxl
import pytest
from django.urls import reverse

from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.ledgers import files
from zhibu.ledgers.models import LedgerJob
from zhibu.registry.models import Member

HEADER = ["姓名", "公民身份号码", "人员类别", "入党日期", "手机号码", "所在党组织"]


def workbook(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["A 公司第一党支部党员台账（2026年11月）"])  # a title row above the header
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows(count=3, start=500):
    return [
        [
            f"新党员{i}",
            make_id_number("440305", "19900101", start + i),
            "正式党员",
            "2015-07-01",
            f"1380013{8000 + i}",
            "A 公司第一党支部",
        ]
        for i in range(count)
    ]


def wait_for(job_id, states, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = LedgerJob.objects.get(pk=job_id)
        if job.state in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job stayed {job.state}")


def upload(client, world, data, name="台账.xlsx", org=None):
    file = io.BytesIO(data)
    file.name = name
    body = {"organization": (org or world.branch_a1).pk, "dataset": "members", "file": file}
    return client.post(reverse("ledgers:upload"), body)


def test_upload_check_preview_and_commit(job_worker, world, login):
    client = login("secretary")
    before = Member.objects.count()
    response = upload(client, world, workbook(good_rows(3)))
    job = LedgerJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("ledgers:job", args=[job.pk])

    job = wait_for(job.pk, {LedgerJob.State.CHECKED})
    assert (job.result["created"], job.result["updated"], job.result["error_count"]) == (3, 0, 0)
    assert Member.objects.count() == before, "a check writes nothing"
    page = client.get(reverse("ledgers:job", args=[job.pk])).content.decode()
    assert 'id="commit"' in page and "新党员0" in page

    assert client.post(reverse("ledgers:job_commit", args=[job.pk])).status_code == 302
    job = wait_for(job.pk, {LedgerJob.State.DONE})
    assert Member.objects.count() == before + 3
    member = Member.objects.get(name="新党员1")
    assert member.home_org == world.branch_a1 and member.phone == "13800138001"
    assert AuditEvent.objects.filter(action="create", object_type="registry.member").count() >= 3
    assert AuditEvent.objects.filter(action="import", object_id=str(world.branch_a1.pk)).count() == 1
    assert not files.exists(job.pk, files.UPLOAD), "the upload is removed once imported"


def test_reimporting_an_updated_file_updates_instead_of_duplicating(job_worker, world, login):
    client = login("secretary")
    rows = good_rows(2)
    upload(client, world, workbook(rows))
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    client.post(reverse("ledgers:job_commit", args=[job.pk]))
    wait_for(job.pk, {LedgerJob.State.DONE})
    count = Member.objects.count()

    rows[1][4] = "13900139000"
    upload(client, world, workbook(rows))
    second = wait_for(LedgerJob.objects.exclude(pk=job.pk).get().pk, {LedgerJob.State.CHECKED})
    assert (second.result["created"], second.result["updated"], second.result["unchanged"]) == (0, 1, 1)
    client.post(reverse("ledgers:job_commit", args=[second.pk]))
    wait_for(second.pk, {LedgerJob.State.DONE})
    assert Member.objects.count() == count
    assert Member.objects.get(name="新党员1").phone == "13900139000"


def test_a_file_with_errors_lists_them_marks_them_and_cannot_be_committed(job_worker, world, login):
    client = login("secretary")
    rows = good_rows(3)
    rows[1][1] = "440305199001011235"  # wrong check digit
    rows[2][3] = "2099-01-01"
    upload(client, world, workbook(rows))
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    assert job.result["error_count"] == 2 and not job.can_commit
    assert {(e["row"], e["column"]) for e in job.result["errors"]} == {(4, "公民身份号码"), (5, "入党日期")}

    page = client.get(reverse("ledgers:job", args=[job.pk])).content.decode()
    assert 'id="commit"' not in page and 'id="error-workbook"' in page

    marked = openpyxl.load_workbook(io.BytesIO(client.get(reverse("ledgers:job_errors", args=[job.pk])).content))
    sheet = marked.active
    assert sheet.cell(2, 7).value == "错误说明"
    assert sheet.cell(4, 2).fill.fgColor.rgb.endswith("FFC7CE"), "the bad ID cell is highlighted"
    assert sheet.cell(3, 2).fill.fgColor.rgb in (None, "00000000"), "a good cell is not"
    assert sheet.cell(4, 7).value.startswith("公民身份号码: ") and "校验" in sheet.cell(4, 7).value

    response = client.post(reverse("ledgers:job_commit", args=[job.pk]))
    assert response.status_code == 302
    assert LedgerJob.objects.get(pk=job.pk).state == LedgerJob.State.CHECKED
    assert not Member.objects.filter(name__startswith="新党员").exists(), "nothing of the file is written"


def test_the_registry_changing_after_the_check_is_caught_at_commit(job_worker, world, login):
    from zhibu.registry import services

    client = login("secretary")
    rows = good_rows(2)
    upload(client, world, workbook(rows))
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    # Meanwhile the branch is dissolved: the commit checks again and writes nothing.
    services.update_organization(world.users["admin"], world.refresh(world.branch_a1), dissolved_on="2026-01-01")
    client.post(reverse("ledgers:job_commit", args=[job.pk]))
    job = wait_for(job.pk, {LedgerJob.State.CHECKED}, timeout=20)
    while LedgerJob.objects.get(pk=job.pk).state != LedgerJob.State.CHECKED:
        time.sleep(0.05)
    job.refresh_from_db()
    assert job.result.get("changed_since_check") and job.result["error_count"] == 2
    assert not Member.objects.filter(name__startswith="新党员").exists()


def test_an_importer_writes_only_into_their_own_subtree(job_worker, world, login):
    client = login("secretary")
    # Another company's branch cannot be chosen as the target...
    response = upload(client, world, workbook(good_rows(1)), org=world.branch_b1)
    assert response.status_code == 200 and not LedgerJob.objects.exists()
    # ...nor named in a row.
    rows = good_rows(1)
    rows[0][5] = "B 公司党支部"
    upload(client, world, workbook(rows))
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    assert job.result["error_count"] == 1 and job.result["errors"][0]["column"] == "所在党组织"
    # ...nor can an existing member of another company be taken over by ID number.
    rows = good_rows(1)
    rows[0][1] = world.zhao.id_number
    upload(client, world, workbook(rows))
    third = wait_for(LedgerJob.objects.order_by("-created_at").first().pk, {LedgerJob.State.CHECKED})
    assert third.result["errors"][0]["column"] == "公民身份号码"
    assert Member.objects.get(pk=world.zhao.pk).home_org == world.branch_b1


def test_a_bad_file_is_reported_on_the_job_page(job_worker, world, login):
    client = login("secretary")
    upload(client, world, b"\x89PNG\r\n\x1a\n not a workbook", name="台账.xlsx")
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    page = client.get(reverse("ledgers:job", args=[job.pk])).content.decode()
    assert 'id="file-error"' in page and not job.can_commit


def test_progress_survives_a_reload_and_is_private(world, login, settings):
    """Without a worker the job waits: its page shows the bar, polled by htmx, whoever reloads it."""
    client = login("secretary")
    upload(client, world, workbook(good_rows(1)))
    job = LedgerJob.objects.get()
    files.write_progress(job.pk, LedgerJob.State.CHECKING, 40, 100)
    for _reload in range(2):
        page = client.get(reverse("ledgers:job", args=[job.pk])).content.decode()
        assert 'aria-valuenow="40"' in page and reverse("ledgers:job_progress", args=[job.pk]) in page
    fragment = client.get(reverse("ledgers:job_progress", args=[job.pk]))
    assert fragment.status_code == 200 and b'aria-valuenow="40"' in fragment.content
    login("secretary2")
    assert client.get(reverse("ledgers:job", args=[job.pk])).status_code == 404


def test_an_upload_is_sealed_on_disk(world, login):
    client = login("secretary")
    rows = good_rows(1)
    upload(client, world, workbook(rows))
    job = LedgerJob.objects.get()
    raw = (files.job_dir(job.pk) / files.UPLOAD).read_bytes()
    assert b"PK" not in raw[:8] and rows[0][1].encode() not in raw
    assert files.unseal(job.pk, files.UPLOAD).startswith(b"PK")


def test_an_upload_over_the_limit_is_refused_without_a_job(world, login, settings):
    settings.LEDGER_MAX_FILE_MB = 1
    client = login("secretary")
    response = upload(client, world, b"x" * (1024 * 1024 + 10))
    assert response.status_code == 200 and "1 MB" in response.content.decode()
    assert not LedgerJob.objects.exists()


@pytest.mark.parametrize("dataset", ["members", "organizations"])
def test_templates_have_headers_hints_and_drop_downs(world, login, dataset):
    client = login("secretary")
    response = client.get(reverse("ledgers:template", args=[dataset]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert ("公民身份号码" in headers) if dataset == "members" else ("党组织代码" in headers)
    assert all(cell.value for cell in sheet[2]), "every column has a hint"
    assert book["lists"].sheet_state == "hidden"
    lists = [validation.formula1 for validation in sheet.data_validations.dataValidation]
    assert lists and all(formula.startswith("lists!") for formula in lists)
    if dataset == "members":
        options = {cell.value for column in book["lists"].iter_cols() for cell in column}
        assert {"正式党员", "预备党员", "A 公司第一党支部"} <= options
        assert "B 公司党支部" not in options, "only organisations the secretary may import into"


def test_job_files_are_removed_after_a_day(world, login):
    import os

    from zhibu.ledgers import services

    client = login("secretary")
    upload(client, world, workbook(good_rows(1)))
    old, new = LedgerJob.objects.get(), None
    upload(client, world, workbook(good_rows(1)))
    new = LedgerJob.objects.exclude(pk=old.pk).get()
    day_ago = time.time() - 25 * 3600
    os.utime(files.job_dir(old.pk), (day_ago, day_ago))
    assert services.purge_expired_files() == 1
    assert not files.job_dir(old.pk).exists() and files.exists(new.pk, files.UPLOAD)


def test_a_job_speaks_the_language_of_whoever_started_it(job_worker, world, login):
    client = login("secretary")
    rows = good_rows(1)
    rows[0][3] = "2021.06"
    file = io.BytesIO(workbook(rows))
    file.name = "ledger.xlsx"
    body = {"organization": world.branch_a1.pk, "dataset": "members", "file": file}
    client.post(reverse("ledgers:upload"), body, HTTP_ACCEPT_LANGUAGE="en")
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    assert job.language == "en"
    assert job.result["errors"][0]["message"].startswith("2021.06 gives only a month")


def test_a_job_whose_worker_stopped_can_be_discarded(world, login):
    client = login("secretary")
    upload(client, world, workbook(good_rows(1)))
    job = LedgerJob.objects.get()
    assert client.post(reverse("ledgers:job_discard", args=[job.pk])).status_code == 302
    assert LedgerJob.objects.get(pk=job.pk).state == LedgerJob.State.QUEUED, "a live job is not discarded"

    progress = files.job_dir(job.pk) / files.PROGRESS
    files.write_progress(job.pk, "checking", 5, 10)
    an_hour_ago = json.loads(progress.read_text()) | {"at": time.time() - 3600}
    progress.write_text(json.dumps(an_hour_ago))
    assert 'id="stalled"' in client.get(reverse("ledgers:job", args=[job.pk])).content.decode()
    client.post(reverse("ledgers:job_discard", args=[job.pk]))
    assert LedgerJob.objects.get(pk=job.pk).state == LedgerJob.State.DISCARDED
    assert not files.job_dir(job.pk).exists()
