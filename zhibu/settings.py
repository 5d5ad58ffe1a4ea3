"""One env-driven settings module (in the manner of healthchecks' hc/settings.py).

Every value can be set from the environment; the defaults suit `make run` on one machine.
Secrets are never written in this file: in development they are generated once into the
data folder, in production (DEBUG off) they must come from the environment.
"""

import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("ZHIBU_TESTING")
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("ZHIBU_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _development_secrets() -> dict[str, str]:
    """Random keys kept in the data folder, for development and tests only."""
    path = DATA_DIR / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ZHIBU_FIELD_KEYS": "k1:" + secrets.token_urlsafe(32),
        "ZHIBU_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


SECRET_NAMES = ("SECRET_KEY", "ZHIBU_FIELD_KEYS", "ZHIBU_BLIND_INDEX_KEY")


def secret(name: str) -> str:
    """From the environment; in development, generated once into the data folder. In production a
    missing secret is left empty so that commands such as makemigrations still run; serving refuses
    to start without it (zhibu.core.checks)."""
    value = os.environ.get(name)
    if value:
        return value
    if DEBUG or TESTING:
        return _development_secrets()[name]
    return ""


SECRET_KEY = secret("SECRET_KEY")
# Keys for AES-GCM field encryption: "id:base64url-key" pairs, comma separated, newest first.
ZHIBU_FIELD_KEYS = secret("ZHIBU_FIELD_KEYS")
# Key of the keyed hash (blind index) used for exact lookup and uniqueness of ID and phone numbers.
ZHIBU_BLIND_INDEX_KEY = secret("ZHIBU_BLIND_INDEX_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" + (",testserver" if TESTING else ""))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "ninja",
    "zhibu.core",
    "zhibu.accounts",
    "zhibu.registry",
    "zhibu.ledgers",
    "zhibu.snapshots",
    "zhibu.stations",
    "zhibu.mobility",
    "zhibu.checkins",
    "zhibu.notifications",
    "zhibu.care",
    "zhibu.materials",
    "zhibu.meetings",
    "zhibu.learning",
    "zhibu.contests",
    "zhibu.points",
    "zhibu.chains",
    "zhibu.demo",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhibu.urls"
WSGI_APPLICATION = "zhibu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zhibu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhibu.core.context_processors.navigation",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "zhibu.sqlite3"
# Connections are kept for a minute and checked before reuse: opening one to PostgreSQL costs more
# than a whole 报到 request (bench/checkin_load.py).
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60)


def _database(url: str) -> dict:
    database = dj_database_url.parse(url, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=DB_CONN_MAX_AGE > 0)
    if database["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: a page's aggregate over a million rows spent 60 ms compiling to save less.
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return database


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; see zhibu.core.apps for the pragma.
    # Tests use a file too, so that the personal-data test can scan the raw database file.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }

# A PostgreSQL read replica for lists and statistics (zhibu/core/replica.py says what goes there).
ZHIBU_REPLICA_MAX_LAG_SECONDS = float(env_str("ZHIBU_REPLICA_MAX_LAG_SECONDS", "30"))
if env_str("ZHIBU_REPLICA_URL"):
    DATABASES["replica"] = _database(env_str("ZHIBU_REPLICA_URL"))
    if TESTING:  # the test suite has no replica: the test database stands in for it
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["zhibu.core.replica.ReplicaRouter"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["zhibu.accounts.backends.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING and not env_bool("ZHIBU_TEST_ARGON2"):
    # Argon2 is deliberately slow; tests that check it turn it back on with override_settings.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Lock an account name for LOGIN_LOCKOUT_MINUTES after LOGIN_MAX_FAILURES failed attempts in a row.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "zhibu" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even before collectstatic
# Front-end packages from the npm registry, copied here by `make assets` (never committed).
STATICFILES_DIRS = [BASE_DIR / "build" / "assets"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / ("test-media" if TESTING else "media")

# Background jobs (imports, exports, monthly snapshots). One SQLite file beside the database by
# default; Redis when ZHIBU_REDIS_URL is set. `make run` starts a consumer next to the web server.
REDIS_URL = env_str("ZHIBU_REDIS_URL")
HUEY = {
    "name": "zhibu-test" if TESTING else "zhibu",
    "immediate": False,
    "results": False,
    "utc": False,  # schedules (the 1st of the month at 00:05) are in TIME_ZONE
    "consumer": {"workers": env_int("ZHIBU_JOB_WORKERS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {
        "huey_class": "huey.SqliteHuey",
        "filename": str(DATA_DIR / ("test-jobs.sqlite3" if TESTING else "jobs.sqlite3")),
    }

# Ledger files: uploads, error workbooks and exports live under the data folder, never in MEDIA_ROOT.
LEDGER_FILES_DIR = DATA_DIR / ("test-ledger-files" if TESTING else "ledger-files")
LEDGER_MAX_FILE_MB = env_int("LEDGER_MAX_FILE_MB", 50)
LEDGER_MAX_ROWS = env_int("LEDGER_MAX_ROWS", 200_000)
# A file of this many rows or more is checked on two cores (zhibu/ledgers/parallel.py).
LEDGER_PARALLEL_ROWS = env_int("LEDGER_PARALLEL_ROWS", 10_000)
# An export of more members than this runs as a background job and ends in a download link.
LEDGER_INLINE_EXPORT_ROWS = env_int("LEDGER_INLINE_EXPORT_ROWS", 2_000)
LEDGER_INLINE_PDF_ROWS = env_int("LEDGER_INLINE_PDF_ROWS", 200)  # laying out a PDF takes about 15 ms a row

# Notices (zhibu/notifications/backends.py): in-app and e-mail by default. The SMS and WeChat
# notifiers write to the log until a deployment gives them a provider.
ZHIBU_NOTIFIERS = env_list(
    "ZHIBU_NOTIFIERS",
    "zhibu.notifications.backends.InAppNotifier,zhibu.notifications.backends.EmailNotifier",
)
ZHIBU_SITE_URL = env_str("ZHIBU_SITE_URL", "http://127.0.0.1:8000")  # for links in e-mails
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "zhibu@localhost")

# Station maps (Leaflet). Without a tile server the stations are drawn on a plain background.
# Chinese tile servers (Amap, Tencent) draw in GCJ-02: say so, and the points are shifted to match.
ZHIBU_MAP_TILE_URL = env_str("ZHIBU_MAP_TILE_URL")  # such as https://tiles.example.org/{z}/{x}/{y}.png
ZHIBU_MAP_TILE_ATTRIBUTION = env_str("ZHIBU_MAP_TILE_ATTRIBUTION")
ZHIBU_MAP_TILE_SYSTEM = env_str("ZHIBU_MAP_TILE_SYSTEM", "wgs84")  # or gcj02

# 报到 at stations (zhibu/checkins). A code on a screen lives minutes and is renewed; a printed
# poster's code lives until it is withdrawn or its days run out.
CHECKIN_SCREEN_CODE_MINUTES = env_int("CHECKIN_SCREEN_CODE_MINUTES", 10)
CHECKIN_POSTER_CODE_DAYS = env_int("CHECKIN_POSTER_CODE_DAYS", 365)
CHECKIN_REPEAT_MINUTES = env_int("CHECKIN_REPEAT_MINUTES", 30)  # the same 报到 again within this is one
# Where a verified 报到 goes, first rule that finds an organisation wins: the member's employer's
# organisation, the organisation of the place the station stands in, the station's own.
CHECKIN_ROUTING = env_list("CHECKIN_ROUTING", "employer,place,station")
# Station visits are whereabouts: kept this long, then purged every night. Daily counts stay.
STATION_VISIT_RETENTION_DAYS = env_int("STATION_VISIT_RETENTION_DAYS", 180)

# Care and organisational life
ZHIBU_MEMBERS_PER_CADRE = env_int("ZHIBU_MEMBERS_PER_CADRE", 3)  # where no organisation set its own ratio
ZHIBU_REPORT_WORK_MEM = env_str("ZHIBU_REPORT_WORK_MEM", "64MB")  # PostgreSQL, for rebuilding the bottom lines
ZHIBU_LEARNING_MAX_MEDIA_MB = env_int("ZHIBU_LEARNING_MAX_MEDIA_MB", 50)  # largest lesson audio or video upload

FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

DEFAULT_EXCEPTION_REPORTER_FILTER = "zhibu.core.privacy.PersonalDataExceptionFilter"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "zhibu.core.privacy.PersonalDataLogFilter"}},
    "formatters": {
        "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        "server": {"class": "logging.StreamHandler", "filters": ["personal_data"], "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO", "propagate": True},
        # The development server's request lines carry query strings: filter them too.
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        # WeasyPrint reports every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
