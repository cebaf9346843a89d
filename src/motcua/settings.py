"""Django settings for motcua, read from the environment.

Every value has a safe production default: ``DEBUG`` is off, the secret key is generated and
kept under the data directory when ``SECRET_KEY`` is unset, and the database is an SQLite file
under ``MOTCUA_DATA_DIR`` unless ``DATABASE_URL`` points at PostgreSQL. See docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from motcua.core.env import (
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    read_or_create_secret,
)

django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent

# Where motcua keeps its SQLite file, uploaded files, the generated secret key and
# development certificates. Defaults to ./var in the directory motcua is started from.
DATA_DIR: Path = env_path("MOTCUA_DATA_DIR", Path.cwd() / "var")

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY") or read_or_create_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    # motcua apps, lowest layer first (see docs/architecture.md)
    "motcua.core",
    "motcua.workcal",
    "motcua.org",
    "motcua.people",
    "motcua.accounts",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.documents",
    "motcua.feedback",
    "motcua.indicators",
    "motcua.integrations",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.api",
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
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.core.context_processors.brand",
            ],
        },
    }
]

# ---------------------------------------------------------------- database
_sqlite_path = DATA_DIR / "motcua.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{_sqlite_path}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not memory) test database, so that threaded tests see real SQLite locking.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_motcua.sqlite3")}
    # WAL lets the web server and the background worker share the file safely.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_PREPARED_STATEMENTS", True
):
    # Server-side binding lets psycopg prepare the statements a process repeats (after two
    # uses), so PostgreSQL plans each one once per connection instead of at every call: this
    # halves the server's CPU per dossier transition (docs/performance.md). Behind PgBouncer
    # in transaction mode, set DB_PREPARED_STATEMENTS=false (or use PgBouncer >= 1.21 with
    # max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"server_side_binding": True, "prepare_threshold": 2})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- auth
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    # citizens: identity number, phone or e-mail + password (docs/accounts.md)
    "motcua.accounts.backends.IdentifierBackend",
    # staff: username + password
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home-after-login"
LOGOUT_REDIRECT_URL = "portal:home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------- i18n
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static and media
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Only needed for "motcua manage collectstatic" behind a separate web server.
STATIC_ROOT = env_str("STATIC_ROOT") or None
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the installed package: no collectstatic, no CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# ---------------------------------------------------------------- background work
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# ---------------------------------------------------------------- national portal (DVCQG)
# See docs/integrations.md. No URL = the adapter is disabled; messages wait in the outbox.
MOTCUA_NATIONAL_PORTAL_URL = env_str("MOTCUA_NATIONAL_PORTAL_URL") or None
MOTCUA_NATIONAL_PORTAL_TOKEN_URL = env_str("MOTCUA_NATIONAL_PORTAL_TOKEN_URL") or None
MOTCUA_NATIONAL_PORTAL_CLIENT_ID = env_str("MOTCUA_NATIONAL_PORTAL_CLIENT_ID") or None
MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET = env_str("MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET") or None
MOTCUA_NATIONAL_PORTAL_TIMEOUT = env_int("MOTCUA_NATIONAL_PORTAL_TIMEOUT", 15)
# Citizen notices by SMS (motcua.integrations.notify): the gateway bridge's URL, bearer token
# and brandname. No URL: SMS are skipped, e-mail (EMAIL_BACKEND) still goes.
MOTCUA_SMS_URL = env_str("MOTCUA_SMS_URL") or None
MOTCUA_SMS_TOKEN = env_str("MOTCUA_SMS_TOKEN") or None
MOTCUA_SMS_SENDER = env_str("MOTCUA_SMS_SENDER", "MOTCUA")
MOTCUA_SMS_TIMEOUT = env_int("MOTCUA_SMS_TIMEOUT", 10)
MOTCUA_OUTBOX_MAX_ATTEMPTS = env_int("MOTCUA_OUTBOX_MAX_ATTEMPTS", 12)

# ---------------------------------------------------------------- documents (forms as signed PDFs)
# See docs/forms.md. The public address of the site, printed in the QR code of form 01 (the
# public lookup page is MOTCUA_PUBLIC_BASE_URL + "/lookup/?code=<dossier code>").
MOTCUA_PUBLIC_BASE_URL = env_str("MOTCUA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The agency's real signing certificate (PKCS#12 file and its passphrase). Unset: a development
# certificate per agency, issued by a development root, is generated under DATA_DIR/signing/.
MOTCUA_SIGNING_PKCS12 = env_str("MOTCUA_SIGNING_PKCS12") or None
MOTCUA_SIGNING_PASSPHRASE = env_str("MOTCUA_SIGNING_PASSPHRASE") or None
# Root certificates (PEM or DER files, comma-separated) that the verification page trusts,
# besides the development root when one exists.
MOTCUA_SIGNING_TRUST_ROOTS = env_list("MOTCUA_SIGNING_TRUST_ROOTS", [])
MOTCUA_SIGNING_DIR = DATA_DIR / "signing"
# Largest PDF accepted by the verification page (bytes).
MOTCUA_VERIFY_MAX_BYTES = env_int("MOTCUA_VERIFY_MAX_BYTES", 20 * 1024 * 1024)
# Most dossiers printed in one register (form 06); narrow the period above that.
MOTCUA_REGISTER_MAX_ROWS = env_int("MOTCUA_REGISTER_MAX_ROWS", 2000)

# ---------------------------------------------------------------- REST API
# See docs/api.md. Token authentication comes first so that a request without credentials gets
# 401 with "WWW-Authenticate: Token" (DRF answers 403 when the first class has no header).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "motcua.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "motcua.api.pagination.CursorPage",
    "EXCEPTION_HANDLER": "motcua.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Password guessing on POST /api/v1/auth/token/, per client address and process.
        "auth-token": env_str("API_AUTH_TOKEN_RATE", "30/minute"),
        # Public dossier progress lookup (code + last digits of the identity number).
        "lookup": env_str("API_LOOKUP_RATE", "60/minute"),
        # Filing or following a citizen report (motcua.feedback.throttle), page and API.
        "feedback-anon": env_str("API_FEEDBACK_ANON_RATE", "10/hour"),
        "feedback-user": env_str("API_FEEDBACK_USER_RATE", "60/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "motcua API",
    "DESCRIPTION": (
        "API của hệ thống một cửa điện tử motcua / motcua one-stop-shop API.\n\n"
        "Lỗi 4xx/5xx luôn có dạng `{code, message, fields}`, ngôn ngữ theo `Accept-Language` "
        "(vi mặc định, en). / Every 4xx/5xx answer has the body `{code, message, fields}`, "
        "in the language of `Accept-Language` (vi by default, en). See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "MIT"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OnlineLevelEnum": "motcua.catalog.models.OnlineLevel",
        "TimeLimitUnitEnum": "motcua.catalog.models.TimeLimitUnit",
        "ProcedureLevelEnum": "motcua.catalog.models.Level",
        "ChannelEnum": "motcua.dossiers.models.Channel",
        "ReturnMethodEnum": "motcua.dossiers.models.ReturnMethod",
        "DossierStateEnum": "motcua.dossiers.states.State",
    },
    # Swagger UI and its favicon come from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        # No badge that would send the schema to validator.swagger.io.
        "validatorUrl": None,
    },
}

# ---------------------------------------------------------------- brand
# One brand identity across the applications; override per deployment.
MOTCUA_BRAND = {
    "name": env_str("MOTCUA_BRAND_NAME", "Một cửa Hà Nội"),
    "tagline": env_str("MOTCUA_BRAND_TAGLINE", "Hệ thống thông tin giải quyết thủ tục hành chính"),
    "owner": env_str("MOTCUA_BRAND_OWNER", "Ủy ban nhân dân thành phố Hà Nội"),
    "primary_color": env_str("MOTCUA_BRAND_PRIMARY", "#b3261e"),
    "accent_color": env_str("MOTCUA_BRAND_ACCENT", "#f2b705"),
    "logo": env_str("MOTCUA_BRAND_LOGO", "motcua/img/logo.svg"),
}

# ---------------------------------------------------------------- e-mail
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "motcua@localhost")

# ------------------------------------------------ identity provider (docs/accounts.md)
# MOTCUA_IDP=oidc shows "log in with <MOTCUA_IDP_NAME>"; unset = no provider, no button.
MOTCUA_IDP = env_str("MOTCUA_IDP") or None
MOTCUA_IDP_ISSUER = env_str("MOTCUA_IDP_ISSUER") or None
MOTCUA_IDP_CLIENT_ID = env_str("MOTCUA_IDP_CLIENT_ID") or None
MOTCUA_IDP_CLIENT_SECRET = env_str("MOTCUA_IDP_CLIENT_SECRET") or None
MOTCUA_IDP_NAME = env_str("MOTCUA_IDP_NAME", "VNeID")
MOTCUA_IDP_KEY = env_str("MOTCUA_IDP_KEY", "oidc")
MOTCUA_IDP_SCOPES = env_str("MOTCUA_IDP_SCOPES", "openid profile email phone")
MOTCUA_IDP_CLAIM_IDENTITY_NUMBER = env_str("MOTCUA_IDP_CLAIM_IDENTITY_NUMBER", "identity_number")
MOTCUA_IDP_CLAIM_ASSURANCE = env_str("MOTCUA_IDP_CLAIM_ASSURANCE", "acr")
MOTCUA_IDP_TIMEOUT = env_int("MOTCUA_IDP_TIMEOUT", 10)
# Dotted path of a motcua.accounts.sms.SmsSender for verification codes; unset = only logged.
MOTCUA_ACCOUNTS_SMS_SENDER = env_str("MOTCUA_ACCOUNTS_SMS_SENDER") or None

# ---------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint's font subsetting logs every step at INFO
        "fontTools": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}
