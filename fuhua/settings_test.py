"""Test overrides: fast hashing, isolated file storage, eager nothing."""

import tempfile
from pathlib import Path

from .settings import *  # noqa: F403
from .settings import AUTHENTICATION_BACKENDS, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_tmp = Path(tempfile.mkdtemp(prefix="fuhua-test-"))
PRIVATE_MEDIA_ROOT = MEDIA_ROOT = _tmp / "private"
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {"location": str(MEDIA_ROOT)}}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# client.login() passes no request; keep axes on for every login through a view.
AUTHENTICATION_BACKENDS = ["fuhua.testing_auth.RequestOptionalAxesBackend", *AUTHENTICATION_BACKENDS[1:]]
# django-axes logs every login at INFO; tests log in hundreds of times.
LOGGING = {**LOGGING, "loggers": {**LOGGING.get("loggers", {}), "axes": {"level": "WARNING"}}}  # noqa: F405
BULLETIN_PDF_CACHE_DIR = _tmp / "bulletin-pdf"
# Tasks published by tests go to an in-process queue, never to var/celery; the worker
# tests start their own worker on Redis (TEST_REDIS_URL).
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Never the developer's var/fuhua.sqlite3, even from a test that reaches the database
# before pytest-django has swapped in the test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["NAME"] = str(_tmp / "never-the-dev-db.sqlite3")  # noqa: F405
# The public comment form's rate limit counts per address in the cache, and every test
# client comes from 127.0.0.1; the tests of the limit set it back to the default (5).
COMMENT_RATE_PER_MINUTE = 1000
