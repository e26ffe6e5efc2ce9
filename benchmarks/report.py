"""A results file as the Markdown table of BENCHMARKS.md:
``python -m benchmarks.report benchmarks/results-<time>.json [more.json …]``.

Several files (e.g. a run of the main cases and one of the sweep) are merged in order."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2f}"


def _verdicts(figure: dict) -> str:
    marks = {True: "met", False: "**missed**", None: "n/a"}
    return "; ".join(f"{t['target']}: {marks[t['met']]}" for t in figure.get("targets", []))


def table(results: list[dict]) -> str:
    lines = [
        "| figure | median | unit | limit | limit median | ratio | target |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    for run in results:
        for f in run["figures"]:
            if "values" not in f:
                what = "skipped: " + f["skipped"] if "skipped" in f else "FAILED"
                lines.append(f"| {f['name']} | {what} | | | | | |")
                continue
            ratio = "–" if f["ratio"] is None else f"{f['ratio']:.2f}"
            lines.append(
                f"| {f['name']} | {_num(f['median'])} | {f['unit']} | {f['limit_name']} | "
                f"{_num(f['limit_median'])} | {ratio} | {_verdicts(f)} |"
            )
    return "\n".join(lines)


def header(results: list[dict]) -> str:
    out = []
    for run in results:
        m = run["machine"]
        out.append(
            f"- {run['when']}, {run['scale']} scale: {m['nproc']} CPUs ({m['cpu']}), load average {m['loadavg']}, "
            f"Python {m['python']}, {run.get('database_server') or '?'}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    results = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    print(header(results))
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
