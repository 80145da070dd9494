"""SNIGI settings: one module, configured by typed SNIGI_* environment variables.

SNIGI_ENV=demo (default) gives demo-safe defaults: SQLite in ./var/, a secret key generated once
and kept in ./var/secret_key (never in the repository), demo accounts allowed.
SNIGI_ENV=production requires SNIGI_SECRET_KEY, SNIGI_ALLOWED_HOSTS and SNIGI_DATABASE_URL, and
turns on secure cookies, HSTS and the HTTPS redirect; it has no default account.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from snigi.envvars import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent

SNIGI_ENV = env_choice("SNIGI_ENV", ("demo", "production", "test"), default="demo")
PRODUCTION = SNIGI_ENV == "production"
VAR_DIR = Path(env_str("SNIGI_VAR_DIR", default=str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    if PRODUCTION:
        key = env_str("SNIGI_SECRET_KEY")
        if len(key) < 50 or len(set(key)) < 5:
            raise ConfigurationError(
                "SNIGI_SECRET_KEY must be at least 50 characters with at least 5 distinct ones."
            )
        return key
    try:
        return env_str("SNIGI_SECRET_KEY")
    except ConfigurationError:
        pass
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("SNIGI_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ConfigurationError("SNIGI_DEBUG must be off when SNIGI_ENV=production.")
ALLOWED_HOSTS = (
    env_list("SNIGI_ALLOWED_HOSTS")
    if PRODUCTION
    else env_list("SNIGI_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
)
DEMO_MODE = SNIGI_ENV == "demo"
# Benchmark-only endpoints (/api/v1/bench/…, see benchmarks/rights_check.py): off unless asked.
BENCHMARK_ENDPOINTS = env_bool("SNIGI_BENCHMARK_ENDPOINTS", default=False)
# A double-enrolment control launched from a page or the API runs in a thread of the web
# process; off, it waits for ``snigi runcontrols`` (a separate worker, for large lists).
CONTROL_RUNS_IN_PROCESS = env_bool("SNIGI_CONTROL_RUNS_IN_PROCESS", default=True)


def _database() -> dict[str, object]:
    if PRODUCTION:
        url = env_str("SNIGI_DATABASE_URL")
    else:
        url = env_str("SNIGI_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'snigi.sqlite3'}")
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ConfigurationError(f"SNIGI_DATABASE_URL is not a valid database URL: {exc}") from exc
    engine = str(config["ENGINE"])
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;",
        }
        name = str(config["NAME"])
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
    elif engine == "django.db.backends.postgresql":
        config["OPTIONS"] = {"connect_timeout": env_int("SNIGI_DATABASE_CONNECT_TIMEOUT", 5)}
    else:
        raise ConfigurationError(
            f"SNIGI_DATABASE_URL: engine {engine} is not supported (use sqlite:// or postgres://)."
        )
    config.setdefault("TEST", {})
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "auditlog",
    "snigi.core",
    "snigi.beneficiaries",
    "snigi.providers",
    "snigi.complaints",
    "snigi.enrolment_control",
    "snigi.fhir",
    "snigi.demo",
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
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "snigi.urls"
WSGI_APPLICATION = "snigi.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "snigi.core.context_processors.navigation",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes): 5 failures lock that username from that address for 30 minutes.
AXES_FAILURE_LIMIT = env_int("SNIGI_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
# Behind N reverse proxies, the client address is taken from X-Forwarded-For (django-axes and
# the audit trail): set SNIGI_PROXY_COUNT to the number of trusted proxies in front of SNIGI.
AXES_IPWARE_PROXY_COUNT = env_int("SNIGI_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("ar", _("العربية")), ("en", _("English"))]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("SNIGI_STATIC_ROOT", default=str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # demo: static files come from the finders
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"

# Mail to applicants and providers. Demo: written as files under var/mail; production: SMTP.
EMAIL_BACKEND = env_str(
    "SNIGI_EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.filebased.EmailBackend"
    ),
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("SNIGI_EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("SNIGI_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("SNIGI_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env_str("SNIGI_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("SNIGI_EMAIL_TLS", default=False)
EMAIL_TIMEOUT = 20
# The address the public reaches SNIGI at, for links in mail.
PUBLIC_URL = env_str("SNIGI_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("SNIGI_EMAIL_FROM", default="SNIGI – ANAM <ne-pas-repondre@snigi.ma>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SNIGI_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health$"]  # load balancers probe over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host != "*"]

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"snigi": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = 50
