"""Benchmark: the nearest-station search among N stations (default 100,000).

Fills a fresh SQLite database in a temporary data folder (or the database of DATABASE_URL, which
must be empty and disposable) with stations spread over China, denser in and around forty cities,
then times `stations.queries.nearest(lat, lng, k=10)` for 1,000 random points near where people
are. Prints the median, 95th percentile and maximum in milliseconds.

    .venv/bin/python bench/nearest.py [--stations 100000] [--queries 1000]
    DATABASE_URL=postgresql://postgres@127.0.0.1/zhibu_bench .venv/bin/python bench/nearest.py
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
import random, statistics, time
from django.db import connection
from django.utils import timezone
from zhibu.core.bulk import insert_rows
from zhibu.registry.models import Organization
from zhibu.stations import queries
from zhibu.stations.models import Station

CITIES = [(39.90, 116.40), (31.23, 121.47), (22.54, 114.06), (23.13, 113.26), (30.57, 104.07), (29.56, 106.55),
          (30.27, 120.15), (34.26, 108.94), (32.06, 118.80), (30.59, 114.31), (36.07, 120.38), (38.04, 114.51),
          (41.80, 123.43), (45.80, 126.53), (43.82, 125.32), (36.65, 117.12), (34.75, 113.62), (28.23, 112.94),
          (26.07, 119.30), (24.48, 118.09), (25.04, 102.71), (26.65, 106.63), (22.82, 108.32), (20.04, 110.34),
          (36.06, 103.83), (38.49, 106.23), (43.83, 87.62), (29.65, 91.13), (40.84, 111.75), (37.87, 112.55),
          (31.82, 117.23), (28.68, 115.86), (22.27, 113.58), (22.32, 114.17), (39.08, 117.20), (31.30, 120.58),
          (31.49, 120.31), (29.87, 121.54), (23.02, 113.75), (22.99, 113.12)]
rng = random.Random(7)

def near_city(spread):
    lat, lng = rng.choice(CITIES)
    return lat + rng.gauss(0, spread), lng + rng.gauss(0, spread)

now = timezone.now()
org = Organization.add_root(code="bench", name="bench", kind="committee")
rows = []
for index in range(COUNT):
    lat, lng = near_city(0.15) if index % 10 else (rng.uniform(21, 48), rng.uniform(80, 130))
    rows.append({"name": f"驿站{index}", "kind": "rest_station", "level": 4, "organization_id": org.pk,
                 "is_checkin_point": False, "latitude": round(lat, 6), "longitude": round(lng, 6),
                 "coordinate_system": "wgs84", "wgs_latitude": lat, "wgs_longitude": lng, "always_open": True,
                 "open_days": "1234567", "hours_note": "", "address": "", "contact_name": "", "contact_phone": "",
                 "is_active": True, "checkin_key_version": 1, "parent_id": None, "unit_id": None,
                 "region_id": None, "place_organization_id": None, "opens_at": None, "closes_at": None,
                 "created_at": now, "updated_at": now})
started = time.perf_counter()
insert_rows(Station, rows)
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stations_station")
print(f"{Station.objects.count():,} stations inserted in {time.perf_counter() - started:.1f} s ({connection.vendor})")
points = [near_city(0.08) for _ in range(QUERIES)]
for lat, lng in points[:20]:
    queries.nearest(lat, lng, 10)  # warm the caches
from zhibu.stations import geo
# The limit: one hand-written query for the ten nearest, given the tightest box that holds them
# (the radius of the tenth), measured in the database; then the same rows by id, as the search reads them.
LIMIT_SQL = ("SELECT id FROM stations_station WHERE is_active AND wgs_latitude BETWEEN %s AND %s "
             "AND wgs_longitude BETWEEN %s AND %s ORDER BY (wgs_latitude - %s) * (wgs_latitude - %s) + "
             "(wgs_longitude - %s) * (wgs_longitude - %s) * %s LIMIT 10")
import math
def by_hand(lat, lng, radius):
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
    squeeze = math.cos(math.radians(lat)) ** 2
    with connection.cursor() as cursor:
        cursor.execute(LIMIT_SQL, (min_lat, max_lat, min_lng, max_lng, lat, lat, lng, lng, squeeze))
        ids = [row[0] for row in cursor.fetchall()]
    return list(Station.objects.order_by().in_bulk(ids).values())
times, limits = [], []
for lat, lng in points:
    started = time.perf_counter()
    found = queries.nearest(lat, lng, 10)
    times.append((time.perf_counter() - started) * 1000)
    assert len(found) == 10
    radius = found[-1].distance_m
    started = time.perf_counter()
    by_hand(lat, lng, radius)
    limits.append((time.perf_counter() - started) * 1000)
times.sort()
limits.sort()
print(f"nearest(k=10) over {QUERIES} points: median {statistics.median(times):.2f} ms, "
      f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms; "
      f"the limit (one query in the tightest box): median {statistics.median(limits):.2f} ms")
import json
print("BENCH-RESULT " + json.dumps({"operation": "nearest-station search (k=10)",
      "median_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95)], 2),
      "baseline": "hand-written SQL in the tightest box", "baseline_median_ms": round(statistics.median(limits), 2),
      "baseline_p95_ms": round(limits[int(len(limits) * 0.95)], 2),
      "ratio": round(statistics.median(times) / statistics.median(limits), 2), "stations": COUNT}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    manage = [sys.executable, str(ROOT / "manage.py")]
    code = MEASURE.replace("COUNT", str(args.stations)).replace("QUERIES", str(args.queries))
    with tempfile.TemporaryDirectory(prefix="zhibu-bench-") as folder:
        # Production settings (DEBUG off, which also stops Django recording every query), with
        # throw-away keys.
        keys = {name: secrets.token_urlsafe(32) for name in ("SECRET_KEY", "ZHIBU_BLIND_INDEX_KEY")}
        keys["ZHIBU_FIELD_KEYS"] = "k1:" + secrets.token_urlsafe(32)
        env = os.environ | keys | {"ZHIBU_DATA_DIR": folder, "DEBUG": "0", "ALLOWED_HOSTS": "localhost"}
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "shell", "-c", code], env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
