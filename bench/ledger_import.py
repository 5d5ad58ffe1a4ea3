"""Benchmark: a member ledger of N rows (default 100,000) checked, encrypted and committed.

Runs `manage.py import_ledger` in a child process on a fresh SQLite database in a temporary data
folder (or on DATABASE_URL when set), and prints wall time and the child's peak memory. The
generated file is a realistic ledger: title row, Chinese headers, dates as text and as dates.

    .venv/bin/python bench/ledger_import.py [--rows 100000]
"""

import argparse
import datetime
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵解强柴华车冉房边"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬建国志勇海燕雪梅晓东春梅文博子涵浩然宇轩欣怡梓萱"
)


def id_number(index: int) -> str:
    """A distinct, checksum-valid number for every index below 1.4 million (region digits, birth date, sequence)."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=index % 14000)
    first17 = f"44{(index // 14000) % 100:02d}05{birth:%Y%m%d}{(index // 140) % 1000:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def write_ledger(path: Path, rows: int) -> None:
    import xlsxwriter

    random.seed(7)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("党员台账")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["深圳市快递行业党员台账（基准测试）"])
    sheet.write_row(
        1,
        0,
        [
            "姓名",
            "身份证号码",
            "性别",
            "民族",
            "手机",
            "学历",
            "人员类别",
            "党籍状态",
            "入党时间",
            "转正时间",
            "所在支部",
            "流动党员",
        ],
    )
    for index in range(rows):
        number = id_number(index)
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        joined = (
            birth.replace(year=birth.year + 25)
            if birth.month != 2 or birth.day != 29
            else birth.replace(year=birth.year + 25, day=28)
        )
        name = random.choice(SURNAMES) + "".join(random.choices(GIVEN, k=random.choice((1, 2))))
        row = 2 + index
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, number)
        sheet.write_string(row, 2, "男" if int(number[16]) % 2 else "女")
        sheet.write_string(row, 3, "汉族")
        sheet.write_string(row, 4, f"13{index % 10}{index:08d}"[:11])
        sheet.write_string(row, 5, random.choice(["大学本科", "大学专科", "高中", "中专"]))
        sheet.write_string(row, 6, "正式党员")
        sheet.write_string(row, 7, "正常")
        if index % 2:
            sheet.write_datetime(row, 8, datetime.datetime.combine(joined, datetime.time()), date)
        else:
            sheet.write_string(row, 8, f"{joined.year}.{joined.month}.{joined.day}")
        sheet.write_string(row, 9, f"{joined.year + 1}年{joined.month}月{min(joined.day, 28)}日")
        sheet.write_string(row, 10, f"基准支部{index % 50:02d}")
        sheet.write_string(row, 11, "是" if index % 5 == 0 else "否")
    book.close()


def read_raw(ledger: Path) -> float:
    """The limit of an import: reading every cell of the workbook, nothing else."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    book = CalamineWorkbook.from_path(str(ledger))
    for sheet in book.sheet_names:
        book.get_sheet_by_name(sheet).to_python()
    return time.perf_counter() - started


EXPORT = """
import io, json, time
import xlsxwriter
from django.db import connection
from zhibu.core.scope import SystemActor
from zhibu.ledgers import services
from zhibu.registry.models import Organization
org = Organization.objects.get(code="bench")
started = time.perf_counter()
name, data = services.render_export(SystemActor("bench"), org, {"per_branch": False, "reveal": False, "format": "xlsx"})
exported = time.perf_counter() - started
started = time.perf_counter()
with connection.cursor() as cursor:
    cursor.execute("SELECT m.name, m.gender, m.ethnicity, m.education, m.party_status, m.joined_on, m.full_member_on, "
                   "o.name, m.is_mobile FROM registry_member m JOIN registry_organization o ON o.id = m.home_org_id "
                   "ORDER BY o.path, m.name_pinyin, m.id")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet()
    for row, values in enumerate(cursor):
        sheet.write_row(row, 0, [str(value) if value is not None else "" for value in values])
    book.close()
print(json.dumps({"exported": exported, "limit": time.perf_counter() - started, "bytes": len(data)}))
"""


def export_times(manage: list[str], env: dict) -> tuple[float, float]:
    done = subprocess.run([*manage, "shell", "-c", EXPORT], env=env, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["exported"], figures["limit"]


def result(operation: str, seconds: float, baseline: str, limit: float, rows: int) -> None:
    """One run of each: its time stands for the median and the 95th percentile."""
    line = {
        "operation": f"{operation} of {rows:,} rows",
        "median_ms": round(seconds * 1000),
        "p95_ms": round(seconds * 1000),
        "baseline": baseline,
        "baseline_median_ms": round(limit * 1000),
        "ratio": round(seconds / limit, 2),
        "rows_per_s": round(rows / seconds),
    }
    print("BENCH-RESULT " + json.dumps(line, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    python = str(ROOT / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="zhibu-bench-") as folder:
        # Production settings, with keys made for the run unless the suite gave its own.
        keys = {name: secrets.token_urlsafe(32) for name in ("SECRET_KEY", "ZHIBU_BLIND_INDEX_KEY")}
        keys["ZHIBU_FIELD_KEYS"] = "k1:" + secrets.token_urlsafe(32)
        env = keys | os.environ | {"ZHIBU_DATA_DIR": folder, "DEBUG": "0"}
        manage = [python, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        setup = (
            "from zhibu.core.scope import SystemActor\n"
            "from zhibu.registry import services\n"
            "a = SystemActor('bench')\n"
            "top = services.create_organization(a, parent=None, code='bench', name='基准行业党委', kind='industry_committee')\n"
            "for i in range(50):\n"
            "    services.create_organization(a, parent=top, code=f'bench-{i:02d}', name=f'基准支部{i:02d}', kind='branch')\n"
        )
        subprocess.run([*manage, "shell", "-c", setup], env=env, check=True)
        ledger = Path(folder) / "ledger.xlsx"
        started = time.perf_counter()
        write_ledger(ledger, args.rows)
        print(
            f"generated {args.rows:,} rows ({ledger.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        raw_read = read_raw(ledger)
        print(f"raw read of the workbook (calamine, every cell): {raw_read:.1f} s")
        for label, extra in (
            ("dry run (check only)", ["--dry-run"]),
            ("import (check, encrypt, commit)", []),
            ("re-import (all unchanged)", []),
        ):
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            done = subprocess.run(
                [*manage, "import_ledger", str(ledger), "--org", "bench", "--json", *extra],
                env=env,
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            report = json.loads(done.stdout) if done.stdout.strip() else {}
            counts = {k: report.get(k) for k in ("created", "updated", "unchanged")} | {
                "errors": len(report.get("errors", []))
            }
            peak_note = f"{peak / 1024:.0f} MB" if peak > before else "≤ previous peak"
            print(f"{label}: {elapsed:.1f} s, peak RSS {peak_note}, exit {done.returncode}, {counts}")
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
                sys.exit(1)
            if not extra and report.get("created"):
                result("ledger import", elapsed, "raw read of the spreadsheet", raw_read, args.rows)
        exported, limit = export_times(manage, env)
        print(f"export of the whole ledger (.xlsx): {exported:.1f} s; writing the same rows raw: {limit:.1f} s")
        result("ledger export", exported, "the same rows read by SQL and written raw with XlsxWriter", limit, args.rows)


if __name__ == "__main__":
    main()
