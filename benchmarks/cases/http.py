"""Case 6: HTTP throughput and latency of the measure list and of a status update, served
by gunicorn on 127.0.0.1 and loaded by wrk (Debian's package) on loopback, beside a
trivial Django view (``/healthz``: the middleware stack and ``SELECT 1``) served the same
way. Each load run is bounded by wrk's ``-d`` duration; the server is stopped after.

Two more figures show the floor under any page a user is logged in to, with the same
session cookie as the list: the same trivial view (the session and the user read from the
database, nothing else: the cheapest request a logged-in browser can make), and the
password-change form (session, user, the navigation's rules, the bell, the page frame
and a form of three fields, no data).

The status update alternates each measure between 推进中 → 待销号 (submit) and back
(send back, with a reason) as its community's secretary, with the CSRF token and session
cookie a browser would send and the version the form would carry (each transition bumps
it by one). It uses another community than the dashboard case, so that one stays as
generated.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.crypto import get_random_string

from rectification.devdata.scale import community_slug, supervisor_username, username
from rectification.models import Measure, MeasureKind, MeasureStatus

from .. import data, env
from ..child import Skip
from ..figures import Figure, Target, interleaved
from . import logged_in_client

WORKERS = 3  # the README's production shape
THREADS = 2
CONNECTIONS = 6
STATUS_MEASURES_PER_THREAD = 24  # more than the connections of a thread: no measure is in flight twice

LUA = r"""
local measures = {MEASURES}
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  -- wrk calls request() once on thread 0's state to verify the script (wrk.c,
  -- script_verify_request) and never sends that request: let it be call number -1.
  k, bad, mine = (tid == 0) and -1 or 0, 0, {}
  for i, m in ipairs(measures) do
    if (i - 1) % THREADS == tid then table.insert(mine, m) end
  end
end
function request()
  local m = mine[(k % #mine) + 1]
  local round = math.floor(k / #mine)
  k = k + 1
  local to = (round % 2 == 0) and "awaiting_sign_off" or "in_progress"
  local body = "csrfmiddlewaretoken=TOKEN&reason=bench&to_status=" .. to .. "&version=" .. (m[2] + round)
  return wrk.format("POST", "/measures/" .. m[1] .. "/status/", nil, body)
end
function response(status, headers, body)
  if status ~= 302 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write("NOT_REDIRECTED " .. total .. "\n")
end
"""


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx, or (status update) anything but the redirect after success


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1:<free port>, with this process's settings and database."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [
            str(Path(sys.executable).with_name("gunicorn")),
            "fuhua.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ]
        self.log = env.VAR / "gunicorn.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=env.ROOT, env=os.environ.copy(), stdout=log, stderr=log, start_new_session=True
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}, see {self.log}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    not_redirected = re.search(r"NOT_REDIRECTED (\d+)", out)
    if not_redirected:
        errors = max(errors, int(not_redirected.group(1)))
    return Load(rps, p50, p99, requests, errors)


def wrk(
    url: str,
    seconds: int,
    *,
    cookie: str = "",
    script: Path | None = None,
    connections: int = CONNECTIONS,
    headers: tuple[str, ...] = (),
) -> Load:
    cmd = ["wrk", "-t", str(THREADS), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    for header in headers:
        cmd += ["-H", header]
    if script is not None:
        cmd += ["-s", str(script), "-H", "Content-Type: application/x-www-form-urlencoded"]
    done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=True)
    return parse_wrk(done.stdout)


def _status_script(measures: list[tuple[int, int]], token: str) -> Path:
    table = "{" + ", ".join(f"{{{pk}, {version}}}" for pk, version in measures) + "}"
    lua = LUA.replace("{MEASURES}", table).replace("THREADS", str(THREADS)).replace("TOKEN", token)
    path = env.VAR / "wrk-status.lua"
    path.write_text(lua, encoding="utf-8")
    return path


def _status_measures(spec, n: int) -> list[tuple[int, int]]:
    """In-progress time-bound measures with public progress (so they may be submitted),
    reset to 推进中 before each load run; their current versions."""
    candidates = (
        Measure.objects.filter(
            finding__category__inspection__organisation__slug=community_slug(spec, 2),
            status__in=[MeasureStatus.IN_PROGRESS, MeasureStatus.AWAITING_SIGN_OFF],
        )
        .exclude(kind=MeasureKind.ONGOING)
        .exclude(progress="")
    )
    pks = list(candidates.order_by("pk").values_list("pk", flat=True)[:n])
    if len(pks) < 2 * CONNECTIONS:
        raise RuntimeError(f"only {len(pks)} measures to update, at least {2 * CONNECTIONS} needed")
    Measure.objects.filter(pk__in=pks).update(status=MeasureStatus.IN_PROGRESS, submitted_at=None)
    return list(Measure.objects.filter(pk__in=pks).order_by("pk").values_list("pk", "version"))


def run(ctx) -> list[Figure]:
    if shutil.which("wrk") is None:
        raise Skip("wrk is not installed (apt-get install wrk; `make setup-dev` installs it)")
    spec = ctx.scale.main
    data.ensure(spec)
    User = get_user_model()
    client = logged_in_client(User.objects.get(username=username(spec, 2, "secretary")))
    token = get_random_string(32)  # a CSRF secret of our own: cookie and form field must match
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}"
    seconds, rounds = ctx.scale.http_seconds, 1 if ctx.quick else 3
    by_scope = _list_by_scope(spec, client, ctx.runs)
    server = Server()
    try:
        base = server.base
        list_url = base + reverse("rectification:measure_list")
        trivial_url = base + reverse("rectification:healthz")
        wrk(list_url, 1, cookie=cookie)  # warm every worker's imports and connections
        wrk(trivial_url, 1)
        frame_url = base + reverse("password_change")
        results: dict[str, list[Load]] = {"trivial": [], "trivial-session": [], "list": [], "frame": [], "status": []}
        for _ in range(rounds):
            results["trivial"].append(wrk(trivial_url, seconds))
            results["trivial-session"].append(wrk(trivial_url, seconds, cookie=cookie))
            results["list"].append(wrk(list_url, seconds, cookie=cookie))
            results["frame"].append(wrk(frame_url, seconds, cookie=cookie))
            script = _status_script(_status_measures(spec, THREADS * STATUS_MEASURES_PER_THREAD), token)
            results["status"].append(
                wrk(base + "/", seconds, cookie=cookie, script=script, connections=status_connections(ctx))
            )
            # wrk stops with requests in flight; let the server finish them before the next
            # round reads the versions, or one measure's whole next round is a conflict.
            time.sleep(2)
    finally:
        server.stop()
    return [*_figures(results, ctx), by_scope]


def status_connections(ctx) -> int:
    """The quick data has a dozen measures to update, six a wrk thread: with three
    connections a thread, a request slowed by SQLite's write lock could be overtaken by
    the same measure's next one, a version conflict. One connection a thread there."""
    return THREADS if ctx.quick else CONNECTIONS


def _list_by_scope(spec, secretary_client, runs: int) -> Figure:
    """The list as the district's supervisor sees it (every measure of the district)
    beside the community secretary's, in this process: how the page grows with scope."""
    supervisor = logged_in_client(get_user_model().objects.get(username=supervisor_username(spec)))
    url = reverse("rectification:measure_list")

    def page(client) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    times = interleaved({"district": lambda: page(supervisor), "community": lambda: page(secretary_client)}, runs)
    return Figure(
        "measure-list.district-supervisor",
        times["district"],
        "ms",
        "measure-list.community-secretary",
        times["community"],
        note=f"first page of the list through django.test.Client; the supervisor sees all {spec.total_measures:,}",
    )


def _values(loads: list[Load], attr: str) -> list[float]:
    return [getattr(load, attr) for load in loads]


def _figures(results: dict[str, list[Load]], ctx) -> list[Figure]:
    trivial = results["trivial"]
    figures = []
    labels = (
        ("trivial-session", "trivial-logged-in"),
        ("list", "measure-list"),
        ("frame", "logged-in-frame"),
        ("status", "status-update"),
    )
    for key, label in labels:
        loads = results[key]
        errors = sum(load.errors for load in loads)
        requests = sum(load.requests for load in loads)
        connections = status_connections(ctx) if key == "status" else CONNECTIONS
        where = f"gunicorn {WORKERS} workers, wrk -t{THREADS} -c{connections}, {ctx.server}"
        note = f"{where}; {requests} requests, {errors} errors" + (
            f" (see {env.VAR / 'gunicorn.log'})" if errors else ""
        )
        figures += [
            Figure(
                f"http.{label}.rps",
                _values(loads, "rps"),
                "req/s",
                "http.trivial.rps",
                _values(trivial, "rps"),
                targets=[Target("ratio", "<=", 3)] if key == "list" else [],
                note=note,
            ),
            Figure(f"http.{label}.p50", _values(loads, "p50_ms"), "ms", "http.trivial.p50", _values(trivial, "p50_ms")),
            Figure(f"http.{label}.p99", _values(loads, "p99_ms"), "ms", "http.trivial.p99", _values(trivial, "p99_ms")),
        ]
        if key == "list":
            # The same throughput against the cheapest request with the list's session cookie.
            figures.append(
                Figure(
                    "http.measure-list.rps-logged-in",
                    _values(loads, "rps"),
                    "req/s",
                    "http.trivial-logged-in.rps",
                    _values(results["trivial-session"], "rps"),
                    note="the list against the trivial view with the same session: what a logged-in page cannot avoid",
                )
            )
        if errors > requests * 0.005 and not ctx.quick and ctx.is_postgres:
            raise AssertionError(f"{label}: {errors} failed requests of {requests}")
    return figures
