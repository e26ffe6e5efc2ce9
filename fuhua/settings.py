"""The one settings module, driven by the environment (see the README's table).

With no environment at all it runs: SQLite under var/, Celery on kombu's filesystem
transport under var/celery, evidence files under var/private.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
# SQLite, the filesystem broker and logs live here; a fresh VAR_DIR must just work.
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
)
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env("DEBUG")
# A secret key is required when DEBUG is off; the development default is not secret.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "rectification.views.errors.csrf_failure"  # our 403 page, not Django's

# Production profile: with DEBUG off, HTTPS only (behind a TLS proxy that sets
# X-Forwarded-Proto), secure cookies, HSTS; `manage.py check --deploy` stays silent.
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="" if DEBUG else "HTTP_X_FORWARDED_PROTO=https")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header.split("=", 1)) if "=" in _proxy_header else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by rectification.middleware. Scripts only from our own static
# files (no inline scripts, no on* handlers); inline styles stay allowed for templates.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "rectification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rectification.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A frozen public version the cache holds is answered here, like a static file
    # (views/public_files.py); the other public pages set no cookie and no Vary: Cookie
    # (views/public_cache.py): both above the session.
    "rectification.views.public_files.PublicFastPathMiddleware",
    "rectification.middleware.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "rectification.middleware.ControlCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rectification.middleware.SessionIdleRenewalMiddleware",
    # The audit trail's request (who, from where) and the login's unfinished steps: the second
    # factor and an expired password come before any other page (rectification/login_gate.py).
    "rectification.login_gate.LoginGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Our 404 page with DEBUG on too (Django's technical page otherwise).
    "rectification.views.errors.NotFoundPageMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fuhua.urls"
WSGI_APPLICATION = "fuhua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "rectification.context_processors.notifications",
            ],
        },
    },
]
# Django's form renderer, with plain <input> widgets written without templates (same markup).
FORM_RENDERER = "rectification.forms.renderer.FastInputRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'fuhua.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# Re-check a kept connection before use, so a database restart costs one failed request at most.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out user is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Model permissions for the admin (staff only); the app's own are the rules above.
    "rectification.permissions_admin.AdminModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保: characters of several classes, and none of the last N passwords again.
    {
        "NAME": "rectification.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": env.int("PASSWORD_MIN_CLASSES", default=3)},
    },
    {"NAME": "rectification.passwords.HistoryValidator", "OPTIONS": {"keep": env.int("PASSWORD_HISTORY", default=5)}},
]
# A password older than this many days must be changed before anything else (0: never).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0 if DEBUG else 90)
# Who must pass a second factor (TOTP, django-otp) after the password: membership roles
# (secretary, member, staff, grid, supervisor) and "admin" (三员 and superusers); "all".
OTP_REQUIRED_FOR = [
    r for r in env.list("OTP_REQUIRED_FOR", default=[] if DEBUG else ["admin", "secretary", "supervisor"]) if r
]
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="巡察整改管理")
OTP_RECOVERY_CODES = 10
# A login through the government platform (OIDC) has passed that platform's own factors.
OIDC_COUNTS_AS_SECOND_FACTOR = env.bool("OIDC_COUNTS_AS_SECOND_FACTOR", default=True)
# Local (user name + password) login: "all", or "administrators" (三员 and superusers only:
# everyone else logs in through unified login).
LOCAL_LOGIN = env.str("LOCAL_LOGIN", default="all")
# 三员: one person may hold only one administrator role unless this is on.
THREE_ADMINS_MAY_COMBINE = env.bool("THREE_ADMINS_MAY_COMBINE", default=False)

# The security audit trail (rectification/services/audit.py). AUDIT_ENABLED only exists to
# measure its cost (make bench-instructions); never switch it off in production.
AUDIT_ENABLED = env.bool("AUDIT_ENABLED", default=True)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Behind a proxy that sets it (nginx: proxy_set_header X-Real-IP $remote_addr), the header
# that holds the client's address, as Django names it (HTTP_X_REAL_IP); empty: REMOTE_ADDR.
AUDIT_CLIENT_ADDRESS_HEADER = env.str("AUDIT_CLIENT_ADDRESS_HEADER", default="")

# Unified login through OpenID Connect (rectification/oidc.py). Off unless OIDC_PROVIDER_URL
# is set; the endpoints default to the provider's usual paths below it.
OIDC_PROVIDER_URL = env.str("OIDC_PROVIDER_URL", default="").rstrip("/")
OIDC_ENABLED = bool(OIDC_PROVIDER_URL)
# Last, and only where configured: Django builds every backend for each has_perm, and the
# test client's force_login takes the first backend with get_user.
UNIFIED_LOGIN_BACKEND = "rectification.oidc.UnifiedLoginBackend"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, UNIFIED_LOGIN_BACKEND]
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_AUTHORIZATION_ENDPOINT", default=f"{OIDC_PROVIDER_URL}/authorize/")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_TOKEN_ENDPOINT", default=f"{OIDC_PROVIDER_URL}/token/")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_USERINFO_ENDPOINT", default=f"{OIDC_PROVIDER_URL}/userinfo/")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_JWKS_ENDPOINT", default=f"{OIDC_PROVIDER_URL}/.well-known/jwks.json")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_LOGOUT_ENDPOINT", default="")
# Which claim identifies the person, and which Profile field it is compared with
# (employee_number, mobile or work_platform_id). Accounts are never created from a login.
OIDC_MATCH_CLAIM = env.str("OIDC_MATCH_CLAIM", default="employee_number")
OIDC_MATCH_FIELD = env.str("OIDC_MATCH_FIELD", default="employee_number")
OIDC_CREATE_USER = False
OIDC_LOGIN_LABEL = env.str("OIDC_LOGIN_LABEL", default="")
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/unified-refused/"
# The demo accounts share a published password (README): loadable only where DEBUG is on.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=DEBUG)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "rectification:home"
LOGOUT_REDIRECT_URL = "login"

# Login protection. Lock-out counts failures per user name, not per address: behind the
# proxy, or in an office behind one NAT, every client may share one IP.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "rectification.auth.lockout_username"
# axes.W006 wants the IP address in the lock-out key; that would lock a whole office (one
# NAT address) after a few typos, and rotating user agents cannot bypass a per-name count.
# models.W040: SQLite ignores the INCLUDE columns of the sweep's covering indexes (migration
# 0004); they only serve PostgreSQL's index-only scans, and the key columns still index.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_RESET_ON_SUCCESS = True
# A wrong password during a lock-out must not restart it: with it on (axes' default), one
# attempt every quarter of an hour keeps the owner locked out for ever (issue 26).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "rectification.auth.lockout_response"  # says when the lock ends
AXES_COOLOFF_MESSAGE = _("登录失败次数过多，账号已暂时锁定，请稍后再试。")
AXES_PERMALOCK_MESSAGE = _("登录失败次数过多，账号已锁定，请联系系统管理员解锁。")
AXES_VERBOSE = False
# Sessions end after this many seconds without a request; activity renews them at most
# once per SESSION_RENEW_SECONDS (rectification.middleware.SessionIdleRenewalMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=2 * 60 * 60)
SESSION_RENEW_SECONDS = 300
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
# Evidence is never public: it lives outside STATIC_ROOT and has no MEDIA_URL route;
# files are served only through a view that checks permission.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/evidence-not-public/"},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}
# The PDF fonts under static/fonts (22 MB) are read from disk by WeasyPrint; compressing
# them with Brotli would make every collectstatic take minutes.
# Fonts with their registered types (Python's table has no .otf/.woff2: octet-stream).
WHITENOISE_MIMETYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2"}
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "otf", "ttf", "ttc"]
# Evidence files (and their folders) readable by the service's user and group only.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Comments from the public (bulletin pages): per sender address, at most this many a minute;
# the address comes from CLIENT_IP_HEADER (e.g. HTTP_X_REAL_IP, which nginx sets) behind a
# proxy, else from the connection.
COMMENT_RATE_PER_MINUTE = env.int("COMMENT_RATE_PER_MINUTE", default=5)
COMMENT_MAX_REQUEST_BYTES = 16 * 1024  # 2000 characters of Chinese, form-encoded, fit
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# Ledger (整改台账) upload limits; the zip checks run before openpyxl sees the file.
LEDGER_MAX_BYTES = env.int("LEDGER_MAX_BYTES", default=5 * 1024 * 1024)
LEDGER_MAX_UNCOMPRESSED_BYTES = env.int("LEDGER_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
LEDGER_MAX_COMPRESSION_RATIO = env.int("LEDGER_MAX_COMPRESSION_RATIO", default=100)
LEDGER_MAX_ROWS = env.int("LEDGER_MAX_ROWS", default=5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# One request's uploads together; larger requests are refused before they reach the disk.
MAX_UPLOAD_REQUEST_BYTES = env.int("MAX_UPLOAD_REQUEST_BYTES", default=100 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "rectification.uploads.RequestSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
NOTIFY_EMAIL_ENABLED = env.bool("NOTIFY_EMAIL_ENABLED", default=False)
NOTIFY_WEBHOOK_URL = env.str("NOTIFY_WEBHOOK_URL", default="")
NOTIFY_WEBHOOK_TIMEOUT = env.float("NOTIFY_WEBHOOK_TIMEOUT", default=10)
# Personal work messages through a 企业微信-compatible application-message API (粤政易,
# 政务微信): off unless the base URL, corp id and secret are set.
WORK_MESSAGE_BASE_URL = env.str("WORK_MESSAGE_BASE_URL", default="").rstrip("/")
WORK_MESSAGE_CORP_ID = env.str("WORK_MESSAGE_CORP_ID", default="")
WORK_MESSAGE_AGENT_ID = env.int("WORK_MESSAGE_AGENT_ID", default=0)
WORK_MESSAGE_SECRET = env.str("WORK_MESSAGE_SECRET", default="")
WORK_MESSAGE_TIMEOUT = env.float("WORK_MESSAGE_TIMEOUT", default=10)
# Logging in through the same platform's web login (rectification/work_login.py): its own
# switch, and the WORK_MESSAGE_* settings above (the code is exchanged with that app's token).
# The person is found by Profile.work_platform_id. The authorize page defaults to 企业微信's
# path below the base; a deployment whose login page lives elsewhere names it here.
WORK_LOGIN_ENABLED = env.bool("WORK_LOGIN_ENABLED", default=False) and bool(
    WORK_MESSAGE_BASE_URL and WORK_MESSAGE_CORP_ID and WORK_MESSAGE_SECRET
)
WORK_LOGIN_AUTHORIZE_URL = env.str("WORK_LOGIN_AUTHORIZE_URL", default=f"{WORK_MESSAGE_BASE_URL}/wwlogin/sso/login")
WORK_LOGIN_LABEL = env.str("WORK_LOGIN_LABEL", default="")
if WORK_LOGIN_ENABLED and UNIFIED_LOGIN_BACKEND not in AUTHENTICATION_BACKENDS:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, UNIFIED_LOGIN_BACKEND]
# A hung mail server must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Absolute links in e-mail and webhook messages, e.g. https://zhenggai.example.gov.cn
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# Celery. Without CELERY_BROKER_URL the filesystem transport needs no server at all.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),  # default: ./control in the working directory
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # Redis redelivers a task whose worker died (kill -9, a host restart) once this many
    # seconds pass without its acknowledgement (tasks are acknowledged late): kombu's
    # default is an hour, so a killed morning sweep would resume an hour late. The sweep and
    # the drain are idempotent and safe beside a second run, so a task that merely runs
    # longer than this and is redelivered does no harm.
    else {"visibility_timeout": env.int("CELERY_REDELIVER_AFTER_SECONDS", default=300)}
)
# kombu's filesystem transport does not create its folders.
for _folder in ("data_folder_in", "processed_folder", "control_folder"):
    if _folder in CELERY_BROKER_TRANSPORT_OPTIONS:
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[_folder]).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Keep a dead broker from holding up a save: publishing gives up quickly and the outbox
# (rectification.Delivery) is drained later by the beat schedule and the sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Times are Asia/Shanghai (CELERY_TIMEZONE). SWEEP_EVERY_SECONDS replaces the daily time
# with a short interval, to watch the schedule fire by hand (var/log/celery.log).
_SWEEP_EVERY = env.int("SWEEP_EVERY_SECONDS", default=0)
CELERY_BEAT_SCHEDULE = {
    "daily-sweep": {
        "task": "rectification.tasks.daily_sweep",
        "schedule": _SWEEP_EVERY or crontab(hour=6, minute=30),
    },
    "drain-outbox": {
        "task": "rectification.tasks.deliver_outbox",
        "schedule": env.int("OUTBOX_DRAIN_EVERY_SECONDS", default=60),
    },
    # The audit trail keeps AUDIT_RETENTION_DAYS (at least six months); each run is recorded.
    "prune-audit-trail": {
        "task": "rectification.tasks.prune_audit_trail",
        "schedule": crontab(hour=3, minute=15),
    },
    "weekly-digest": {
        "task": "rectification.tasks.weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),
    },
}


def _report_due_months(value: str) -> tuple[int, ...]:
    """REPORT_DUE_MONTHS as written ("2", "1,3") → (2,), (1, 3): whole months, each later than the one before."""
    parts = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
    if not parts or not all(p.isdigit() and 0 < int(p) <= 120 for p in parts):
        raise ImproperlyConfigured(f"REPORT_DUE_MONTHS={value!r}: whole months from 1 to 120, e.g. 2 or 1,3")
    months = tuple(int(p) for p in parts)
    if list(months) != sorted(set(months)):
        raise ImproperlyConfigured(f"REPORT_DUE_MONTHS={value!r}: each report later than the one before")
    return months


# Rectification rules that committees may tune.
RECTIFICATION = {
    "DUE_SOON_DAYS": env.int("DUE_SOON_DAYS", default=7),
    # The daily sweep (rectification/services/sweep.py). Offsets and grace periods count
    # working days of the official calendar (rectification/services/workdays.py).
    "REMIND_BEFORE_WORKDAYS": env.int("REMIND_BEFORE_WORKDAYS", default=3),
    "OVERDUE_REMIND_EVERY_DAYS": env.int("OVERDUE_REMIND_EVERY_DAYS", default=7),
    "ESCALATE_PERSON_AFTER_WORKDAYS": env.int("ESCALATE_PERSON_AFTER_WORKDAYS", default=1),
    "ESCALATE_LEADER_AFTER_WORKDAYS": env.int("ESCALATE_LEADER_AFTER_WORKDAYS", default=5),
    "ESCALATE_SECRETARY_AFTER_WORKDAYS": env.int("ESCALATE_SECRETARY_AFTER_WORKDAYS", default=10),
    "STALE_AFTER_DAYS": env.int("STALE_AFTER_DAYS", default=30),
    "RECHECK_AFTER_MONTHS": env.int("RECHECK_AFTER_MONTHS", default=3),
    # The documents handed upward (rectification/deadlines.py), counted from the feedback
    # date, where no organisation up the tree has set its own ReportingRules: the plan
    # within PLAN_DUE_DAYS days, a report after each of REPORT_DUE_MONTHS months ("1,3": two).
    "PLAN_DUE_DAYS": env.int("PLAN_DUE_DAYS", default=30),
    "REPORT_DUE_MONTHS": _report_due_months(env.str("REPORT_DUE_MONTHS", default="2")),
    # Urging from above (督办, rectification/urge_colour.py): an open measure shows green
    # from URGE_GREEN_DAYS days before its deadline, yellow from URGE_YELLOW_DAYS, red once
    # overdue; supervisors may urge by colour.
    "URGE_GREEN_DAYS": env.int("URGE_GREEN_DAYS", default=15),
    "URGE_YELLOW_DAYS": env.int("URGE_YELLOW_DAYS", default=5),
    # The outbox: e-mail and webhook sending retries with exponential backoff, then gives up.
    "NOTIFY_MAX_ATTEMPTS": env.int("NOTIFY_MAX_ATTEMPTS", default=5),
    "NOTIFY_RETRY_SECONDS": env.int("NOTIFY_RETRY_SECONDS", default=60),
}

# Bulletin PDFs: "auto" uses the official fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312)
# that are installed and the vendored free stand-ins for the others; "official" / "free"
# force one set. Rendered PDFs are cached by the SHA-256 of their HTML.
BULLETIN_FONTS = env.str("BULLETIN_FONTS", default="auto")
BULLETIN_PDF_CACHE_DIR = Path(env.str("BULLETIN_PDF_CACHE_DIR", default=str(VAR_DIR / "cache" / "bulletin-pdf")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403) is logged as one line, without the PermissionDenied traceback.
    "filters": {"quiet_forbidden": {"()": "fuhua.logfilters.QuietForbiddenFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}, "django.request": {"filters": ["quiet_forbidden"]}},
}
