"""Case 10: the public bulletin served to a crowd (a link passed round the residents'
groups): the version's web page and its PDF through gunicorn, fresh (200) and revalidated
(If-None-Match: 304), beside a static file WhiteNoise serves from the same gunicorn in the
same run (css/app.css, which the public pages load), all loaded by wrk on loopback.

The targets of the issue: each page at least half the static file's requests per second
(ratio <= 2), and with conditional requests at least 80 % (ratio <= 1.25).
"""

from __future__ import annotations

import shutil
import urllib.request

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from rectification.devdata.demo import demo_load
from rectification.models import BulletinVersion, Inspection
from rectification.services.bulletins import bulletin_publish

from ..child import Skip
from ..figures import Figure, Target
from .http import CONNECTIONS, THREADS, WORKERS, Load, Server, wrk

STATIC = "/static/css/app.css"


def _published() -> BulletinVersion:
    """The Fuhua demo's current public version (published once if the demo has none)."""
    demo_load()
    inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua")
    version = (
        BulletinVersion.objects.filter(bulletin__inspection=inspection, withdrawn_at__isnull=True)
        .order_by("-number")
        .first()
    )
    if version is None:
        secretary = get_user_model().objects.get(username="shuji")
        version = bulletin_publish(inspection=inspection, user=secretary)
    return version


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, (url, response.status)
        assert "cookie" not in (response.headers.get("Vary") or "").lower(), url
        return response.headers["ETag"]


def run(ctx) -> list[Figure]:
    if shutil.which("wrk") is None:
        raise Skip("wrk is not installed (apt-get install wrk; `make setup-dev` installs it)")
    version = _published()
    slug, args = version.bulletin.inspection.organisation.slug, (version.bulletin_id, version.number)
    # WhiteNoise serves what collectstatic put in STATIC_ROOT (var/bench/staticfiles).
    call_command("collectstatic", interactive=False, verbosity=0)
    seconds, rounds = ctx.scale.http_seconds, 1 if ctx.quick else 3
    server = Server()
    try:
        base = server.base
        urls = {
            "static": base + STATIC,
            "page": base + reverse("rectification:public_bulletin_html", args=[slug, *args]),
            "pdf": base + reverse("rectification:public_bulletin_pdf", args=[slug, *args]),
        }
        etags = {name: _etag(url) for name, url in urls.items() if name != "static"}
        for url in urls.values():
            wrk(url, 1)  # warm every worker (imports, connections, the cache)
        results: dict[str, list[Load]] = {k: [] for k in ("static", "page", "page-304", "pdf", "pdf-304")}
        for _ in range(rounds):
            results["static"].append(wrk(urls["static"], seconds))
            for name in ("page", "pdf"):
                results[name].append(wrk(urls[name], seconds))
                results[f"{name}-304"].append(wrk(urls[name], seconds, headers=(f"If-None-Match: {etags[name]}",)))
    finally:
        server.stop()
    return _figures(results, ctx, len(bytes(version.pdf)))


def _figures(results: dict[str, list[Load]], ctx, pdf_bytes: int) -> list[Figure]:
    static = [load.rps for load in results["static"]]
    where = f"gunicorn {WORKERS} workers, wrk -t{THREADS} -c{CONNECTIONS}, {ctx.server}"
    what = {
        "page": ("the bulletin's public web page (the Fuhua demo)", 2),
        "page-304": ("the same with If-None-Match: 304, no body", 1.25),
        "pdf": (f"its PDF ({pdf_bytes // 1024} KiB)", 2),
        "pdf-304": ("the PDF with If-None-Match: 304", 1.25),
    }
    figures = []
    for key, (label, limit) in what.items():
        loads = results[key]
        errors = sum(load.errors for load in loads)
        requests = sum(load.requests for load in loads)
        note = f"{label}; {where}; {requests} requests, {errors} errors; limit: WhiteNoise's {STATIC} in the same run"
        figures.append(
            Figure(
                f"public.{key}.rps",
                [load.rps for load in loads],
                "req/s",
                "public.static-file.rps",
                static,
                targets=[Target("ratio", "<=", limit)],
                note=note,
            )
        )
        if errors > requests * 0.005 and not ctx.quick:
            raise AssertionError(f"public.{key}: {errors} failed requests of {requests}")
    return figures
