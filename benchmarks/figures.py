"""Figures (a measured value beside its limit measured in the same run), timing, printing."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# How a ratio is read: "case / limit" for times, "limit / case" for throughputs, so that
# a ratio is always "how many times worse than the limit" and 1.0 is the best possible.
HIGHER_IS_BETTER = {"req/s"}


@dataclass
class Target:
    """A target from the issue: ``what`` is "ratio" or "median"; ``op`` is "<=" or "<"."""

    what: str
    op: str
    value: float

    def met(self, figure: Figure) -> bool | None:
        got = figure.ratio if self.what == "ratio" else figure.median
        if got is None:
            return None
        return got <= self.value if self.op == "<=" else got < self.value

    def __str__(self) -> str:
        return f"{self.what} {self.op} {self.value:g}"


@dataclass
class Figure:
    name: str
    values: list[float]
    unit: str
    limit_name: str = "-"
    limit_values: list[float] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def limit_median(self) -> float | None:
        return statistics.median(self.limit_values) if self.limit_values else None

    @property
    def ratio(self) -> float | None:
        limit = self.limit_median
        if limit is None or limit == 0 or self.median == 0:
            return None
        return limit / self.median if self.unit in HIGHER_IS_BETTER else self.median / limit

    def line(self) -> str:
        limit = "-" if self.limit_median is None else _num(self.limit_median)
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        return f"{self.name:<34} {_num(self.median):>10} {self.unit:<8} {self.limit_name:<34} {limit:>10} {ratio:>6}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = [{"target": str(t), "met": t.met(self)} for t in self.targets]
        data.update(median=self.median, limit_median=self.limit_median, ratio=self.ratio)
        return data


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2f}"


HEADER = f"{'name':<34} {'median':>10} {'unit':<8} {'limit-name':<34} {'limit-median':>10} {'ratio':>6}"


def sample_ms(
    fn: Callable[[], Any], runs: int, *, warmup: int = 1, setup: Callable[[], Any] | None = None
) -> list[float]:
    """Wall-clock milliseconds of ``runs`` calls of ``fn`` after ``warmup`` untimed ones;
    ``setup`` runs untimed before each call (resetting state a call changed)."""
    out = []
    for i in range(warmup + runs):
        if setup is not None:
            setup()
        gc.collect()
        started = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            out.append(elapsed)
    return out


def interleaved_ms(
    case: Callable[[], Any],
    limit: Callable[[], Any],
    runs: int,
    *,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
) -> tuple[list[float], list[float]]:
    """Time the case and its limit alternately, so that load from the other engineers on
    this shared machine hits both alike."""
    times = interleaved({"case": case, "limit": limit}, runs, warmup=warmup, setup=setup)
    return times["case"], times["limit"]


def interleaved(
    fns: dict[str, Callable[[], Any]], runs: int, *, warmup: int = 1, setup: Callable[[], Any] | None = None
) -> dict[str, list[float]]:
    """Milliseconds of each function, called in turn ``runs`` times (after ``warmup``)."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(warmup + runs):
        for name, fn in fns.items():
            if setup is not None:
                setup()
            gc.collect()
            started = time.perf_counter()
            fn()
            if i >= warmup:
                out[name].append((time.perf_counter() - started) * 1000)
    return out


def cpu_ms(fn: Callable[[], Any], runs: int) -> list[float]:
    """This process's CPU milliseconds per call: what a request costs the web worker, less
    sensitive than wall time to other processes on the machine (the database server's
    time is not in it)."""
    out = []
    for _ in range(runs):
        started = time.process_time()
        fn()
        out.append((time.process_time() - started) * 1000)
    return out
