"""`make bench`: every benchmark, on SQLite and, when reachable, on PostgreSQL, at the scale of
BENCH_SCALE (default 100k: 100,000 members; `1m`: 1,000,000 members, about 100,000 organisations,
100,000 stations and 10,000,000 contact, attendance and delivery rows).

Each benchmark runs in its own child process on a fresh database (a temporary data folder; on
PostgreSQL a database made for it and dropped after) and prints `BENCH-RESULT {json}` lines: the
median and 95th-percentile times of an operation and of its limit on the same data in the same run
(hand-written SQL for an aggregate, a raw read of the spreadsheet for an import, a bare Django view
for a request). This gathers them with the machine they ran on into bench-results.json (one report per scale)
and a Markdown table per scale between the suite's markers in BENCHMARKS.md. A run of some
benchmarks (--only, --skip) replaces their rows of that scale and keeps the others.

    make bench                          # BENCH_SCALE=100k
    BENCH_SCALE=1m make bench           # hours, not minutes
    .venv/bin/python bench/suite.py --only sqlite --skip ledger
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCALES = {
    "100k": {"members": 100_000, "stations": 10_000, "ledger_rows": 100_000, "tokens": 5_000, "load_seconds": 30},
    "1m": {"members": 1_000_000, "stations": 100_000, "ledger_rows": 100_000, "tokens": 5_000, "load_seconds": 30},
    "smoke": {
        "members": 2_000,
        "stations": 1_000,
        "ledger_rows": 1_000,
        "tokens": 100,
        "load_seconds": 3,
    },  # that the harness runs, in minutes
}
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


def markers(scale: str) -> tuple[str, str]:
    return f"<!-- bench-suite:{scale}:begin -->", f"<!-- bench-suite:{scale}:end -->"


def fresh_keys() -> dict[str, str]:
    keys = {name: secrets.token_urlsafe(32) for name in ("SECRET_KEY", "ZHIBU_BLIND_INDEX_KEY")}
    keys["ZHIBU_FIELD_KEYS"] = "k1:" + secrets.token_urlsafe(32)
    return keys


def postgres_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None


class Database:
    """A fresh, disposable database for one benchmark: SQLite in the data folder, or a PostgreSQL
    database made for it."""

    def __init__(self, vendor: str, folder: Path, name: str):
        self.vendor, self.folder, self.name = vendor, folder, name

    def __enter__(self) -> dict[str, str]:
        env = {"ZHIBU_DATA_DIR": str(self.folder)}
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')
            env["DATABASE_URL"] = f"{POSTGRES}/{self.name}"
        return env

    def __exit__(self, *exc) -> None:
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')

    @staticmethod
    def _admin(*statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)


def run(command: list[str], env: dict[str, str], label: str) -> list[dict]:
    """Run a child, pass its output through, and return its BENCH-RESULT lines."""
    print(f"\n== {label}", flush=True)
    results = []
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as child:
        for line in child.stdout:
            if line.startswith("BENCH-RESULT "):
                results.append(json.loads(line.removeprefix("BENCH-RESULT ")))
            print(line, end="", flush=True)
    if child.returncode:
        raise SystemExit(f"{label} failed (exit {child.returncode})")
    return results


def registry(env: dict, scale: dict) -> list[dict]:
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    command = [PYTHON, str(ROOT / "bench" / "registry_ops.py"), "--members", str(scale["members"])]
    return run(command, env, "registry: lists, searches, counts")


def nearest(env: dict, scale: dict) -> list[dict]:
    command = [PYTHON, str(ROOT / "bench" / "nearest.py"), "--stations", str(scale["stations"])]
    return run(command, env, "nearest-station search")


def bottom_lines(env: dict, scale: dict) -> list[dict]:
    command = [PYTHON, str(ROOT / "bench" / "bottom_lines.py"), "--members", str(scale["members"])]
    return run(command, env, "three bottom lines")


def ledger(env: dict, scale: dict) -> list[dict]:
    command = [PYTHON, str(ROOT / "bench" / "ledger_import.py"), "--rows", str(scale["ledger_rows"])]
    return run(command, env, "ledger import and export")


def checkin_load(env: dict, scale: dict) -> list[dict]:
    command = [PYTHON, str(ROOT / "bench" / "checkin_load.py"), "--members", str(scale["tokens"])]
    command += ["--seconds", str(scale["load_seconds"])]
    return run(command, env, "报到 API under load")


BENCHMARKS = {
    "registry": registry,
    "nearest": nearest,
    "bottom_lines": bottom_lines,
    "ledger": ledger,
    "checkin_load": checkin_load,
}


def machine(postgres_version: str | None) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
    }


def merged(path: Path, report: dict) -> dict:
    """The reports of every scale in `path`, with this run's rows in place of the same rows before."""
    reports = json.loads(path.read_text()) if path.exists() else {}
    if "scale" in reports:  # the file of a single report, as the suite first wrote it
        reports = {reports["scale"]: reports}
    earlier = reports.get(report["scale"], {}).get("results", [])
    ran = {(row["database"], row["benchmark"]) for row in report["results"]}
    kept = [row for row in earlier if (row["database"], row.get("benchmark")) not in ran]
    reports[report["scale"]] = report | {"results": kept + report["results"]}
    return reports


def markdown(report: dict) -> str:
    info = report["machine"]
    lines = [
        f"Last run {report['finished'][:16].replace('T', ' ')} UTC by `BENCH_SCALE={report['scale']} make bench` on "
        f"{info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB; SQLite {info['sqlite']}"
        + (f", PostgreSQL {info['postgresql']}" if info["postgresql"] else ", PostgreSQL not reachable")
        + ". Ratio: the operation's median over its limit's median, on the same data in the same run.",
        "",
        "| database | operation | median | p95 | limit | limit median | ratio | throughput and data |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(report["results"], key=lambda row: row["database"] != "sqlite"):
        lines.append(
            f"| {row['database']} | {row['operation']} | {fmt_ms(row['median_ms'])} | {fmt_ms(row['p95_ms'])} | "
            f"{row['baseline']} | {fmt_ms(row['baseline_median_ms'])} | {row['ratio']} | {facts(row)} |"
        )
    return "\n".join(lines)


SHOWN = {
    "database",
    "benchmark",
    "operation",
    "median_ms",
    "p95_ms",
    "baseline",
    "baseline_median_ms",
    "baseline_p95_ms",
    "ratio",
}


def facts(row: dict) -> str:
    """What else a benchmark reported: its rate, its errors, the size of its data."""
    return ", ".join(
        f"{name.replace('_per_s', '/s').replace('_', ' ')} {value:,}" if isinstance(value, int) else f"{name} {value}"
        for name, value in row.items()
        if name not in SHOWN
    )


def fmt_ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def write_markdown(path: Path, scale: str, text: str) -> None:
    begin, end = markers(scale)
    current = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text}\n{end}"
    if begin in current:
        head, rest = current.split(begin, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip() + f"\n\n### BENCH_SCALE={scale}\n\n" + block + "\n"
    path.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "100k"), choices=sorted(SCALES))
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--skip", action="append", default=[], choices=sorted(BENCHMARKS))
    parser.add_argument("--output", default=str(ROOT / "bench-results.json"))
    parser.add_argument("--markdown", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    scale = SCALES[args.scale]
    postgres_version = postgres_reachable()
    vendors = [vendor for vendor in ("sqlite", "postgresql") if args.only in (None, vendor)]
    if "postgresql" in vendors and postgres_version is None:
        print("PostgreSQL is not reachable: the suite runs on SQLite only")
        vendors.remove("postgresql")
    results = []
    for vendor in vendors:
        for name, benchmark in BENCHMARKS.items():
            if name in args.skip:
                continue
            with (
                tempfile.TemporaryDirectory(prefix="zhibu-bench-") as folder,
                Database(vendor, Path(folder), f"zhibu_bench_{name}") as database_env,
            ):
                env = os.environ | fresh_keys() | database_env | {"DEBUG": "0", "ALLOWED_HOSTS": "localhost"}
                results += [{"database": vendor, "benchmark": name, **row} for row in benchmark(env, scale)]
    report = {
        "scale": args.scale,
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(postgres_version),
        "results": results,
    }
    output = Path(args.output)
    reports = merged(output, report)
    output.write_text(json.dumps(reports, ensure_ascii=False, indent=2) + "\n")
    text = markdown(reports[args.scale])
    write_markdown(Path(args.markdown), args.scale, text)
    print("\n" + text)


if __name__ == "__main__":
    main()
