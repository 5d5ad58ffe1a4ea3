"""Benchmark: the three-bottom-lines rollup for the whole tree (issue 5).

Fills a fresh SQLite database in a temporary data folder (or the database of DATABASE_URL, which
must be empty and disposable) with an organisation tree, members, and contact, attendance and
delivery rows, generated inside the database past the services, and rebuilds the lines kept per
member and year from them (timed). Then times `bottom_lines.subtree_rows` (every organisation of the
tree with the figures of its subtree, as the export computes them) and `bottom_lines.rollup` at the
top of the tree (what the page shows). Prints the median and the slowest of the runs, and the ratio
to the baseline: the same counts by one hand-written SQL query over the kept lines. A second
hand-written query computes them from the records, and must agree.

    .venv/bin/python bench/bottom_lines.py                   # 1,000,000 members, 10,000,000 rows
    .venv/bin/python bench/bottom_lines.py --members 100000  # a tenth of everything
    DATABASE_URL=postgresql://postgres@127.0.0.1/zhibu_bench .venv/bin/python bench/bottom_lines.py
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import datetime, statistics, time
from django.db import connection
from django.utils import timezone
from zhibu.accounts.models import User
from zhibu.care.bottomlines import kept
from zhibu.care.bottomlines import queries as bottom_lines
from zhibu.care.models import YearLines
from zhibu.core.bulk import insert_rows
from zhibu.registry.models import Organization

MEMBERS, RUNS = __MEMBERS__, __RUNS__
COMPANIES = max(10, MEMBERS // 1000)        # 1,000 companies at a million members
BRANCHES_PER_COMPANY = 99                   # 100,000 organisations in all
MOBILE_EVERY = 10                           # members with i % 10 < 3 are mobile: 30 %
CONTACTS, ATTENDANCES, DELIVERIES = MEMBERS * 4, MEMBERS * 3, MEMBERS * 3
MEETINGS, CAMPAIGNS = MEMBERS // 10, max(10, MEMBERS // 1000)
YEAR = timezone.localdate().year
postgres = connection.vendor == "postgresql"

def base36(number, width=4):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text.rjust(width, "0")

def series(count, select):
    # `select` uses i, from 0 to count - 1.
    if postgres:
        return f"SELECT {select} FROM generate_series(0, {count - 1}) AS s(i)"
    return f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {count - 1}) SELECT {select} FROM s"

def day(offset):  # a date `offset` days after 1 January of last year
    if postgres:
        return f"(DATE '{YEAR - 1}-01-01' + ({offset})::int)"
    return f"date('{YEAR - 1}-01-01', '+' || ({offset}) || ' days')"

def moment(offset, hour=2):  # 02:00 UTC (10:00 in Beijing) on that day
    if postgres:
        return f"(TIMESTAMPTZ '{YEAR - 1}-01-01 {hour:02}:00:00+00' + ({offset}) * INTERVAL '1 day')"
    return f"datetime('{YEAR - 1}-01-01 {hour:02}:00:00', '+' || ({offset}) || ' days')"

def run(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)

def first_id(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id) FROM {table}")
        return cursor.fetchone()[0]

started = time.perf_counter()
now = timezone.now()
FILLED = Organization.objects.filter(code="bench").exists()  # a kept data folder, filled by an earlier run
root = Organization.objects.get(code="bench") if FILLED else Organization.add_root(code="bench", name="全市", kind="committee")
if not FILLED:
    companies, branches = [], []
    for company in range(COMPANIES):
        company_path = root.path + base36(company + 1)
        companies.append({"path": company_path, "depth": 2, "numchild": BRANCHES_PER_COMPANY, "code": f"c{company}",
                          "name": f"企业党委{company}", "kind": "committee", "region_id": None, "secretary_id": None,
                          "founded_on": None, "dissolved_on": None})
        for branch in range(BRANCHES_PER_COMPANY):
            branches.append({"path": company_path + base36(branch + 1), "depth": 3, "numchild": 0,
                             "code": f"c{company}b{branch}", "name": f"支部{company}-{branch}", "kind": "branch",
                             "region_id": None, "secretary_id": None, "founded_on": None, "dissolved_on": None})
    insert_rows(Organization, companies)
    insert_rows(Organization, branches)  # after the companies: branch ids are contiguous
    Organization.objects.filter(pk=root.pk).update(numchild=COMPANIES)
    branch_ids = list(Organization.objects.filter(depth=3).order_by("pk").values_list("pk", flat=True))
    first_branch, branches = branch_ids[0], len(branch_ids)
    assert branch_ids[-1] - first_branch == branches - 1
    cadre = User.objects.create_user("bench-cadre")
    stamp = "'" + now.strftime("%Y-%m-%d %H:%M:%S") + ("+00'" if postgres else "'")
    run("INSERT INTO registry_member (name, name_pinyin, name_initials, gender, ethnicity, birth_date, id_number_sealed, "
        "id_number_digest, phone_sealed, phone_digest, education, party_status, standing, joined_on, home_org_id, "
        "is_mobile, work_role, created_at, updated_at) " + series(MEMBERS,
        f"'党员' || CAST(i AS TEXT), 'dang yuan', 'dy', 'male', '01', {day(0)}, '', 'd' || CAST(i AS TEXT), '', '', '', "
        f"CASE WHEN i % 13 = 0 THEN 'probationary' ELSE 'full' END, 'normal', {day(0)}, {first_branch} + i % {branches}, "
        f"i % {MOBILE_EVERY} < 3, 'frontline', {stamp}, {stamp}"))
    first_member = first_id("registry_member")
    # Mobile members are those with i % 10 in (0, 1, 2): the n-th of them is member i = 10 * (n // 3) + n % 3.
    MOBILE = MEMBERS * 3 // MOBILE_EVERY
    mobile_member = lambda n: f"{first_member} + 10 * (({n}) % {MOBILE} / 3) + ({n}) % {MOBILE} % 3"
    # Contacts over the last two years for two mobile members in three, on different days for each.
    CONTACTED = MOBILE * 2 // 3
    run("INSERT INTO care_contact (member_id, cadre_id, organization_id, kind, \"on\", channel, summary, next_step, "
        "created_at) " + series(CONTACTS,
        f"{mobile_member(f'i % {CONTACTED}')}, {cadre.pk}, {first_branch}, CASE WHEN i % 4 = 0 THEN 'visit' ELSE 'talk' END, "
        f"{day(f'(i % {CONTACTED} * 13 + i / {CONTACTED} * 31) % 730')}, 'phone', '谈心', '', {stamp}"))
    # Meetings of the branches over two years, and attendance of any member.
    run("INSERT INTO meetings_meeting (organization_id, kind, title, starts_at, ends_at, mode, address, online_link, "
        "agenda, is_cancelled, code_version, created_at, updated_at) " + series(MEETINGS,
        f"{first_branch} + i % {branches}, 'theme_day', '主题党日', {moment('i % 730')}, {moment('i % 730', hour=4)}, "
        f"'in_place', '', '', '', i % 50 = 0, 1, {stamp}, {stamp}"))
    first_meeting = first_id("meetings_meeting")
    run("INSERT INTO meetings_attendance (meeting_id, member_id, method, at) " + series(ATTENDANCES,
        f"{first_meeting} + (i % {MEMBERS} * 7 + i / {MEMBERS} * 1009) % {MEETINGS}, {first_member} + i % {MEMBERS}, "
        f"'roll_call', {stamp}"))
    # Campaigns of last year and this one; each mobile member gets parcels, most received.
    run("INSERT INTO materials_campaign (organization_id, title, contents, mobile_only, state, launched_at, created_at) "
        + series(CAMPAIGNS, f"{root.pk}, '红色包裹', '党章', true, 'launched', {moment('(i * 97) % 700')}, {stamp}"))
    first_campaign = first_id("materials_campaign")
    run("INSERT INTO materials_delivery (campaign_id, member_id, state, tracking_number, handed_over, updated_at) "
        + series(DELIVERIES, f"{first_campaign} + (i / {MOBILE}) % {CAMPAIGNS}, {mobile_member('i')}, "
        f"CASE WHEN i % 9 = 0 THEN 'sent' ELSE 'received' END, '', false, {stamp}"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rows_written = CONTACTS + ATTENDANCES + DELIVERIES
    print(f"{MEMBERS:,} members, {Organization.objects.count():,} organisations, {rows_written:,} contact, attendance "
          f"and delivery rows written in {time.perf_counter() - started:.0f} s ({connection.vendor})")
if not YearLines.objects.exists():  # written past the services: the kept lines come from a rebuild
    began = time.perf_counter()
    rows = kept.rebuild([YEAR - 1, YEAR])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"kept lines rebuilt from the records: {rows:,} rows for two years in {time.perf_counter() - began:.0f} s")

period = bottom_lines.Period(YEAR)
start, end = period.moments()
# The same figures by hand from the records, in the fastest form found for each database (the members
# of each line read once as a set, looked up per mobile member, summed per home organisation): they
# check the kept lines. The limit, for the ratio: the same counts by hand from the kept lines.
FOUND = '''SELECT member_id FROM care_contact WHERE "on" >= %(first)s AND "on" < %(after)s
    UNION SELECT member_id FROM checkins_checkin WHERE verified_at >= %(start)s AND verified_at < %(end)s'''
DELIVERED = '''SELECT member_id FROM materials_delivery WHERE campaign_id IN (SELECT id FROM materials_campaign
    WHERE launched_at >= %(start)s AND launched_at < %(end)s AND state <> 'draft')
    GROUP BY member_id HAVING SUM(CASE WHEN state = 'received' THEN 0 ELSE 1 END) = 0'''
ATTENDED = '''SELECT DISTINCT member_id FROM meetings_attendance WHERE meeting_id IN (SELECT id FROM meetings_meeting
    WHERE starts_at >= %(start)s AND starts_at < %(end)s AND NOT is_cancelled)'''
MOBILE_MEMBERS = '''SELECT m.id, o.path FROM registry_member m JOIN registry_organization o ON o.id = m.home_org_id
    WHERE m.is_mobile AND m.standing = 'normal' AND m.id NOT IN (SELECT member_id FROM mobility_mobility)'''
if postgres:
    BASELINE = f'''SELECT m.path, COUNT(*), COUNT(f.member_id), COUNT(d.member_id), COUNT(a.member_id),
        COUNT(CASE WHEN f.member_id IS NOT NULL AND d.member_id IS NOT NULL AND a.member_id IS NOT NULL THEN 1 END)
        FROM ({MOBILE_MEMBERS}) m LEFT JOIN ({FOUND}) f ON f.member_id = m.id
        LEFT JOIN ({DELIVERED}) d ON d.member_id = m.id LEFT JOIN ({ATTENDED}) a ON a.member_id = m.id
        GROUP BY m.path'''
else:
    BASELINE = f'''WITH flags AS MATERIALIZED (SELECT m.path, m.id IN ({FOUND}) AS f, m.id IN ({DELIVERED}) AS d,
        m.id IN ({ATTENDED}) AS a FROM ({MOBILE_MEMBERS}) m)
        SELECT path, COUNT(*), SUM(f), SUM(d), SUM(a), SUM(f AND d AND a) FROM flags GROUP BY path'''

FROM_KEPT = f'''SELECT m.path, COUNT(*), COUNT(CASE WHEN y.found THEN 1 END), COUNT(CASE WHEN y.materials THEN 1 END),
    COUNT(CASE WHEN y.life THEN 1 END), COUNT(CASE WHEN y.found AND y.materials AND y.life THEN 1 END)
    FROM ({MOBILE_MEMBERS}) m LEFT JOIN care_yearlines y ON y.member_id = m.id AND y.year = %(year)s GROUP BY m.path'''

def by_hand(sql):
    values = {"first": period.first_day, "after": period.day_after, "start": start, "end": end, "year": YEAR}
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return sorted(cursor.fetchall())

def timed(work):
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), max(times), result

import json
def result_line(operation, median, slowest, limit, **facts):
    # With a few runs, the slowest stands for the 95th percentile.
    print("BENCH-RESULT " + json.dumps({"operation": operation, "median_ms": round(median * 1000, 1),
          "p95_ms": round(slowest * 1000, 1), "baseline": "hand-written SQL over the kept lines",
          "baseline_median_ms": round(limit * 1000, 1), "ratio": round(median / limit, 2), **facts}))

children = list(Organization.objects.filter(depth=2).order_by("path"))
from_records_median, _slowest, from_records = timed(lambda: by_hand(BASELINE))
limit_median, _slowest, from_kept = timed(lambda: by_hand(FROM_KEPT))
assert from_kept == from_records, "the kept lines differ from the records"
print(f"from the records by hand-written SQL: median {from_records_median:.2f} s; "
      f"from the kept lines by hand-written SQL: median {limit_median:.2f} s")
for name, work in (
    ("whole tree, every organisation (subtree_rows)", lambda: bottom_lines.subtree_rows(root, period)),
    ("top of the tree and its children (rollup, the page)", lambda: bottom_lines.rollup(root, children, period)),
):
    median, slowest, result = timed(work)
    print(f"{name}: median {median:.2f} s, slowest {slowest:.2f} s over {RUNS} runs; "
          f"ratio to the same counts from the kept lines by hand-written SQL {median / limit_median:.1f}")
    result_line(f"three bottom lines, {name}", median, slowest, limit_median, members=MEMBERS,
                organisations=Organization.objects.count(), rows=CONTACTS + ATTENDANCES + DELIVERIES)
total = bottom_lines.rollup(root, children, period).total
assert total.total == sum(row[1] for row in from_kept) and total.met["all"] == sum(row[5] for row in from_kept)
print(f"{total.total:,} mobile members: found {total.met['found']:,}, materials {total.met['materials']:,}, "
      f"life {total.met['life']:,}, all three {total.met['all']:,}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", help="keep the data in this folder, and reuse it if it is already filled")
    args = parser.parse_args()
    manage = [sys.executable, str(ROOT / "manage.py")]
    code = MEASURE.replace("__MEMBERS__", str(args.members)).replace("__RUNS__", str(args.runs))
    with tempfile.TemporaryDirectory(prefix="zhibu-bench-") as scratch:
        folder = args.data_dir or scratch
        keys = {name: secrets.token_urlsafe(32) for name in ("SECRET_KEY", "ZHIBU_BLIND_INDEX_KEY")}
        keys["ZHIBU_FIELD_KEYS"] = "k1:" + secrets.token_urlsafe(32)
        env = os.environ | keys | {"ZHIBU_DATA_DIR": folder, "DEBUG": "0", "ALLOWED_HOSTS": "localhost"}
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "shell"], input=code, text=True, env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
