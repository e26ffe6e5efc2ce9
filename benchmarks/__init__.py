"""Benchmarks against the physical limits, measured in the same run (see BENCHMARKS.md).

``python -m benchmarks [--quick] [--only dashboard,rollup,...]``. The parent process picks
the databases and starts one child process per database (Django reads its settings once
per process); each child builds the data it needs, runs its cases and prints one line
per figure as it goes; the parent writes them all to benchmarks/results-<time>.json.
"""
