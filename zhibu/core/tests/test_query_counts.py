"""Every list page and API list costs a fixed number of queries, however many rows it lists (issue 7 §4).

Each entry of zhibu/core/tests/lists.py is read on the scope-matrix world, every app is grown (more
members, stations, meetings, courses, contests, chain sessions, points, check-ins, audit events …),
and the entry is read again: the count must not change, and must stay under the entry's ceiling.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.core.tests.lists import GROWERS, LISTS, NOT_LISTS, setup
from zhibu.core.tests.test_scope_matrix import MATRIX, built_world, matrix_world, url_names

__all__ = ["built_world", "matrix_world"]  # the fixtures, used by name below

# Names that mark a list: a new URL named like this must be in LISTS (or in NOT_LISTS, with a reason).
LIST_NAME = re.compile(
    r"^api-1\.0\.0:list_|(index|list|mine|inbox|catalogue|kept|plans|banks|tasks|deliveries)$|(^|:)my_"
)


def _url(world, name):
    entry = LISTS[name]
    args = (entry.args or MATRIX[name].args)(world)
    return reverse(name, args=args)


def _count(client, world, name) -> tuple[int, list[str]]:
    entry = LISTS[name]
    client.force_login(world.users[entry.persona])
    url = _url(world, name)
    client.get(url, entry.query)  # caches (sessions, scopes, translations) warm up on a first read
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, entry.query)
    assert response.status_code == 200, f"{name} as {entry.persona}: {response.status_code}"
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]


def test_every_list_is_counted():
    names = set(url_names())
    lists = {name for name in names if LIST_NAME.search(name)}
    assert lists - LISTS.keys() - NOT_LISTS.keys() == set(), "add these lists to LISTS in lists.py"
    assert (LISTS.keys() | NOT_LISTS.keys()) - names == set(), "these entries name no URL"


def test_lists_do_not_grow_with_the_rows(client, matrix_world):
    world = matrix_world
    setup(world)
    before = {name: _count(client, world, name) for name in LISTS}
    for grow in GROWERS:
        grow(world)
    after = {name: _count(client, world, name) for name in LISTS}
    grew = {name: (before[name][0], after[name][0]) for name in LISTS if after[name][0] != before[name][0]}
    heavy = {name: (after[name][0], LISTS[name].ceiling) for name in LISTS if after[name][0] > LISTS[name].ceiling}
    detail = "\n".join(
        f"--- {name}: {before[name][0]} -> {after[name][0]}\n"
        + "\n".join(_new_queries(before[name][1], after[name][1]))
        for name in grew
    )
    assert grew == {}, f"query counts grew with the rows (before, after):\n{grew}\n{detail}"
    assert heavy == {}, f"query counts over the ceiling (count, ceiling): {heavy}"


def _new_queries(before: list[str], after: list[str]) -> list[str]:
    """The queries `after` runs more often than `before`, with their literals masked."""
    mask = re.compile(r"\b\d+\b|'[^']*'")
    counts: dict[str, int] = {}
    for sql in before:
        counts[mask.sub("?", sql)] = counts.get(mask.sub("?", sql), 0) - 1
    for sql in after:
        counts[mask.sub("?", sql)] = counts.get(mask.sub("?", sql), 0) + 1
    return [f"  {n}x {sql[:300]}" for sql, n in counts.items() if n > 0]
