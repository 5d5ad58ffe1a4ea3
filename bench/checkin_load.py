"""Benchmark: the 报到 API under concurrent load, on loopback only.

Fills the database (a temporary data folder, or the empty, disposable database of DATABASE_URL)
with a station that is a 党员报到处, a branch secretary who is told of each 报到 in the app, and
MEMBERS members with accounts and API tokens, then serves the application with gunicorn (2
workers, production settings) on 127.0.0.1 and drives it with wrk:
each request is one member's tap (`POST /api/v1/checkins` with the station's code and their own
token, the tokens taken in turn), bounded in time and connections. The limit, for the ratio: a
bare Django view through the same gunicorn, middleware and token check. Prints requests per second,
latencies and the count of non-2xx answers.

    .venv/bin/python bench/checkin_load.py [--members 5000] [--seconds 20] [--connections 16]
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FILL = r"""
import json, sys
from decimal import Decimal
from zhibu.accounts.models import ApiToken, User
from zhibu.accounts.services import create_api_token, grant_role
from zhibu.checkins import codes
from zhibu.core.scope import SystemActor
from zhibu.registry import services
from zhibu.registry.models import Member
from zhibu.stations import services as stations

MEMBERS = __MEMBERS__
actor = SystemActor("bench")
top = services.create_organization(actor, parent=None, code="bench", name="基准行业党委", kind="industry_committee")
branch = services.create_organization(actor, parent=top, code="bench-1", name="基准支部", kind="branch")
station = stations.create_station(actor, name="基准报到处", kind="service_center", level=2, is_checkin_point=True,
                                  organization=branch, latitude=Decimal("22.54"), longitude=Decimal("113.93"),
                                  coordinate_system="wgs84")
# The branch's secretary, whose inbox every tap is routed to, is told of each in the app.
grant_role(User.objects.create_user("bench-secretary"), "secretary", branch)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
def id_number(index):
    first17 = f"440305{1960 + index % 35}{1 + index % 12:02d}{1 + index % 28:02d}{index // 13440 % 1000:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]
import datetime
seen, tokens = set(), []
index = 0
while len(tokens) < MEMBERS:
    number = id_number(index)
    index += 1
    if number in seen:
        continue
    seen.add(number)
    member = services.create_member(actor, services.MemberInput(name=f"党员{index}", id_number=number,
        party_status="full", joined_on=datetime.date(2015, 7, 1), home_org=branch, is_mobile=True))
    user = User.objects.create_user(f"bench{index}", member=member)
    tokens.append(create_api_token(user, "bench")[1])
print(json.dumps({"code": codes.make_code(station), "tokens": tokens}))
"""

# wrk: each connection takes the tokens in turn; a tap is a POST with the code.
LUA = r"""
local tokens, code = {}, "__CODE__"
for line in io.lines("__TOKENS__") do tokens[#tokens + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  local token = tokens[(counter * 7919 + __THREAD_SALT__) % #tokens + 1]
  local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
                   ["X-Forwarded-Proto"] = "https", ["Host"] = "localhost"}
  return wrk.format("__METHOD__", "__PATH__", headers, __BODY__)
end
"""

BARE_URLS = """
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from zhibu.accounts.api import AUTH

@csrf_exempt  # as the API's token-authenticated views are
def bare(request):
    # The same token check as the API, then nothing: the limit of a request through this stack.
    user = AUTH[0](request)
    return JsonResponse({"ok": user is not None}, status=201)

urlpatterns = [path("bench/bare/", bare), path("", include("zhibu.urls"))]
"""

BENCH_WSGI = """
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "bench_urls"  # the application's URLs and the bare view
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def parse_wrk(output: str) -> dict:
    def number(pattern: str, default: float = 0.0) -> float:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else default

    def latency(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not found:
            return 0.0
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(number(r"(\d+) requests in"))
    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "requests": requests,
        "per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "median_ms": latency("50"),
        "p95_ms": latency("90") if not re.search(r"^\s*95%", output, re.M) else latency("95"),
        "errors": errors + socket_errors,
    }


def probe(port: int, token: str, code: str, path: str) -> None:
    """One tap before the load: it must be answered 201, or the figures would measure errors."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "X-Forwarded-Proto": "https"}
    connection.request("POST", path, json.dumps({"code": code}), headers | {"Host": "localhost"})
    answer = connection.getresponse()
    body = answer.read()
    if answer.status != 201:
        raise SystemExit(f"{path} answered {answer.status}: {body[:300]!r}")


def load(port: int, folder: Path, code: str, path: str, method: str, seconds: int, connections: int) -> dict:
    probe(port, (folder / "tokens.txt").read_text().split()[0], code, path)
    body = json.dumps(json.dumps({"code": code}))
    script = folder / f"load-{method}.lua"
    lua = LUA.replace("__CODE__", code).replace("__TOKENS__", str(folder / "tokens.txt"))
    lua = lua.replace("__PATH__", path).replace("__METHOD__", method).replace("__BODY__", body)
    script.write_text(lua.replace("__THREAD_SALT__", str(secrets.randbelow(1000))))
    done = subprocess.run(
        [
            shutil.which("wrk"),
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout)
    return parse_wrk(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk; `make bench` installs it)")
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="zhibu-bench-") as scratch:
        folder = Path(scratch)
        keys = {name: secrets.token_urlsafe(32) for name in ("SECRET_KEY", "ZHIBU_BLIND_INDEX_KEY")}
        keys["ZHIBU_FIELD_KEYS"] = "k1:" + secrets.token_urlsafe(32)
        (folder / "bench_urls.py").write_text(BARE_URLS)
        (folder / "bench_wsgi.py").write_text(BENCH_WSGI)
        env = os.environ | keys | {"ZHIBU_DATA_DIR": scratch, "DEBUG": "0", "ALLOWED_HOSTS": "localhost,127.0.0.1"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        started = time.perf_counter()
        filled = subprocess.run(
            [*manage, "shell", "-c", FILL.replace("__MEMBERS__", str(args.members))],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        made = json.loads(filled.stdout.strip().splitlines()[-1])
        (folder / "tokens.txt").write_text("\n".join(made["tokens"]) + "\n")
        print(f"{args.members:,} members with tokens made in {time.perf_counter() - started:.0f} s")
        port = free_port()
        server_env = env | {"PYTHONPATH": scratch, "DJANGO_SETTINGS_MODULE": "zhibu.settings"}
        command = [
            str(bin_dir / "gunicorn"),
            "bench_wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(command, env=server_env, cwd=ROOT)
        try:
            wait_for(port)
            taps = load(port, folder, made["code"], "/api/v1/checkins", "POST", args.seconds, args.connections)
            bare = load(port, folder, made["code"], "/bench/bare/", "POST", args.seconds, args.connections)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"报到 API: {taps['per_second']:.0f} requests/s, median {taps['median_ms']:.1f} ms, p95 {taps['p95_ms']:.1f} ms, "
        f"{taps['errors']} errors in {taps['requests']:,} requests; bare view {bare['per_second']:.0f} requests/s"
    )
    line = {
        "operation": f"报到 API under load (gunicorn 2 workers, wrk {args.connections} connections, {args.seconds} s)",
        "median_ms": taps["median_ms"],
        "p95_ms": taps["p95_ms"],
        "baseline": "bare Django view with the same token check",
        "baseline_median_ms": bare["median_ms"],
        "ratio": round(bare["per_second"] / taps["per_second"], 2) if taps["per_second"] else None,
        "requests_per_s": round(taps["per_second"]),
        "baseline_requests_per_s": round(bare["per_second"]),
        "errors": taps["errors"],
        "requests": taps["requests"],
    }
    print("BENCH-RESULT " + json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
