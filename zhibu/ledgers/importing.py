"""Checking a ledger file row by row and planning what importing it would change.

Nothing here writes: `plan_members` and `plan_organizations` read the registry and return a Plan
(what would be created, updated or left unchanged, and every problem, row by row). The writes are
in services.py, which commits a plan only when it has no problems.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from zhibu.core import audit
from zhibu.core.crypto import blind_index
from zhibu.core.identity import birth_date_from_id
from zhibu.core.scope import Capability
from zhibu.ledgers import cells
from zhibu.ledgers.columns import DATASETS, Column
from zhibu.ledgers.reading import Row, Table
from zhibu.registry.models import Member, Occupation, Organization, Region, Unit
from zhibu.registry.services import MEMBER_FIELDS, PERSONAL_FIELDS, MemberInput, check_member_input, member_input_from

SAMPLE_SIZE = 5
Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


@dataclass
class Problem:
    sheet: str
    row: int
    column: str  # the header as the file spells it
    message: str
    cell: int | None = None  # column index, for highlighting

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class Planned:
    row: Row
    action: str  # create, update, unchanged
    record: object  # Member or Organization (unsaved for create)
    changes: dict = field(default_factory=dict)  # audit diff
    extra: dict = field(default_factory=dict)


@dataclass
class Plan:
    dataset: str
    target: Organization
    items: list[Planned] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    def summary(self, max_problems: int | None = None) -> dict:
        problems = self.problems if max_problems is None else self.problems[:max_problems]
        return {
            "dataset": self.dataset,
            "rows": len(self.items) + len({(p.sheet, p.row) for p in self.problems}),
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "error_count": len(self.problems),
            "error_rows": len({(p.sheet, p.row) for p in self.problems}),
            "errors": [problem.as_dict() for problem in problems],
            "samples": {action: self._samples(action) for action in ("create", "update", "unchanged")},
            "ignored_headers": self.ignored_headers,
        }

    def _samples(self, action: str) -> list[dict]:
        chosen = [item for item in self.items if item.action == action][:SAMPLE_SIZE]
        headers = {column.key: str(column.header) for column in DATASETS[self.dataset]}
        return [
            {
                "row": item.row.number,
                "name": str(item.record),
                "changes": [headers.get(k, k) for k in sorted(item.changes)],
            }
            for item in chosen
        ]


class RowChecker:
    """Collects the problems of one row, naming each cell the way the file does."""

    def __init__(self, table: Table, row: Row, problems: list[Problem]):
        self.table, self.row, self.problems = table, row, problems
        self.failed = False

    def error(self, key: str, message: str) -> None:
        self.failed = True
        self.problems.append(
            Problem(self.row.sheet, self.row.number, self.table_header(key), message, self.row.cells.get(key))
        )

    def table_header(self, key: str) -> str:
        index = self.row.cells.get(key)
        if index is None:
            column = next(c for c in DATASETS[self.table.dataset] if c.key == key)
            return str(column.header)
        sheet = next(s for s in self.table.sheets if s.name == self.row.sheet)
        return str(sheet.rows[self.table.header_rows[sheet.name]][index]).strip()

    def read(self, column: Column, reader: Callable):
        """The clean value of a present cell, None when empty or wrong (the problem is recorded)."""
        key = column.key
        if key in self.row.formulas:
            self.error(key, _("This cell holds a formula. Copy the column and paste it back as values only."))
            return None
        raw = self.row.values.get(key)
        if cells.is_empty(raw):
            return None
        try:
            return reader(raw)
        except cells.CellError as problem:
            self.error(key, problem.message)
            return None


def choice_reader(column: Column) -> Callable:
    lookup = _choice_lookup(column)

    def read(raw):
        key = cells.choice_key(cells.text(raw))
        if key not in lookup:
            labels = "、".join(str(label) for _value, label in column.choices[:12])
            raise cells.CellError(
                _("“%(value)s” is not one of: %(labels)s.") % {"value": cells.text(raw), "labels": labels}
            )
        return lookup[key]

    return read


def _choice_lookup(column: Column) -> dict[str, str]:
    from django.conf import settings
    from django.utils import translation

    lookup = {}
    for value, label in column.choices:
        lookup[cells.choice_key(value)] = value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                lookup[cells.choice_key(str(label))] = value
    for word, value in EXTRA_CHOICE_WORDS.get(column.key, {}).items():
        lookup[cells.choice_key(word)] = value
    return lookup


EXTRA_CHOICE_WORDS = {
    "gender": {"男性": "male", "女性": "female", "m": "male", "f": "female"},
    "party_status": {"正式": "full", "预备": "probationary", "full": "full", "probationary": "probationary"},
    "ethnicity": {"汉": "01"},
}


def _reader(column: Column) -> Callable:
    if column.kind == "choice":
        return choice_reader(column)
    if column.kind == "date":
        return lambda raw: cells.date_value(raw)[0]
    if column.kind == "month":
        return lambda raw: cells.date_value(raw, month_only_ok=True)
    if column.kind == "boolean":
        return cells.boolean
    if column.kind == "id_number":
        return _masked_guard(cells.id_number_text)
    if column.kind == "phone":
        return _masked_guard(cells.number_as_text)
    return cells.text


def _masked_guard(reader: Callable) -> Callable:
    def read(raw):
        value = reader(raw)
        if "*" in value:
            raise cells.CellError(
                _(
                    "This number is masked, as in an export without full numbers. Type the full number, or leave the column out to keep the stored one."
                )
            )
        return value

    return read


class Lookups:
    """Organisations, occupations, units and regions named in the file, loaded once."""

    def __init__(self, target: Organization, rows: list[Row]):
        self.orgs = list(
            Organization.objects.filter(path__startswith=target.path).only(
                "id", "path", "depth", "name", "code", "dissolved_on"
            )
        )
        self.org_by_code = {org.code: org for org in self.orgs}
        self.org_by_name: dict[str, list[Organization]] = defaultdict(list)
        for org in self.orgs:
            self.org_by_name[cells.choice_key(org.name)].append(org)
        self.occupations = {}
        for occupation in Occupation.objects.all():
            for word in (occupation.name, occupation.name_en, occupation.code):
                if word:
                    self.occupations[cells.choice_key(word)] = occupation
        employers = _distinct(rows, "employer")
        self.units = list(
            Unit.objects.filter(Q(name__in=employers) | Q(credit_code__in=[e.upper() for e in employers]))
        )
        regions = _distinct(rows, "region")
        self.regions = list(Region.objects.filter(Q(code__in=regions) | Q(name__in=regions)))

    def organization(self, name: str, code: str, target: Organization) -> Organization:
        if code:
            if code not in self.org_by_code:
                raise cells.CellError(
                    _("No organisation with the code %(code)s lies within %(target)s.")
                    % {"code": code, "target": target.name}
                )
            return self.org_by_code[code]
        found = self.org_by_name.get(cells.choice_key(name), [])
        if not found:
            raise cells.CellError(
                _("No organisation called “%(name)s” lies within %(target)s.") % {"name": name, "target": target.name}
            )
        if len(found) > 1:
            raise cells.CellError(
                _("Several organisations are called “%(name)s”; fill in the organisation code column.") % {"name": name}
            )
        return found[0]

    def occupation(self, value: str) -> Occupation:
        if cells.choice_key(value) not in self.occupations:
            raise cells.CellError(_("“%(value)s” is not in the list of occupations.") % {"value": value})
        return self.occupations[cells.choice_key(value)]

    def unit(self, value: str) -> Unit:
        found = [u for u in self.units if u.credit_code == value.upper()] or [u for u in self.units if u.name == value]
        if not found:
            raise cells.CellError(_("No unit called “%(value)s” is registered; register it first.") % {"value": value})
        if len(found) > 1:
            raise cells.CellError(
                _("Several units are called “%(value)s”; give the credit code instead.") % {"value": value}
            )
        return found[0]

    def region(self, value: str) -> Region:
        found = [r for r in self.regions if r.code == value] or [r for r in self.regions if r.name == value]
        if not found:
            raise cells.CellError(_("“%(value)s” is not a known region code or name.") % {"value": value})
        if len(found) > 1:
            raise cells.CellError(
                _("Several regions are called “%(value)s”; give the region code instead.") % {"value": value}
            )
        return found[0]


def _distinct(rows: list[Row], key: str) -> list[str]:
    return sorted(
        {cells.text(row.values[key]) for row in rows if key in row.values and not cells.is_empty(row.values[key])}
    )


# Members

MEMBER_ERROR_COLUMNS = {"home_org": "home_org", "activity_orgs": "home_org"}


def plan_members(actor, table: Table, target: Organization, progress: Progress = _no_progress) -> Plan:
    plan = Plan("members", target, ignored_headers=table.ignored_headers)
    columns = {column.key: column for column in DATASETS["members"] if column.key in table.keys}
    readers = {key: _reader(column) for key, column in columns.items()}
    lookups = Lookups(target, table.rows)
    parsed = []
    for number, row in enumerate(table.rows, 1):
        checker = RowChecker(table, row, plan.problems)
        values = {key: checker.read(column, readers[key]) for key, column in columns.items()}
        parsed.append((row, checker, values))
        if number % 5000 == 0:
            progress(number, len(table.rows) * 2)
    existing = _existing_members(parsed)
    seen: dict[str, Row] = {}
    for number, (row, checker, values) in enumerate(parsed, 1):
        item = _plan_member(actor, table, target, lookups, existing, seen, row, checker, values)
        if item is not None and not checker.failed:
            plan.items.append(item)
        if number % 5000 == 0:
            progress(len(parsed) + number, len(parsed) * 2)
    progress(len(parsed) * 2, len(parsed) * 2)
    return plan


def _existing_members(parsed) -> dict[str, Member]:
    digests = [blind_index("id_number", values["id_number"]) for _row, _c, values in parsed if values.get("id_number")]
    found = {}
    for start in range(0, len(digests), 900):
        chunk = digests[start : start + 900]
        for member in Member.objects.filter(id_number_digest__in=chunk).select_related("home_org"):
            found[member.id_number_digest] = member
    return found


def _plan_member(actor, table, target, lookups, existing, seen, row, checker, values) -> Planned | None:
    if not values.get("id_number"):
        if "id_number" not in checker.row.formulas and cells.is_empty(row.values.get("id_number")):
            checker.error("id_number", _("Enter the member's ID number."))
        return None
    digest = blind_index("id_number", values["id_number"])
    if digest in seen:
        checker.error("id_number", _("The same ID number is on row %(row)s.") % {"row": seen[digest].number})
        return None
    seen[digest] = row
    member = existing.get(digest)
    if member is not None and not actor.scope.covers(member.home_org.path, Capability.EDIT):
        checker.error(
            "id_number",
            _("This member is registered with another organisation outside yours; ask it to transfer the member."),
        )
        return None
    data = member_input_from(member, with_activity_orgs=False) if member else _new_member_input(target)
    _fill_member_input(data, values, lookups, target, checker, is_new=member is None)
    if checker.failed:
        return None
    id_number, phone, errors = check_member_input(actor, data)
    for name, messages in errors.items():
        key = MEMBER_ERROR_COLUMNS.get(name, name)
        for message in messages:
            checker.error(key if key in row.cells or key != "home_org" else "home_org", message)
    if checker.failed:
        return None
    return _member_change(member, data, id_number, phone, row)


def _new_member_input(target: Organization) -> MemberInput:
    return MemberInput(name="", id_number="", party_status="", joined_on=None, home_org=target)


def _fill_member_input(
    data: MemberInput, values: dict, lookups: Lookups, target, checker: RowChecker, is_new: bool
) -> None:
    """Copies the present cells over the stored values; an empty cell in a present column clears an optional field."""
    for column in DATASETS["members"]:
        key = column.key
        if key not in checker.row.values or key in ("home_org", "home_org_code"):
            continue
        value = values.get(key)
        if value is None and column.required and (is_new or not cells.is_empty(checker.row.values.get(key))):
            if key not in checker.row.formulas and cells.is_empty(checker.row.values.get(key)):
                checker.error(key, _("This column must be filled in."))
            continue
        _set_member_value(data, key, value, lookups, checker)
    name, code = (cells.text(checker.row.values.get(k, "")) for k in ("home_org", "home_org_code"))
    if name or code:
        try:
            data.home_org = lookups.organization(name, code, target)
        except cells.CellError as problem:
            checker.error("home_org_code" if code else "home_org", problem.message)


def _set_member_value(data: MemberInput, key: str, value, lookups: Lookups, checker: RowChecker) -> None:
    if key == "birth_date" and value is not None:
        day, month_only = value
        value = _birth_month_check(data, day, checker) if month_only else day
    elif key in ("occupation", "employer", "region") and value is not None:
        try:
            value = {"occupation": lookups.occupation, "employer": lookups.unit, "region": lookups.region}[key](value)
        except cells.CellError as problem:
            checker.error(key, problem.message)
            return
    elif key in ("gender", "education", "phone", "ethnicity") and value is None:
        value = "01" if key == "ethnicity" else ""
    elif key == "standing" and value is None:
        value = "normal"
    elif key == "is_mobile":
        value = bool(value)
    setattr(data, key, value)


def _birth_month_check(data: MemberInput, month: datetime.date, checker: RowChecker):
    """A birth month is enough: it must agree with the ID number, which gives the full date."""
    try:
        from_id = birth_date_from_id(cells.id_number_text(data.id_number))
    except (ValueError, cells.CellError):
        return None
    if (from_id.year, from_id.month) != (month.year, month.month):
        checker.error(
            "birth_date",
            _("The birth date does not agree with the ID number (%(date)s).") % {"date": from_id.isoformat()},
        )
    return from_id


def _member_change(member: Member | None, data: MemberInput, id_number: str, phone: str, row: Row) -> Planned:
    target = member or Member()
    before = _member_values(member) if member else {}
    for name in MEMBER_FIELDS:
        if name != "name":
            setattr(target, name, getattr(data, name))
    if member is None or member.name != data.name:
        target.set_name(data.name)
    id_digest = blind_index("id_number", id_number)
    if member is None or member.id_number_digest != id_digest:
        target.set_id_number(id_number)
    phone_digest = blind_index("phone", phone) if phone else ""
    if member is None or member.phone_digest != phone_digest:
        target.set_phone(phone)
    after = _member_values(target)
    changes = audit.diff(before, after, PERSONAL_FIELDS)
    action = "create" if member is None else ("update" if changes else "unchanged")
    return Planned(row, action, target, changes)


def _member_values(member: Member) -> dict:
    values = {
        name: getattr(member, name)
        for name in MEMBER_FIELDS
        if name not in ("home_org", "occupation", "employer", "region")
    }
    for name in ("home_org", "occupation", "employer", "region"):
        values[name] = getattr(member, f"{name}_id")
    values["id_number"] = member.id_number_digest
    values["phone"] = member.phone_digest
    return values


# Organisations

ORGANIZATION_FIELDS = ("name", "kind", "region", "founded_on", "dissolved_on")


def plan_organizations(actor, table: Table, target: Organization, progress: Progress = _no_progress) -> Plan:
    plan = Plan("organizations", target, ignored_headers=table.ignored_headers)
    columns = {column.key: column for column in DATASETS["organizations"] if column.key in table.keys}
    readers = {key: _reader(column) for key, column in columns.items()}
    lookups = Lookups(target, table.rows)
    codes_in_file: dict[str, Row] = {}
    for number, row in enumerate(table.rows, 1):
        checker = RowChecker(table, row, plan.problems)
        values = {key: checker.read(column, readers[key]) for key, column in columns.items()}
        item = _plan_organization(actor, target, lookups, codes_in_file, row, checker, values)
        if item is not None and not checker.failed:
            plan.items.append(item)
        progress(number, len(table.rows))
    return plan


def _plan_organization(actor, target, lookups, codes_in_file, row, checker, values) -> Planned | None:
    code = values.get("code") or ""
    if not code:
        checker.error("code", _("This column must be filled in."))
        return None
    if code in codes_in_file:
        checker.error("code", _("The same code is on row %(row)s.") % {"row": codes_in_file[code].number})
        return None
    codes_in_file[code] = row
    org = lookups.org_by_code.get(code)
    if org is None and Organization.objects.filter(code=code).exists():
        checker.error("code", _("This code belongs to an organisation outside %(target)s.") % {"target": target.name})
        return None
    if org is not None and org.pk == target.pk and values.get("parent_code"):
        checker.error("parent_code", _("The organisation you import into keeps its place in the tree."))
        return None
    parent_code = values.get("parent_code") or ""
    if org is None:
        for key in ("name", "kind", "parent_code"):
            if not values.get(key) and key not in row.formulas:
                checker.error(key, _("This column must be filled in."))
    if parent_code and parent_code not in lookups.org_by_code and parent_code not in codes_in_file:
        checker.error(
            "parent_code",
            _("No organisation with the code %(code)s lies within %(target)s or above this row.")
            % {"code": parent_code, "target": target.name},
        )
    if parent_code == code:
        checker.error("parent_code", _("An organisation cannot be its own parent."))
    region = None
    if values.get("region"):
        try:
            region = lookups.region(values["region"])
        except cells.CellError as problem:
            checker.error("region", problem.message)
    if checker.failed:
        return None
    if not actor.scope.covers((org or target).path, Capability.EDIT):
        checker.error("code", _("You may not change records outside your organisations."))
        return None
    new_values = {key: values.get(key) for key in ORGANIZATION_FIELDS if key in row.values}
    if "region" in new_values:
        new_values["region"] = region
    if org is None:
        record = Organization(code=code, **{k: v for k, v in new_values.items() if v is not None})
        return Planned(
            row,
            "create",
            record,
            {"code": code, **{k: str(v) for k, v in new_values.items() if v}},
            {"parent_code": parent_code},
        )
    before = {key: getattr(org, key if key != "region" else "region_id") for key in new_values}
    after = {key: (value.pk if key == "region" and value else value) for key, value in new_values.items()}
    current_parent = org.get_parent()
    moving = bool(parent_code) and (current_parent is None or current_parent.code != parent_code)
    changes = audit.diff(before, after)
    if moving:
        changes["parent"] = [current_parent.code if current_parent else None, parent_code]
    action = "update" if changes else "unchanged"
    return Planned(row, action, org, changes, {"parent_code": parent_code if moving else "", "values": new_values})


PLANNERS = {"members": plan_members, "organizations": plan_organizations}


def plan(actor, table: Table, target: Organization, progress: Progress = _no_progress) -> Plan:
    return PLANNERS[table.dataset](actor, table, target, progress)
