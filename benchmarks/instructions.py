"""Instructions per request, counted by valgrind's callgrind: the figure to compare a change
by on a shared machine.

Times on these machines swing by a quarter from one minute to the next (BENCHMARKS.md); an
instruction count does not: the same code, data and interpreter give the same count run after
run, whatever else the machine is doing. It counts the web process only (not the database
server), so it says what a change did to the Python side of a page, not how fast the page is;
the issue's targets stay the timed cases' ratios.

    python -m benchmarks.instructions [--quick] [--requests N] [page ...]

Each page is requested in a fresh interpreter under ``valgrind --tool=callgrind`` with
counting switched off, warmed up, then counted over N requests (callgrind_control switches
counting on and off), so start-up and first-request costs are left out. The data are the
benchmarks' own (generated first when missing, outside valgrind), on the database that
``make bench`` would use.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile

from . import env

PAGES = ("healthz", "healthz-logged-in", "logged-in-frame", "measure-list", "dashboard", "rollup", "reviews")
WARM_UP = 4
COLLECTED = re.compile(r"Collected : (\d+)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.split("\n\n")[0])
    p.add_argument("pages", nargs="*", help="default: " + " ".join(PAGES))
    p.add_argument("--quick", action="store_true", help="the quick data set (CI)")
    p.add_argument("--requests", type=int, default=10, help="requests counted per page (default 10)")
    p.add_argument("--child", default="", help=argparse.SUPPRESS)
    p.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.prepare or args.child:
        return _child(args)
    pages = args.pages or list(PAGES)
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        print(f"unknown page(s): {', '.join(unknown)}; known: {', '.join(PAGES)}", file=sys.stderr)
        return 2
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("benchmarks.instructions: valgrind is not installed (apt install valgrind)", file=sys.stderr)
        return 2
    try:
        url = env.databases(quick=args.quick).main
    except env.BenchConfigError as exc:
        print(f"benchmarks.instructions: {exc}", file=sys.stderr)
        return 2
    if url.startswith(("postgres", "pgsql")):
        env.ensure_postgres_database(url)
    scale = ["--quick"] if args.quick else []
    me = [sys.executable, "-m", "benchmarks.instructions", *scale]
    subprocess.run([*me, "--prepare"], env=env.child_env(url), cwd=env.ROOT, check=True)
    print(f"{'page':<20} {'instructions/request':>22}", flush=True)
    for page in pages:
        count = _count([*me, "--child", page, "--requests", str(args.requests)], url)
        print(f"{page:<20} {count / args.requests / 1e6:>20.2f} M", flush=True)
    return 0


def _count(cmd: list[str], url: str) -> int:
    """Instructions callgrind counted while the child had counting switched on."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp}/out.%p", *cmd],
            env=env.child_env(url),
            cwd=env.ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    found = COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(cmd)} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(found[-1])


def _child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from . import data

    spec = (data.QUICK if args.quick else data.FULL).main
    if args.prepare:
        call_command("migrate", verbosity=0, interactive=False)
        data.ensure(spec)
        return 0
    from django.db import transaction

    from .cases import as_of

    with as_of(spec.reference_date), transaction.atomic():
        client, url = _page(args.child, spec)
        for _ in range(WARM_UP):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        gc.collect()  # every count starts from the same collector state
        _counting("on")
        for _ in range(args.requests):
            client.get(url)
        _counting("off")
        transaction.set_rollback(True)  # the review queue's documents are written for the count only
    return 0


def _counting(state: str) -> None:
    subprocess.run(["callgrind_control", "--instr=" + state, str(os.getpid())], check=True, capture_output=True)


def _page(page: str, spec):
    """A client (logged in as the page's user) and the page's URL."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from rectification.devdata.scale import district_slug, supervisor_username, username

    from .cases import logged_in_client
    from .cases.dashboard import dashboard_page
    from .cases.rollup import rollup_page

    users = get_user_model().objects
    secretary = logged_in_client(users.get(username=username(spec, 0, "secretary")))
    if page == "healthz":
        return Client(), reverse("rectification:healthz")
    if page == "healthz-logged-in":  # the same view with a session: the session and the user are read
        return secretary, reverse("rectification:healthz")
    if page == "logged-in-frame":
        return secretary, reverse("password_change")
    if page == "measure-list":
        return secretary, reverse("rectification:measure_list")
    if page == "dashboard":
        return secretary, dashboard_page(spec)[1]
    supervisor = users.get(username=supervisor_username(spec))
    if page == "reviews":  # the review queue's three lists, written as the timed case writes them
        from rectification.models import Organisation

        from .cases.reviews import generate

        generate(Organisation.objects.get(slug=district_slug(spec)), supervisor.pk, spec.reference_date)
        return logged_in_client(supervisor), reverse("rectification:review_queue")
    return logged_in_client(supervisor), rollup_page(spec)[1]


if __name__ == "__main__":
    sys.exit(main())
