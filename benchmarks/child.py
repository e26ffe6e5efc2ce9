"""A child process: Django set up on one database, the data built, the cases run."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .figures import Figure


class Skip(Exception):
    """A case that cannot run here (a missing tool, SQLite at full scale); not a failure."""


@dataclass
class Context:
    quick: bool
    runs: int
    sweep_runs: int
    scale: Any  # data.Scale
    server: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        """The data's reference date: every case runs as if it were today."""
        return self.scale.main.reference_date

    @property
    def is_postgres(self) -> bool:
        from django.db import connection

        return connection.vendor == "postgresql"


def _setup() -> str:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def run_child(*, cases: list[str], quick: bool, runs: int, out: Path) -> int:
    server = _setup()
    from . import data

    scale = data.QUICK if quick else data.FULL
    ctx = Context(quick=quick, runs=runs or scale.runs, sweep_runs=runs or scale.sweep_runs, scale=scale, server=server)
    results: list[dict[str, Any]] = []
    failed = False
    for name in cases:
        try:
            module = importlib.import_module(f"benchmarks.cases.{name}")
            figures: list[Figure] = module.run(ctx)
        except Skip as exc:
            print(f"# {name}: skipped: {exc}", flush=True)
            results.append({"name": name, "skipped": str(exc)})
            continue
        except Exception:
            failed = True
            print(f"# {name}: FAILED", flush=True)
            traceback.print_exc()
            results.append({"name": name, "failed": traceback.format_exc(limit=3)})
            continue
        for figure in figures:
            print(figure.line(), flush=True)
            if figure.note:
                print(f"#   {figure.note}", flush=True)
            results.append({**figure.as_json(), "server": server, "scale": scale.name})
    out.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    sys.stdout.flush()
    return 1 if failed else 0
