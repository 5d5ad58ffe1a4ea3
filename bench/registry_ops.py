"""Benchmark operations of the registry (run by bench/suite.py in a child process with the data folder
and database set): the member list page and the API list at the top of the tree and at a branch,
member search by name and by pinyin initials, and member counts for a subtree.

An empty database is first filled past the services with --members members (names, ID numbers and
phones made as the demo makes them, sealed and indexed as the registry does; a thousandth of them
per company, 99 branches each: 100,000 organisations at a million), an administrator and a branch
secretary. Each operation is timed with its limit on the same data in the same run:

- pages and API lists: a bare Django view through the same client, middleware and session, which
  runs the hand-written SQL of the same page of rows (and its count) and returns them unrendered;
- searches and counts: the hand-written SQL of the same result.

Prints one line `BENCH-RESULT {json}` per operation."""

import argparse
import datetime
import json
import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from zhibu.accounts.models import User  # noqa: E402
from zhibu.accounts.services import grant_role  # noqa: E402
from zhibu.core import crypto  # noqa: E402
from zhibu.core.bulk import insert_rows  # noqa: E402
from zhibu.core.scope import Role  # noqa: E402
from zhibu.demo.names import NameKeys, PersonFactory, demo_phone  # noqa: E402
from zhibu.registry import queries, totals  # noqa: E402
from zhibu.registry.models import Member, Organization  # noqa: E402
from zhibu.registry.pinyin import could_begin_pinyin  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
PAGE = 50


def percentile_95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(work, runs: int = RUNS) -> tuple[float, float]:
    work()  # warm the caches once, as a server that has been running would have them
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), percentile_95(times)


def report(operation: str, work, baseline_name: str, baseline, **facts) -> None:
    median, p95 = timed(work)
    limit_median, limit_p95 = timed(baseline)
    print(
        "BENCH-RESULT "
        + json.dumps(
            {
                "operation": operation,
                "median_ms": round(median * 1000, 2),
                "p95_ms": round(p95 * 1000, 2),
                "baseline": baseline_name,
                "baseline_median_ms": round(limit_median * 1000, 2),
                "baseline_p95_ms": round(limit_p95 * 1000, 2),
                "ratio": round(median / limit_median, 2) if limit_median else None,
                **facts,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text.rjust(Organization.steplen, "0")


def organisation(path: str, code: str, name: str, kind: str, numchild: int) -> dict:
    return {
        "path": path,
        "depth": len(path) // Organization.steplen,
        "numchild": numchild,
        "code": code,
        "name": name,
        "kind": kind,
        "region_id": None,
        "secretary_id": None,
        "founded_on": None,
        "dissolved_on": None,
    }


def fill(members: int) -> None:
    """A city committee, a company per thousand members with 99 branches each, the members spread
    over the branches in turn, an administrator and the first branch's secretary."""
    started = time.perf_counter()
    companies, per_company = max(10, members // 1000), 99
    root = Organization.objects.add_root({"code": "bench", "name": "市委组织部", "kind": "committee"})
    insert_rows(
        Organization,
        (
            organisation(root.path + base36(c + 1), f"c{c}", f"企业党委{c}", "committee", per_company)
            for c in range(companies)
        ),
    )
    insert_rows(
        Organization,
        (
            organisation(root.path + base36(c + 1) + base36(b + 1), f"c{c}b{b}", f"支部{c}-{b}", "branch", 0)
            for c in range(companies)
            for b in range(per_company)
        ),
    )
    Organization.objects.filter(pk=root.pk).update(numchild=companies)
    branches = list(Organization.objects.filter(depth=3).order_by("path").values_list("pk", flat=True))
    people, keys = PersonFactory("bench"), NameKeys()
    joined = datetime.date(2015, 7, 1)

    def member(i: int) -> dict:
        person = people.person()
        pinyin, initials = keys(person.name)
        phone = demo_phone(i)
        return {
            "name": person.name,
            "name_pinyin": pinyin,
            "name_initials": initials,
            "gender": person.gender,
            "ethnicity": "01",
            "birth_date": person.birth_date,
            "id_number_sealed": crypto.encrypt(person.id_number, b"member.id_number"),
            "id_number_digest": crypto.blind_index("id_number", person.id_number),
            "phone_sealed": crypto.encrypt(phone, b"member.phone") if phone else "",
            "phone_digest": crypto.blind_index("phone", phone) if phone else "",
            "education": "",
            "party_status": "probationary" if i % 13 == 0 else "full",
            "standing": "normal",
            "joined_on": joined,
            "full_member_on": None,
            "home_org_id": branches[i % len(branches)],
            "occupation_id": None,
            "employer_id": None,
            "region_id": None,
            "is_mobile": i % 10 < 3,
            "work_role": "frontline",
        }

    insert_rows(Member, (member(i) for i in range(members)))
    totals.rebuild()
    grant_role(User.objects.create_user("admin"), Role.PLATFORM_ADMIN)
    first_branch = Organization.objects.get(pk=branches[0])
    grant_role(User.objects.create_user("secretary"), Role.SECRETARY, first_branch)
    with connection.cursor() as cursor:
        # As autovacuum leaves a table that has settled: statistics, and the visibility map that lets
        # PostgreSQL count from an index alone (a fresh bulk load counts 1,000,000 rows 5 times slower).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"{members:,} members in {companies * (per_company + 1) + 1:,} organisations written in "
        f"{time.perf_counter() - started:.0f} s ({connection.vendor})",
        flush=True,
    )


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The members of a subtree, the first page in the list's order, and their count: by hand. The
# subtree is a range of paths, which either database reads on the path index.
MEMBER_PAGE_SQL = (
    "SELECT m.id, m.name, m.gender, m.party_status, m.is_mobile, o.name FROM registry_member m "
    "JOIN registry_organization o ON o.id = m.home_org_id WHERE o.path >= %s AND o.path < %s "
    "ORDER BY m.name_pinyin, m.id LIMIT %s"
)
# The subtree's total, as kept per organisation (registry.totals).
MEMBER_COUNT_SQL = (
    "SELECT t.members FROM registry_membertotals t JOIN registry_organization o ON o.id = t.organization_id "
    "WHERE o.path = %s"
)


def bare_member_page(request):
    """The limit of a list request: the same client, middleware and session, the hand-written SQL."""
    prefix = request.GET["prefix"]
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first path past the subtree
    found = rows(MEMBER_PAGE_SQL, (prefix, after, PAGE))
    total = rows(MEMBER_COUNT_SQL, (prefix,))[0][0]
    return JsonResponse({"count": total, "rows": [list(row) for row in found]})


urlpatterns = [path("bench/bare-members/", bare_member_page), path("", include("zhibu.urls"))]


def signed_in(username: str) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=username))
    return client


def ok(client: Client, url: str):
    def get():
        response = client.get(url, secure=True)  # production settings send plain HTTP to HTTPS
        assert response.status_code == 200, (url, response.status_code)

    return get


def main() -> None:
    parser = argparse.ArgumentParser(description="registry benchmarks")
    parser.add_argument("--members", type=int, default=100_000)
    if not Member.objects.exists():
        fill(parser.parse_args().members)
    top = Organization.objects.filter(depth=1).order_by("path").first()
    secretary = User.objects.get(username="secretary")
    branch = secretary.grants.select_related("organization").get().organization
    members_total = Member.objects.count()
    admin, clerk = signed_in("admin"), signed_in("secretary")
    with override_settings(ROOT_URLCONF=__name__):
        for where, client, org in (("top of the tree", admin, top), ("a branch", clerk, branch)):
            in_subtree = Member.objects.filter(home_org__path__startswith=org.path).count()
            bare = ok(client, f"/bench/bare-members/?prefix={org.path}")
            facts = {"members": members_total, "in_subtree": in_subtree}
            report(
                f"member list page, {where}", ok(client, f"/registry/members/?org={org.pk}"), "bare view", bare, **facts
            )
            report(f"member API list, {where}", ok(client, f"/api/v1/members?org={org.pk}"), "bare view", bare, **facts)

    actor = User.objects.get(username="admin")
    sample = Member.objects.order_by("pk")[members_total // 2]
    name_part = sample.name[1:] or sample.name
    initials = sample.name_initials
    report(
        "member search by name",
        lambda: list(queries.search_members(actor, text=name_part)[:PAGE]),  # in the order the list shows
        "hand-written SQL",
        lambda: rows(
            "SELECT m.id FROM registry_member m WHERE m.name LIKE %s ORDER BY m.name_pinyin, m.id LIMIT %s",
            (f"%{name_part}%", PAGE),
        ),
        members=members_total,
    )
    upper = initials[:-1] + chr(ord(initials[-1]) + 1)
    if could_begin_pinyin(initials):  # the initials might be pinyin too: both are searched
        initials_sql = (
            "SELECT m.id FROM registry_member m WHERE (m.name_initials >= %s AND m.name_initials < %s) "
            "OR (m.name_pinyin >= %s AND m.name_pinyin < %s) ORDER BY LOWER(m.name_pinyin), m.id LIMIT %s",
            (initials, upper, initials, upper, PAGE),
        )
    else:
        initials_sql = (
            "SELECT m.id FROM registry_member m WHERE m.name_initials >= %s AND m.name_initials < %s "
            "ORDER BY m.name_initials, m.name_pinyin, m.id LIMIT %s",
            (initials, upper, PAGE),
        )
    report(
        f"member search by pinyin initials “{initials}”",
        lambda: list(queries.search_members(actor, text=initials)[:PAGE]),
        "hand-written SQL",
        lambda: rows(*initials_sql),
        members=members_total,
    )
    parent = top
    children = list(Organization.objects.get_children(parent))
    while len(children) == 1:  # down a chain of single children, to where the tree branches (the industry)
        parent = children[0]
        children = list(Organization.objects.get_children(parent))
    report(
        "member counts of a subtree's children",
        lambda: queries.with_member_counts(Organization.objects.filter(pk__in=[child.pk for child in children])),
        "hand-written SQL",
        lambda: rows(
            "SELECT o.id, t.members FROM registry_organization o "
            "JOIN registry_membertotals t ON t.organization_id = o.id WHERE o.path LIKE %s AND o.depth = %s",
            (parent.path + "%", parent.depth + 1),
        ),
        organisations=len(children),
        members=members_total,
    )
    report(
        "key figures of the registry, whole tree",
        lambda: queries.key_counts(actor),
        "hand-written SQL",
        lambda: (
            rows(
                "SELECT SUM(t.members), SUM(t.mobile), SUM(t.full), SUM(t.probationary) FROM registry_membertotals t "
                "JOIN registry_organization o ON o.id = t.organization_id WHERE o.depth = 1"
            ),
            rows("SELECT COUNT(*) FROM registry_organization"),
        ),
        members=members_total,
    )


if __name__ == "__main__":
    main()
