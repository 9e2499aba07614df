"""Default settings, overridden by the environment.

Layers: this file (defaults + environment) → ``test.py`` (tests) or ``production.py``
(deployments). Every secret comes from the environment; a development secret is used
only in demo mode (``ZONGHENG_DEMO=1``), which ``make run`` sets.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("ZONGHENG_VAR_DIR", BASE_DIR / "var"))
# var/ holds the SQLite database, uploads and logs: readable by the service account only.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEMO_MODE = env_bool("ZONGHENG_DEMO")
# Demo data is not debug mode: the demo serves the same pages (and error pages) as production.
DEBUG = env_bool("DJANGO_DEBUG")

# Development-only keys: accepted solely in demo mode, never in production.
_DEV_SECRET = "zongheng-demo-only-secret-key-not-for-production-use-0123456789"
_DEV_FIELD_KEY = "ZGVtby1vbmx5LWZpZWxkLWtleS0zMi1ieXRlcyEhISE="  # base64 of 32 bytes


def secret(name: str, dev_value: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if DEMO_MODE or os.environ.get("ZONGHENG_TESTING"):
        return dev_value
    raise ImproperlyConfigured(f"{name} must be set in the environment (or run in demo mode)")


SECRET_KEY = secret("DJANGO_SECRET_KEY", _DEV_SECRET)
# AES-256-GCM key (base64, 32 bytes) for personal fields encrypted at rest.
FIELD_ENCRYPTION_KEY = secret("ZONGHENG_FIELD_KEY", _DEV_FIELD_KEY)

ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our own static files (no CDN, no inline script)
    "treebeard",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "zongheng.core",
    "zongheng.accounts",
    "zongheng.orgs",
    "zongheng.demands",
    "zongheng.notices",
    "zongheng.meetings",
    "zongheng.cobuild",
    "zongheng.members",
    "zongheng.lists",
    "zongheng.net",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zongheng.core.middleware.SecurityHeadersMiddleware",  # outside WhiteNoise: static files get the CSP too
    "zongheng.core.uploads.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zongheng.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zongheng.accounts.middleware.IdleTimeoutMiddleware",
    "zongheng.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "zongheng.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "zongheng.urls"
WSGI_APPLICATION = "zongheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "zongheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zongheng.core.context.platform",
            ],
            # {% url %} with no arguments: the address made once per process (core/urlcache.py).
            "builtins": ["zongheng.core.templatetags.fixed_url"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zongheng.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query whose estimated cost passes a threshold. The figures' correlated subqueries
    # are estimated far above what they cost, so a 30 ms query of the city's dashboard spent 440 ms compiling
    # (bench/README.md, session 10). Off for this application's connections; ZONGHENG_PG_OPTIONS replaces the
    # startup options (set it empty behind a pooler that refuses them, and turn JIT off on the server instead).
    pg_options = os.environ.get("ZONGHENG_PG_OPTIONS", "-c jit=off")
    if pg_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = pg_options
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 30, "transaction_mode": "IMMEDIATE",
                                           "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"})

# The database (the table ``zongheng_cache``, created by ``migrate``: core.CacheEntry), shared by every worker and
# every host: the figures' snapshots of a district and above (counted once per period whichever worker asks first,
# and the same moment on every refresh) and, in demo mode, the login page's summary. No Redis (docs/deployment.md).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "zongheng_cache",
                      "OPTIONS": {"MAX_ENTRIES": 10_000}}}
# The figures pages of a district and above read a snapshot at most this old, counted by the first request after it
# expires and said so on the page (why and which: core/snapshot.py, orgs.selectors.reads_snapshot); 0 = always live.
FIGURES_SNAPSHOT_SECONDS = int(os.environ.get("ZONGHENG_FIGURES_SNAPSHOT_SECONDS", "300"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "start"  # core.landing: each role lands on a page made for it
CSRF_FAILURE_VIEW = "zongheng.core.views.csrf_failure"
LOGOUT_REDIRECT_URL = "home"

# Lockout: 5 failures lock the username for an hour (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock by account, not by IP: a street office shares one NAT address, and one cadre's
# typos must not lock out the whole office. See docs/security.md.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# Sessions: 30-minute idle timeout, enforced by IdleTimeoutMiddleware.
SESSION_IDLE_SECONDS = int(os.environ.get("ZONGHENG_IDLE_SECONDS", "1800"))
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "src" / "zongheng" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "src" / "zongheng" / "static"]
MEDIA_ROOT = Path(os.environ.get("ZONGHENG_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Uploads: files over 2.5 MB spill to a temporary file instead of memory; no request body
# may exceed UPLOAD_MAX_BYTES (refused before it is read: core.uploads.UploadLimitMiddleware
# and core.uploads.LimitedUploadHandler for bodies without a Content-Length).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # non-file form fields and JSON bodies
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
UPLOAD_MAX_BYTES = int(os.environ.get("ZONGHENG_UPLOAD_MAX_BYTES", str(25 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "zongheng.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ZONGHENG_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Imports with more rows than this run in the background worker.
IMPORT_INLINE_MAX_ROWS = int(os.environ.get("ZONGHENG_IMPORT_INLINE_MAX_ROWS", "2000"))

# 民心零距离 (demands)
DEMAND_GRID_LEVELS = ("grid",)
DEMAND_SATISFIED_RATING = 3  # a rating at or above this closes the demand
DEMAND_REOPEN_DAYS = int(os.environ.get("ZONGHENG_DEMAND_REOPEN_DAYS", "7"))
DEMAND_RATING_DAYS = int(os.environ.get("ZONGHENG_DEMAND_RATING_DAYS", "7"))
WORKDAY_START = "08:30"
WORKDAY_END = "17:30"
SMS_BACKEND = os.environ.get("ZONGHENG_SMS_BACKEND", "zongheng.demands.sms.log_backend")
# Anonymous submissions (web form, Open311 without api_key) per client and hour, counted in the DB.
DEMAND_PUBLIC_PER_HOUR = int(os.environ.get("ZONGHENG_DEMAND_PUBLIC_PER_HOUR", "5"))
# Behind a reverse proxy: the META key of the header holding the client address it sets (e.g. HTTP_X_REAL_IP
# for X-Real-IP). The audit log records that address and the residents' per-client limits count by it.
CLIENT_IP_HEADER = os.environ.get("ZONGHENG_CLIENT_IP_HEADER", "")

# 一张网's grid map draws the boundaries alone. Raster tiles under them are optional: a URL template on the
# platform's own origin ("/tiles/{z}/{x}/{y}.png", Web Mercator XYZ tiles in WGS 84 — not GCJ-02 — that the
# deployment's web server serves or proxies; the CSP allows images from the platform itself only).
MAP_TILE_URL = os.environ.get("ZONGHENG_MAP_TILES", "")
MAP_TILE_ATTRIBUTION = os.environ.get("ZONGHENG_MAP_TILES_ATTRIBUTION", "")
if MAP_TILE_URL and (not MAP_TILE_URL.startswith("/") or MAP_TILE_URL.startswith("//")
                     or not all(k in MAP_TILE_URL for k in ("{z}", "{x}", "{y}"))):
    raise ImproperlyConfigured("ZONGHENG_MAP_TILES must be a path on this site holding {z}, {x} and {y}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Pages on these paths show or accept a resident's tracking code: never cached. SecurityHeadersMiddleware
# (core/middleware.py) also sends no-store to every authenticated user, and the CSP on every response.
NO_STORE_PATH_PREFIXES = ("/demands/new/", "/demands/track/", "/demands/rate/", "/demands/reopen/", "/open311/")
