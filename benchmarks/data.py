"""The data sets the cases run on, built once and found again by their tag on later runs."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from django.db import connection

from rectification.devdata.scale import ScaleSpec, scale_data_find, scale_data_generate

SEED = 1


@dataclass(frozen=True)
class Scale:
    name: str
    main: ScaleSpec  # dashboard (one community) and roll-up (all communities)
    sweep: ScaleSpec  # the overdue sweep
    ledger_rows: int
    runs: int
    sweep_runs: int  # a full-scale sweep takes seconds to a minute: three runs of each, unless --runs says otherwise
    http_seconds: int


# 100 communities x 3 inspections x 10 items x 10 measures = 30,000 measures: the district
# of the issue. The sweep's city: 1,000 communities x 5 x 20 x 10 = 1,000,000 measures.
FULL = Scale(
    name="full",
    main=ScaleSpec(communities=100, inspections_per_org=3, items_per_inspection=10, measures_per_item=10, seed=SEED),
    sweep=ScaleSpec(communities=1000, inspections_per_org=5, items_per_inspection=20, measures_per_item=10, seed=SEED),
    ledger_rows=1000,
    runs=7,
    sweep_runs=3,
    http_seconds=10,
)
QUICK = Scale(
    name="quick",
    main=ScaleSpec(communities=4, inspections_per_org=2, items_per_inspection=5, measures_per_item=5, seed=SEED),
    sweep=ScaleSpec(communities=4, inspections_per_org=2, items_per_inspection=5, measures_per_item=5, seed=SEED),
    ledger_rows=50,
    runs=3,
    sweep_runs=3,
    http_seconds=1,
)


def ensure(spec: ScaleSpec) -> None:
    """Generate the data set unless it is complete already (same shape, seed, reference date)."""
    if scale_data_find(spec=spec):
        return
    started = time.monotonic()
    print(f"# generating scale data {spec.tag} ({spec.total_measures:,} measures) ...", file=sys.stderr, flush=True)
    step = max(1, spec.communities // 10)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            print(f"#   {done}/{total} communities, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    scale_data_generate(spec=spec, progress=progress)
    if connection.vendor == "postgresql":
        # Planner statistics and the visibility map, as a database in use has them
        # (autovacuum would get there later).
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    print(f"# generated in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
