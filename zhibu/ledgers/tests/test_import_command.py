"""`manage.py import_ledger`: the administrator's import, with the same checks and all-or-nothing commit."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from zhibu.core.models import AuditEvent
from zhibu.ledgers.tests import sheets
from zhibu.ledgers.tests.sheets import MEMBER_HEADER, member_row, member_rows
from zhibu.registry.models import Member, Organization


def run(path, *options, org="branch-a1") -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the command, in English."""
    out, err = StringIO(), StringIO()
    status = 0
    with translation.override("en"):
        try:
            call_command("import_ledger", str(path), "--org", org, *options, stdout=out, stderr=err)
        except SystemExit as exit_:
            status = exit_.code
    return status, out.getvalue(), err.getvalue()


def run_json(path, *options, **kwargs) -> tuple[int, dict]:
    status, out, err = run(path, "--json", *options, **kwargs)
    report = json.loads(out)  # exactly one JSON object: anything else around it fails to parse
    assert isinstance(report, dict) and err == ""
    assert {"created", "updated", "unchanged", "errors"} <= report.keys()
    for error in report["errors"]:
        assert {"row", "column", "message"} <= error.keys()
    return status, report


def counts(report: dict) -> tuple[int, int, int]:
    return report["created"], report["updated"], report["unchanged"]


@pytest.fixture
def ledger(tmp_path):
    rows = [MEMBER_HEADER, *member_rows(3, 900)]
    return rows, sheets.save(tmp_path, "台账.xlsx", sheets.xlsx(rows, title="A 公司第一党支部党员台账"))


def test_json_output_is_one_object_with_the_counts(world, ledger):
    _rows, path = ledger
    status, report = run_json(path)
    assert status == 0
    assert counts(report) == (3, 0, 0) and report["errors"] == []
    assert report["committed"] is True


def test_a_dry_run_writes_nothing(world, ledger):
    _rows, path = ledger
    before, audit_before = Member.objects.count(), AuditEvent.objects.count()
    status, report = run_json(path, "--dry-run")
    assert status == 0 and counts(report) == (3, 0, 0)
    assert report["committed"] is False
    assert Member.objects.count() == before and AuditEvent.objects.count() == audit_before


def test_a_real_run_creates_members_and_a_second_run_changes_nothing(world, ledger):
    rows, path = ledger
    before = Member.objects.count()
    assert run_json(path)[1]["created"] == 3
    assert Member.objects.count() == before + 3
    member = Member.objects.get(name=rows[1][0])
    assert (member.id_number, member.phone, member.home_org) == (rows[1][1], rows[1][4], world.branch_a1)

    status, report = run_json(path)
    assert status == 0 and counts(report) == (0, 0, 3)
    assert Member.objects.count() == before + 3, "no duplicates"
    assert AuditEvent.objects.filter(action="update", object_type="registry.member").count() == 0


def test_an_updated_file_updates_only_what_changed(world, ledger, tmp_path):
    rows, path = ledger
    run_json(path)
    rows[2][4] = "13999990902"
    changed = sheets.save(tmp_path, "台账-改.csv", sheets.csv_bytes(rows, encoding="gb18030"))
    status, report = run_json(changed)
    assert status == 0 and counts(report) == (0, 1, 2)
    assert Member.objects.get(name=rows[2][0]).phone == "13999990902"
    assert Member.objects.get(name=rows[1][0]).phone == rows[1][4]
    event = AuditEvent.objects.get(action="update", object_type="registry.member")
    assert set(event.changes) == {"phone"} and "13999990902" not in json.dumps(event.changes)


def test_errors_exit_non_zero_and_nothing_is_written(world, tmp_path):
    rows = [MEMBER_HEADER, *member_rows(4, 910)]
    rows[3][3] = "2021.06"
    path = sheets.save(tmp_path, "台账.xlsx", sheets.xlsx(rows))
    before = Member.objects.count()
    status, report = run_json(path)
    assert status != 0
    assert report["errors"] == [
        {
            "sheet": "党员",
            "row": 4,
            "column": "入党日期",
            "message": "2021.06 gives only a month; this column needs the full date, such as 2021-06-01.",
        }
    ]
    assert report["committed"] is False
    assert Member.objects.count() == before, "all or nothing: the three good rows are not written either"
    assert not AuditEvent.objects.filter(action="import").exists()


def test_a_file_that_is_not_a_spreadsheet_is_reported_in_json(world, tmp_path):
    path = sheets.save(tmp_path, "台账.xlsx", sheets.PNG)
    status, report = run_json(path)
    assert status != 0 and counts(report) == (0, 0, 0)
    [error] = report["errors"]
    assert error["row"] is None and "neither a spreadsheet nor text" in error["message"]


def test_plain_output_names_each_error_and_says_nothing_was_written(world, tmp_path):
    rows = [MEMBER_HEADER, member_row(920), [*member_row(921)[:4], "12345"]]
    path = sheets.save(tmp_path, "台账.csv", sheets.csv_bytes(rows, bom=True))
    status, out, err = run(path)
    assert status != 0
    assert "created 1" in out
    assert "row 3, 手机号码: Enter an 11-digit mainland mobile number" in err
    assert "1 error(s); nothing was written" in err
    assert not Member.objects.filter(name="党员920").exists()


def test_a_bad_organisation_code_or_a_missing_file_is_a_command_error(world, ledger, tmp_path):
    _rows, path = ledger
    with pytest.raises(CommandError, match="no organisation has the code nowhere"):
        call_command("import_ledger", str(path), "--org", "nowhere", stdout=StringIO())
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_ledger", str(tmp_path / "missing.xlsx"), "--org", "branch-a1", stdout=StringIO())


def test_an_organisation_ledger_creates_branches_under_an_existing_organisation(world, tmp_path):
    header = ["党组织名称", "党组织编码", "上级党组织编码", "组织类别", "成立日期"]
    rows = [
        header,
        ["A 公司第二党支部", "branch-a2", "company-a", "Party branch", "2024-03-01"],
        ["A 公司第三党支部（南山）", "branch-a3", "company-a", "branch", "2024.3.15"],
    ]
    path = sheets.save(tmp_path, "组织.xlsx", sheets.xlsx(rows, title="A 快递公司党委下属党组织"))
    before = Organization.objects.count()

    status, report = run_json(path, "--dataset", "organizations", "--dry-run", org="company-a")
    assert status == 0 and counts(report) == (2, 0, 0) and Organization.objects.count() == before

    status, report = run_json(path, "--dataset", "organizations", org="company-a")
    assert status == 0 and counts(report) == (2, 0, 0) and report["errors"] == []
    company_a = world.refresh(world.company_a)
    second, third = Organization.objects.get(code="branch-a2"), Organization.objects.get(code="branch-a3")
    assert Organization.objects.get_parent(second) == company_a == Organization.objects.get_parent(third)
    assert (second.name, second.kind, str(second.founded_on)) == ("A 公司第二党支部", "branch", "2024-03-01")
    assert (third.name, str(third.founded_on)) == ("A 公司第三党支部（南山）", "2024-03-15")

    status, report = run_json(path, "--dataset", "organizations", org="company-a")
    assert status == 0 and counts(report) == (0, 0, 2)
    assert Organization.objects.count() == before + 2


def test_an_organisation_ledger_outside_the_target_is_refused_whole(world, tmp_path):
    header = ["党组织名称", "党组织编码", "上级党组织编码", "组织类别"]
    rows = [
        header,
        ["A 公司第二党支部", "branch-a2", "company-a", "Party branch"],
        ["B 的支部", "b2", "company-b", "branch"],
    ]
    path = sheets.save(tmp_path, "组织.csv", sheets.csv_bytes(rows))
    before = Organization.objects.count()
    status, report = run_json(path, "--dataset", "organizations", org="company-a")
    assert status != 0
    assert [(error["row"], error["column"]) for error in report["errors"]] == [(3, "上级党组织编码")]
    assert Organization.objects.count() == before


@pytest.mark.parametrize(("column", "header"), [(2, "人员类别"), (3, "入党日期")])
def test_an_empty_required_cell_for_an_existing_member_is_a_row_error(world, tmp_path, column, header):
    row = [world.zhang.name, world.zhang.id_number, "正式党员", "2015-07-01", world.zhang.phone]
    row[column] = ""
    path = sheets.save(tmp_path, "台账.xlsx", sheets.xlsx([MEMBER_HEADER, row]))
    status, report = run_json(path, "--dry-run")
    assert status != 0, "the check must already find the empty cell"
    assert [(error["row"], error["column"]) for error in report["errors"]] == [(2, header)]
    status, report = run_json(path)
    assert status != 0 and report["committed"] is False
    zhang = Member.objects.get(pk=world.zhang.pk)
    assert (zhang.party_status, str(zhang.joined_on)) == ("full", "2015-07-01")


ORG_HEADER = ["党组织名称", "党组织编码", "上级党组织编码", "组织类别", "成立日期", "撤销日期"]


def test_the_check_of_an_organisation_ledger_applies_the_registry_rules(world, tmp_path):
    rows = [ORG_HEADER, ["A 公司第二党支部", "branch-a2", "company-a", "Party branch", "2024-03-01", "2020-01-01"]]
    path = sheets.save(tmp_path, "组织.xlsx", sheets.xlsx(rows))
    status, report = run_json(path, "--dataset", "organizations", "--dry-run", org="company-a")
    assert status != 0
    assert [(error["row"], error["column"]) for error in report["errors"]] == [(2, "撤销日期")]


def test_a_row_refused_while_committing_is_still_reported_as_json(world, tmp_path):
    rows = [ORG_HEADER, ["支" * 201, "branch-a2", "company-a", "Party branch", "", ""]]
    path = sheets.save(tmp_path, "组织.xlsx", sheets.xlsx(rows))
    before = Organization.objects.count()
    status, report = run_json(path, "--dataset", "organizations", org="company-a")
    assert status != 0 and report["errors"] and report.get("committed") is not True
    assert Organization.objects.count() == before
