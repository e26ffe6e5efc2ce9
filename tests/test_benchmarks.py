"""The benchmark runner's own logic (make bench-quick runs the cases themselves in CI):
which database it writes to, how a ratio reads, how wrk's report is parsed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from benchmarks import env
from benchmarks.cases.http import Load, _figures, parse_wrk
from benchmarks.figures import Figure, Target

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:40123/measures/
  2 threads and 6 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    45.10ms   12.30ms 180.00ms   80.00%
    Req/Sec    66.50     10.20    90.00     70.00%
  Latency Distribution
     50%   42.50ms
     75%   50.10ms
     90%   60.00ms
     99%    1.20s
  1330 requests in 10.01s, 39.10MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    132.87
Transfer/sec:      3.91MB
NOT_REDIRECTED 9
"""


def test_wrk_report_is_parsed():
    load = parse_wrk(WRK_OUTPUT)
    assert (load.rps, load.p50_ms, load.p99_ms, load.requests) == (132.87, 42.5, 1200.0, 1330)
    # Socket errors (3) plus non-2xx/3xx (4) = 7; the status-update script's own count (9) wins when larger.
    assert load.errors == 9
    assert parse_wrk(WRK_OUTPUT.replace("NOT_REDIRECTED 9\n", "")).errors == 7


def test_http_figures_set_each_page_beside_its_limit():
    def loads(rps: float) -> list[Load]:
        return [Load(rps, 1000 / rps, 2000 / rps, int(rps) * 10, 0)]

    ctx = SimpleNamespace(server="PostgreSQL", quick=False, is_postgres=True)
    results = {"trivial": loads(1000), "trivial-session": loads(400), "list": loads(40), "frame": loads(200)}
    results["status"] = loads(50)
    figures = {f.name: f for f in _figures(results, ctx)}
    assert figures["http.trivial-logged-in.rps"].ratio == 2.5  # 1000 / 400, against the bare trivial view
    assert figures["http.measure-list.rps"].ratio == 25.0 and figures["http.measure-list.rps"].targets
    logged_in = figures["http.measure-list.rps-logged-in"]
    assert (logged_in.limit_name, logged_in.ratio, logged_in.targets) == ("http.trivial-logged-in.rps", 10.0, [])
    assert figures["http.logged-in-frame.p50"].ratio == 5.0  # 5 ms against 1 ms
    # Failed requests at full scale on PostgreSQL make the case fail, not a figure.
    results["list"] = [Load(40, 25, 50, 400, 3)]
    with pytest.raises(AssertionError, match="measure-list: 3 failed requests of 400"):
        _figures(results, ctx)


def test_a_ratio_is_how_many_times_worse_than_the_limit():
    slow = Figure("page", [30.0, 10.0, 20.0], "ms", "sql", [4.0, 5.0, 6.0], targets=[Target("ratio", "<=", 3)])
    assert (slow.median, slow.limit_median, slow.ratio) == (20.0, 5.0, 4.0)
    assert slow.targets[0].met(slow) is False
    # Throughput: the limit serves more, so the ratio is limit / case.
    rps = Figure("list", [100.0], "req/s", "trivial", [400.0], targets=[Target("ratio", "<=", 3)])
    assert rps.ratio == 4.0 and rps.targets[0].met(rps) is False
    assert Figure("queries", [12], "queries").ratio is None
    assert Target("median", "<", 100).met(Figure("x", [99.0], "ms")) is True


def test_benchmarks_never_write_to_a_database_not_named_for_them():
    with pytest.raises(env.BenchConfigError):
        env.databases(quick=False, url="postgres://postgres@127.0.0.1:5432/fuhua")
    with pytest.raises(env.BenchConfigError):
        env.databases(quick=True, url="mysql://root@127.0.0.1/fuhua_bench")
    full = env.databases(quick=False, url="postgres://u:pw@127.0.0.1:5432/fuhua_bench")
    assert (full.main, full.sweep) == (
        "postgres://u:pw@127.0.0.1:5432/fuhua_bench",
        "postgres://u:pw@127.0.0.1:5432/fuhua_bench_sweep",
    )
    quick = env.databases(quick=True, url="postgres://u:pw@127.0.0.1:5432/fuhua_bench")
    assert quick.main == quick.sweep == "postgres://u:pw@127.0.0.1:5432/fuhua_bench_quick"
    # Without DATABASE_URL: SQLite files of their own under var/bench, never the dev database.
    sqlite = env.databases(quick=True, url="")
    assert sqlite.main.startswith(f"sqlite:///{env.VAR / 'quick.sqlite3'}") and not sqlite.is_postgres


def test_instruction_counts_refuse_unknown_pages_and_read_callgrinds_total(capsys):
    from benchmarks import instructions

    assert instructions.main(["no-such-page"]) == 2
    assert "known: healthz" in capsys.readouterr().err
    stderr = "==1== Events    : Ir\n==1== Collected : 12345678\n==1==\n==1== I   refs:      99,999,999\n"
    assert instructions.COLLECTED.findall(stderr) == ["12345678"]
