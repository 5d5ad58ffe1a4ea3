"""Checking a ledger file row by row and planning what importing it would change.

Nothing here writes: `plan_members` and `plan_organizations` read the registry and return a Plan
(what would be created, updated or left unchanged, and every problem, row by row). The writes are
in services.py, which commits a plan only when it has no problems.
"""

import copy
import datetime
import gc
import operator
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhibu.core import audit, crypto
from zhibu.core.crypto import blind_index
from zhibu.core.identity import birth_date_from_id
from zhibu.core.scope import Capability
from zhibu.ledgers import cells, parallel
from zhibu.ledgers.columns import DATASETS, Column
from zhibu.ledgers.reading import Row, Table
from zhibu.registry import services as registry_services
from zhibu.registry.models import Member, Occupation, Organization, Region, Unit
from zhibu.registry.pinyin import pinyin_keys
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


@dataclass(slots=True)
class Planned:
    row: Row
    action: str  # create, update, unchanged
    record: object  # Member or Organization; a new member is a dict of column values
    changes: dict | None = field(default_factory=dict)  # audit diff; None for a new member until written
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.record["name"] if isinstance(self.record, dict) else str(self.record)


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
                "name": item.name,
                "changes": [headers.get(k, k) for k in sorted(item.changes or {})],
            }
            for item in chosen
        ]


class RowChecker:
    """Collects the problems of one row, naming each cell the way the file does."""

    def __init__(self, table: Table, row: Row, problems: list[Problem]):
        self.table, self.row, self.problems = table, row, problems
        self.failed_keys: set[str] = set()

    def error(self, key: str, message: str) -> None:
        self.failed_keys.add(key)
        self.problems.append(
            Problem(self.row.sheet, self.row.number, self.table_header(key), message, self.row.cells.get(key))
        )

    @property
    def failed(self) -> bool:
        return bool(self.failed_keys)

    def table_header(self, key: str) -> str:
        index = self.row.cells.get(key)
        if index is None:
            column = next(c for c in DATASETS[self.table.dataset] if c.key == key)
            return str(column.header)
        sheet = next(s for s in self.table.sheets if s.name == self.row.sheet)
        return str(sheet.rows[self.table.header_rows[sheet.name]][index]).strip()

    def read_row(self, readers: dict[str, Callable]) -> dict:
        """The clean value of the row's cell in each column, None when empty or wrong (the problem is recorded)."""
        raw_values, formulas = self.row.values, self.row.formulas
        values = {}
        for key, reader in readers.items():
            raw = raw_values.get(key)
            value = None
            if key in formulas:
                self.error(key, _("This cell holds a formula. Copy the column and paste it back as values only."))
            elif raw is not None and (not isinstance(raw, str) or raw.strip()):  # cells.is_empty, inlined
                try:
                    value = reader(raw)
                except cells.CellError as problem:
                    self.error(key, problem.message)
            values[key] = value
        return values


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


# Columns whose values are nearly all different: remembering them would cost memory and save nothing.
UNCACHED_COLUMNS = frozenset({"name", "id_number", "phone"})


def _reader(column: Column) -> Callable:
    read = _plain_reader(column)
    return read if column.key in UNCACHED_COLUMNS else _remembering(read)


_UNREAD = object()


def _remembering(read: Callable) -> Callable:
    """Ledgers repeat the same statuses, dates and branch names thousands of times: read each once."""
    results: dict = {}
    failures: dict = {}  # key → message

    def remembered(raw):
        # 1, 1.0 and True are equal keys, so a value goes with its type; text, by far the most common, needs none.
        key = raw if type(raw) is str else (type(raw), raw)
        result = results.get(key, _UNREAD)
        if result is not _UNREAD:
            return result
        if key not in failures:
            try:
                results[key] = result = read(raw)
                return result
            except cells.CellError as problem:
                failures[key] = problem.message
        raise cells.CellError(failures[key])

    return remembered


def _plain_reader(column: Column) -> Callable:
    if column.kind == "choice":
        return choice_reader(column)
    if column.kind == "date":
        return lambda raw: cells.date_value(raw)[0]
    if column.kind == "month":
        return lambda raw: cells.date_value(raw, month_only_ok=True)
    if column.kind == "boolean":
        return cells.boolean
    if column.kind == "id_number":
        return _masked_guard(cells.id_number_text, MASKED_ID)
    if column.kind == "phone":
        return _masked_guard(cells.number_as_text, MASKED_PHONE)
    return cells.text


MASKED_ID = gettext_lazy(
    "This ID number is masked, as in an export without full numbers, so the member cannot be recognised. "
    "Export the ledger again with full ID and phone numbers, edit that file, and import it."
)
MASKED_PHONE = gettext_lazy(
    "This phone number is masked, as in an export without full numbers. Type the full number, or delete the "
    "column to keep the stored numbers."
)


def _masked_guard(reader: Callable, message) -> Callable:
    def read(raw):
        value = reader(raw)
        if "*" in value:
            raise cells.CellError(str(message))
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
        # Rows name the same few organisations over and over.
        self._organization = _remembering(lambda name_and_code: self._find_organization(*name_and_code, target))

    def organization(self, name: str, code: str) -> Organization:
        """The organisation within the target named by the row's name and code cells."""
        return self._organization((name, code))

    def _find_organization(self, name: str, code: str, target: Organization) -> Organization:
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
    digests = [_id_digest(row) for row in table.rows]
    existing = _existing_members(digests)
    first_rows = _first_rows(table.rows, digests, readers.get("id_number"))
    today = datetime.date.today()
    actor.scope  # noqa: B018 (loaded now: a half of the rows checked in another process may not query)

    def plan_rows(start: int, stop: int, report: Progress) -> tuple[list[Planned], list[Problem]]:
        items, problems = [], []
        for number in range(start, stop):
            row, digest = table.rows[number], digests[number]
            checker = RowChecker(table, row, problems)
            values = checker.read_row(readers)
            id_digest = digest if values.get("id_number") else ""
            item = _plan_member(actor, target, lookups, existing, first_rows, row, checker, values, id_digest, today)
            if item is not None and not checker.failed:
                item.row = number  # the row itself need not travel back from another process
                items.append(item)
            if (number - start + 1) % 5000 == 0:
                report(number - start + 1, stop - start)
        return items, problems

    for items, problems in parallel.in_two_halves(len(table.rows), plan_rows, progress):
        for item in items:
            item.row = table.rows[item.row]
        plan.items += items
        plan.problems += problems
    return plan


def _id_digest(row: Row) -> str:
    """The blind index of the row's ID number as the reader normalises it ("" when it has none)."""
    raw = row.values.get("id_number")
    if cells.is_empty(raw):
        return ""
    try:
        return blind_index("id_number", cells.id_number_text(raw))
    except cells.CellError:
        return ""


def _existing_members(digests: list[str]) -> dict[str, Member]:
    wanted = [digest for digest in digests if digest]
    found = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        chunk_members = Member.objects.filter(id_number_digest__in=chunk)
        for member in chunk_members.select_related("home_org", "occupation", "employer", "region"):
            found[member.id_number_digest] = member
    return found


def _first_rows(rows: list[Row], digests: list[str], read_id: Callable | None) -> dict[str, Row]:
    """Each ID number's first row with a readable number: a later row with the same number is reported against it."""
    first: dict[str, Row] = {}
    if read_id is None:
        return first
    for row, digest in zip(rows, digests, strict=True):
        if (
            digest
            and digest not in first
            and "id_number" not in row.formulas
            and _reads(read_id, row.values["id_number"])
        ):
            first[digest] = row
    return first


def _reads(read: Callable, raw) -> bool:
    try:
        return bool(read(raw))
    except cells.CellError:
        return False


def _plan_member(actor, target, lookups, existing, first_rows, row, checker, values, digest, today) -> Planned | None:
    if not digest:
        if "id_number" not in checker.row.formulas and cells.is_empty(row.values.get("id_number")):
            checker.error("id_number", _("Enter the member's ID number."))
        return None
    if first_rows[digest] is not row:
        checker.error("id_number", _("The same ID number is on row %(row)s.") % {"row": first_rows[digest].number})
        return None
    member = existing.get(digest)
    if member is not None and not actor.scope.covers(member.home_org.path, Capability.EDIT):
        checker.error(
            "id_number",
            _("This member is registered with another organisation outside yours; ask it to transfer the member."),
        )
        return None
    data = member_input_from(member, with_activity_orgs=False) if member else _new_member_input(target)
    _fill_member_input(data, values, lookups, checker, is_new=member is None)
    # The registry's rules run even when a cell was unreadable, so that every problem of the row is
    # listed at once; a column already reported is not reported twice.
    id_number, phone, errors = check_member_input(actor, data, today=today)
    for name, messages in errors.items():
        key = MEMBER_ERROR_COLUMNS.get(name, name)
        if key not in checker.failed_keys:
            for message in messages:
                checker.error(key, message)
    if checker.failed:
        return None
    return _member_change(member, data, id_number, digest, phone, row)


def _new_member_input(target: Organization) -> MemberInput:
    return MemberInput(name="", id_number="", party_status="", joined_on=None, home_org=target)


def _fill_member_input(data: MemberInput, values: dict, lookups: Lookups, checker: RowChecker, is_new: bool) -> None:
    """Copies the present cells over the stored values; an empty cell in a present column clears an optional field."""
    row = checker.row
    for key, value in values.items():  # in column order: a birth month is checked against the ID number before it
        if key not in row.values or key in ("home_org", "home_org_code"):
            continue
        if value is not None:
            if key in CONVERTED_MEMBER_VALUES:
                _set_member_value(data, key, value, lookups, checker)
            else:
                setattr(data, key, value)
        elif key not in REQUIRED_MEMBER_COLUMNS:
            setattr(data, key, EMPTY_MEMBER_VALUES.get(key))
        elif key not in row.formulas and cells.is_empty(row.values[key]):
            # Empty, or already reported as unreadable: a required field is never cleared.
            checker.error(key, _("This column must be filled in."))
    # Their cells are read already, as text, unless they hold a formula.
    name, code = (
        cells.text(row.values.get(key, "")) if key in row.formulas else values.get(key) or ""
        for key in ("home_org", "home_org_code")
    )
    if name or code:
        try:
            data.home_org = lookups.organization(name, code)
        except cells.CellError as problem:
            checker.error("home_org_code" if code else "home_org", problem.message)


REQUIRED_MEMBER_COLUMNS = frozenset(column.key for column in DATASETS["members"] if column.required)
# What an empty cell of an optional column sets (None where not listed).
EMPTY_MEMBER_VALUES = {
    "gender": "",
    "education": "",
    "phone": "",
    "ethnicity": "01",
    "work_role": "",
    "standing": "normal",
    "is_mobile": False,
}
CONVERTED_MEMBER_VALUES = frozenset({"birth_date", "occupation", "employer", "region", "is_mobile"})


def _set_member_value(data: MemberInput, key: str, value, lookups: Lookups, checker: RowChecker) -> None:
    """Sets a read value that needs more than the cell: one of CONVERTED_MEMBER_VALUES."""
    if key == "birth_date":
        day, month_only = value
        value = _birth_month_check(data, day, checker) if month_only else day
    elif key == "is_mobile":
        value = bool(value)
    else:
        try:
            value = {"occupation": lookups.occupation, "employer": lookups.unit, "region": lookups.region}[key](value)
        except cells.CellError as problem:
            checker.error(key, problem.message)
            return
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


def _member_change(
    member: Member | None, data: MemberInput, id_number: str, id_digest: str, phone: str, row: Row
) -> Planned:
    phone_digest = blind_index("phone", phone) if phone else ""
    if member is None:
        return _new_member(data, id_number, id_digest, phone, phone_digest, row)
    before = _member_values(member)
    home_before = member.home_org_id
    for name in MEMBER_FIELDS:
        if name != "name":
            setattr(member, name, getattr(data, name))
    if member.name != data.name:
        member.set_name(data.name)
    if member.id_number_digest != id_digest:
        member.set_id_number(id_number, id_digest)
    if member.phone_digest != phone_digest:
        member.set_phone(phone, phone_digest)
    changes = audit.diff(before, _member_values(member), PERSONAL_FIELDS)
    return Planned(row, "update" if changes else "unchanged", member, changes, {"home_before": home_before})


def _new_member(data: MemberInput, id_number: str, id_digest: str, phone: str, phone_digest: str, row: Row) -> Planned:
    """A new member as a plain row of column values: at 100,000 rows, model instances cost a third of the time."""
    pinyin, initials = pinyin_keys(data.name)
    record = dict(zip(PLAIN_FIELDS, _plain_values(data), strict=True))
    for name, value in zip(FOREIGN_ID_FIELDS, _foreign_values(data), strict=True):
        record[name] = value.pk if value else None
    record.update(
        name_pinyin=pinyin,
        name_initials=initials,
        id_number_sealed=crypto.encrypt(id_number, b"member.id_number"),
        id_number_digest=id_digest,
        phone_sealed=crypto.encrypt(phone, b"member.phone") if phone else "",
        phone_digest=phone_digest,
    )
    return Planned(row, "create", record, None)  # its audit record is made when it is written: see creation_changes


def creation_changes(record: dict) -> dict:
    """The audit diff of a new member from its row of column values."""
    audited = {name: record[name] for name in PLAIN_FIELDS}
    audited |= {name: record[f"{name}_id"] for name in FOREIGN_KEYS}
    audited |= {"id_number": record["id_number_digest"], "phone": record["phone_digest"] or None}
    return audit.created(audited, PERSONAL_FIELDS)


FOREIGN_KEYS = ("home_org", "occupation", "employer", "region")
FOREIGN_ID_FIELDS = tuple(f"{name}_id" for name in FOREIGN_KEYS)
PLAIN_FIELDS = tuple(name for name in MEMBER_FIELDS if name not in FOREIGN_KEYS)
_plain_values = operator.attrgetter(*PLAIN_FIELDS)
_foreign_values = operator.attrgetter(*FOREIGN_KEYS)


def _member_values(member: Member) -> dict:
    values = {name: getattr(member, name) for name in PLAIN_FIELDS}
    for name in FOREIGN_KEYS:
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
        values = checker.read_row(readers)
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
    if not _follows_registry_rules(org, code, new_values, checker):
        return None
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
    current_parent = Organization.objects.get_parent(org)
    moving = bool(parent_code) and (current_parent is None or current_parent.code != parent_code)
    changes = audit.diff(before, after)
    if moving:
        changes["parent"] = [current_parent.code if current_parent else None, parent_code]
    action = "update" if changes else "unchanged"
    return Planned(row, action, org, changes, {"parent_code": parent_code if moving else "", "values": new_values})


def _follows_registry_rules(org: Organization | None, code: str, new_values: dict, checker: RowChecker) -> bool:
    """The registry's own checks of an organisation, on a copy with the row's values, errors put on the cells."""
    candidate = copy.copy(org) if org is not None else Organization(code=code, depth=1, path="")
    for key, value in new_values.items():
        if value is not None or org is not None:
            setattr(candidate, key, value)
    try:
        registry_services.validate_organization(candidate)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                checker.error(name if name in checker.row.cells else "code", message)
        return False
    return True


PLANNERS = {"members": plan_members, "organizations": plan_organizations}


def plan(actor, table: Table, target: Organization, progress: Progress = _no_progress) -> Plan:
    with paused_garbage_collector():
        result = PLANNERS[table.dataset](actor, table, target, progress)
    sheets = {sheet.name: index for index, sheet in enumerate(table.sheets)}
    result.problems.sort(key=lambda p: (sheets.get(p.sheet, 0), p.row, -1 if p.cell is None else p.cell))
    return result


@contextmanager
def paused_garbage_collector():
    """A plan allocates a few objects per cell and frees none until it is done: the cyclic collector
    would walk them all again and again (a fifth of the time at 100,000 rows) and find nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
