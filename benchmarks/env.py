"""Which databases the benchmarks use, and the environment they run Django in.

The benchmarks write (generated data, sweeps, imports), so they never use the
development database: without DATABASE_URL they use their own SQLite files under
var/bench/; with a PostgreSQL DATABASE_URL the database name must contain "bench", and
the quick run and the million-measure sweep get databases of their own beside it
(``<name>_quick``, ``<name>_sweep``), created when missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"

# Production-like settings (DEBUG off: no query log, cached templates) without TLS, which
# a loopback benchmark does not have; nothing written outside var/bench.
DJANGO_ENV = {
    "DJANGO_SETTINGS_MODULE": "fuhua.settings",
    "DEBUG": "0",
    "SECRET_KEY": "benchmarks-only-not-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "SECURE_PROXY_SSL_HEADER": "",
    "STATICFILES_STORAGE_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "CELERY_BROKER_URL": "memory://",
    "CACHE_URL": "locmemcache://",
    "VAR_DIR": str(VAR),
    "LOG_LEVEL": "WARNING",
    # The bulletin case renders the Fuhua demo into the benchmarks' own database.
    "DEMO_DATA_ALLOWED": "1",
    # Kept connections, as a deployment would run; the same for every case and limit.
    "CONN_MAX_AGE": "60",
}


class BenchConfigError(Exception):
    pass


@dataclass(frozen=True)
class Databases:
    main: str  # DATABASE_URL of the dashboard, roll-up, bulletin, ledger and HTTP cases
    sweep: str  # DATABASE_URL of the sweep case (its own million measures at full scale)

    @property
    def is_postgres(self) -> bool:
        return self.main.startswith(("postgres", "pgsql"))


def _with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def databases(*, quick: bool, url: str | None = None) -> Databases:
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if not url:
        scale = "quick" if quick else "full"
        # Writers wait for the lock instead of failing when gunicorn's workers write at once.
        sqlite = f"sqlite:///{VAR / f'{scale}.sqlite3'}?transaction_mode=IMMEDIATE&timeout=20"
        return Databases(main=sqlite, sweep=sqlite)
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgres", "pgsql")):
        raise BenchConfigError(f"benchmarks run on SQLite (no DATABASE_URL) or PostgreSQL, not {parts.scheme}")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise BenchConfigError(
            f"refusing to write benchmark data into database {name!r}: use a database whose name contains "
            "'bench', e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhua_bench"
        )
    if quick:
        quick_url = _with_name(url, f"{name}_quick")
        return Databases(main=quick_url, sweep=quick_url)
    return Databases(main=url, sweep=_with_name(url, f"{name}_sweep"))


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (connecting to the server's ``postgres``)."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def child_env(database_url: str) -> dict[str, str]:
    env = {**os.environ, **DJANGO_ENV, "DATABASE_URL": database_url}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env
