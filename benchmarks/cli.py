"""Command line: the parent picks databases and starts the children; a child runs cases."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from . import env

# Case name -> the database group it runs in. Order is the order of the output.
CASES = {
    "dashboard": "main",
    "rollup": "main",
    "sweep": "sweep",
    "bulletin": "main",
    "upward": "main",
    "reviews": "main",
    "acceptance": "main",
    "ledger": "main",
    "statistics": "main",
    "http": "main",
    "public": "main",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="tiny scale, seconds (CI runs this)")
    p.add_argument("--only", default="", help="comma-separated cases: " + ",".join(CASES))
    p.add_argument("--runs", type=int, default=0, help="timed runs per case (default: 7, quick: 3)")
    p.add_argument("--json", default="", help="results file (default benchmarks/results-<time>.json)")
    p.add_argument("--child", default="", help=argparse.SUPPRESS)
    p.add_argument("--out", default="", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cases = [c.strip() for c in args.only.split(",") if c.strip()] or list(CASES)
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}", file=sys.stderr)
        return 2
    if args.child:
        from .child import run_child

        return run_child(cases=cases, quick=args.quick, runs=args.runs, out=Path(args.out))
    return _parent(args, cases)


def _parent(args: argparse.Namespace, cases: list[str]) -> int:
    try:
        dbs = env.databases(quick=args.quick)
    except env.BenchConfigError as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    (env.VAR / "staticfiles").mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
    urls = {"main": dbs.main, "sweep": dbs.sweep}
    if dbs.is_postgres:
        for url in set(urls.values()):
            env.ensure_postgres_database(url)
    print(env_line(dbs), flush=True)
    from .figures import HEADER

    print(HEADER, flush=True)
    results, failed = [], False
    for group in ("main", "sweep"):
        group_cases = [c for c in cases if CASES[c] == group]
        if not group_cases:
            continue
        code, figures = _run_child(group_cases, urls[group], args)
        results += figures
        failed |= code != 0
    path = Path(args.json) if args.json else Path(__file__).parent / f"results-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(_report(dbs, args, results), ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.quick:  # a tiny scale says nothing about the targets
        _print_targets(results)
    print(f"# results written to {path}", flush=True)
    return 1 if failed else 0


def _run_child(cases: list[str], url: str, args: argparse.Namespace) -> tuple[int, list[dict]]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    cmd = [sys.executable, "-m", "benchmarks", "--child", "1", "--only", ",".join(cases), "--out", str(out)]
    if args.quick:
        cmd.append("--quick")
    if args.runs:
        cmd += ["--runs", str(args.runs)]
    code = subprocess.run(cmd, env=env.child_env(url), cwd=env.ROOT, check=False).returncode
    try:
        figures = json.loads(out.read_text(encoding="utf-8")) if out.stat().st_size else []
    finally:
        out.unlink(missing_ok=True)
    return code, figures


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "python": platform.python_version(), "loadavg": load}


def env_line(dbs: env.Databases) -> str:
    m = machine()
    where = "PostgreSQL" if dbs.is_postgres else "SQLite"
    return f"# {m['nproc']} CPUs ({m['cpu']}), load {m['loadavg']}, Python {m['python']}, {where}: {_safe(dbs.main)}"


def _safe(url: str) -> str:
    """The URL without a password, for printing."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


def _report(dbs: env.Databases, args: argparse.Namespace, figures: list[dict]) -> dict:
    return {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "scale": "quick" if args.quick else "full",
        "machine": machine(),  # the load average at the end of the run
        "databases": {"main": _safe(dbs.main), "sweep": _safe(dbs.sweep)},
        "database_server": next((f["server"] for f in figures if f.get("server")), ""),
        "figures": figures,
    }


def _print_targets(figures: list[dict]) -> None:
    checks = [(f["name"], t) for f in figures for t in f.get("targets", [])]
    if not checks:
        return
    print("# targets (from the issue):", flush=True)
    for name, t in checks:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        print(f"#   {name:<34} {t['target']:<16} {verdict}", flush=True)
