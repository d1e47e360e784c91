"""Settings for chatAPI, read from the environment (and `.env`) through django-environ.

`DEBUG=false` alone selects production behaviour; every variable is listed in
the README's configuration table.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from chatAPI.cache import cache_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=false.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "dj_rest_auth",
    "dj_rest_auth.registration",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "datasources",
    "chat",
    "examples",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    # Messages follow the client's Accept-Language from here on (the 413 below included).
    "django.middleware.locale.LocaleMiddleware",
    "chatAPI.middleware.BodySizeLimitMiddleware",
    "chatAPI.middleware.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "chatAPI.urls"
WSGI_APPLICATION = "chatAPI.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases and cache -----------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'chatapi.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several uwsgi threads write the app database; wait instead of failing. In WAL mode,
    # synchronous=NORMAL syncs the log at checkpoints rather than at every commit: a commit then
    # holds the write lock (which every other writer waits on) for microseconds instead of a disk
    # flush. The database stays consistent through any crash; after a power cut or an OS crash,
    # the last moments' commits may be gone. PostgreSQL is the app database for more than that.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache needs no extra server and is shared by every worker process,
# so throttles hold under uwsgi; use redis:// when several machines serve the API.
# redis:// gets Django's Redis backend, kept answering while Redis is unreachable (chatAPI/cache.py).
CACHES = {"default": cache_config(env.str("CACHE_URL", default="dbcache://chatapi_cache"))}

# --- Auth ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

REST_AUTH = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "JWT_AUTH_HTTPONLY": False,
    "JWT_AUTH_COOKIE": None,
    "JWT_AUTH_REFRESH_COOKIE": None,
    "SESSION_LOGIN": False,
    "OLD_PASSWORD_FIELD_ENABLED": True,
    "LOGIN_SERIALIZER": "accounts.serializers.LoginSerializer",
    "REGISTER_SERIALIZER": "accounts.serializers.RegisterSerializer",
    "USER_DETAILS_SERIALIZER": "accounts.serializers.UserSerializer",
    "JWT_SERIALIZER": "accounts.serializers.TokenPairSerializer",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # A password change invalidates every token issued before it.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
}

# --- REST framework --------------------------------------------------------------
THROTTLE_RATES = {
    "auth": env.str("THROTTLE_AUTH", default="20/min"),
    "ask": env.str("THROTTLE_ASK", default="30/min"),
    "datasource_test": env.str("THROTTLE_DATASOURCE_TEST", default="20/min"),
    "datasource_register": env.str("THROTTLE_DATASOURCE_REGISTER", default="10/min"),
    "datasource_edit": env.str("THROTTLE_DATASOURCE_EDIT", default="30/min"),
    "datasource_introspect": env.str("THROTTLE_DATASOURCE_INTROSPECT", default="6/min"),
    "example_write": env.str("THROTTLE_EXAMPLE_WRITE", default="30/min"),
    # Checks of a signed-in user's password (password change, account deletion), per user and per address.
    "password": env.str("THROTTLE_PASSWORD", default="10/hour"),
    "admin_login": env.str("THROTTLE_ADMIN_LOGIN", default="10/min"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["chatAPI.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "chatAPI.pagination.LinkedPageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "chatAPI.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "chatAPI.openapi.ApiAutoSchema",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "chatAPI",
    "DESCRIPTION": "See chatAPI.openapi.API_DESCRIPTION",  # filled in by the schema hook
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "chatAPI.openapi.postprocess_stream_events",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chatAPI.openapi.postprocess_error_codes",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TurnStatusEnum": "chat.models.Message.Status",
        "EngineEnum": "datasources.models.DataSource.Engine",
        "HttpMethodEnum": ["GET", "POST", "PUT", "PATCH", "DELETE"],
    },
}

# --- Request limits and CORS -------------------------------------------------------
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:8080", "http://127.0.0.1:8080"])
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (*default_headers, "accept-language")
CORS_EXPOSE_HEADERS = ["Retry-After", "Content-Disposition", "Content-Language"]
CORS_URLS_REGEX = r"^/api/.*$"

# --- Datasources ---------------------------------------------------------------
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY and not DEBUG:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG=false.")
DATASOURCE_ALLOWED_HOSTS = env.list("DATASOURCE_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
DATASOURCE_SQLITE_DIR = Path(env.str("DATASOURCE_SQLITE_DIR", default=str(VAR_DIR / "datasources")))
if not DATASOURCE_SQLITE_DIR.is_absolute():
    DATASOURCE_SQLITE_DIR = BASE_DIR / DATASOURCE_SQLITE_DIR
DATASOURCE_CONNECT_TIMEOUT = env.int("DATASOURCE_CONNECT_TIMEOUT", default=5)
RESULT_MAX_ROWS = env.int("RESULT_MAX_ROWS", default=1000)
RESULT_MAX_BYTES = env.int("RESULT_MAX_BYTES", default=5 * 1024 * 1024)  # JSON bytes per result; rows past it are cut
SQL_TIMEOUT_SECONDS = env.float("SQL_TIMEOUT_SECONDS", default=10)
# SQLite statements run in worker processes (datasources/engines/sqlite_process.py); each API process
# keeps up to this many idle between statements, about 12 MB each.
SQLITE_IDLE_WORKERS = env.int("SQLITE_IDLE_WORKERS", default=16)
DATASOURCE_INTROSPECTION_SECONDS = env.float("DATASOURCE_INTROSPECTION_SECONDS", default=30)
RESULT_MAX_COLUMNS = env.int("RESULT_MAX_COLUMNS", default=100)  # a wider result is refused before a row is fetched
# What a turn keeps of its result (JSON bytes; rows past it are left out), and what one user may keep in all.
RESULT_STORE_MAX_BYTES = env.int("RESULT_STORE_MAX_BYTES", default=1024 * 1024)
USER_STORAGE_QUOTA_BYTES = env.int("USER_STORAGE_QUOTA_BYTES", default=100 * 1024 * 1024)

# --- LLM -------------------------------------------------------------------------
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_SQL_MODEL = env.str("OPENAI_SQL_MODEL", default="") or OPENAI_MODEL
OPENAI_SUMMARY_MODEL = env.str("OPENAI_SUMMARY_MODEL", default="") or OPENAI_MODEL
LLM_PROVIDER = env.str("LLM_PROVIDER", default="")
if LLM_PROVIDER not in ("openai", "offline"):
    LLM_PROVIDER = "openai" if (OPENAI_API_KEY or OPENAI_BASE_URL) else "offline"
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=30)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=1)
LLM_MAX_ATTEMPTS = env.int("LLM_MAX_ATTEMPTS", default=3)
LLM_SCHEMA_MAX_TABLES = env.int("LLM_SCHEMA_MAX_TABLES", default=30)
LLM_SUMMARY_MAX_ROWS = env.int("LLM_SUMMARY_MAX_ROWS", default=50)
LLM_HISTORY_TURNS = env.int("LLM_HISTORY_TURNS", default=3)
# Verified examples: how many similar ones go into the SQL prompt (0: none), the embedding model used to
# find them (empty: character-level similarity), and how close (0-100) a question must be to one for
# offline mode to answer with its SQL.
LLM_EXAMPLES = env.int("LLM_EXAMPLES", default=3)
OPENAI_EMBEDDING_MODEL = env.str("OPENAI_EMBEDDING_MODEL", default="")
LLM_EXAMPLES_REUSE_THRESHOLD = env.float("LLM_EXAMPLES_REUSE_THRESHOLD", default=90)
# A turn still `pending` this long after it started was cut off (its worker restarted or was
# killed by harakiri, 360 s); it is then shown and stored as failed with `interrupted`.
TURN_ABANDONED_AFTER = env.int("TURN_ABANDONED_AFTER", default=420)
QUESTION_MAX_CHARS = 2000

# --- i18n, static ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
# The project catalogue; Django merges it over the libraries' own (see chatAPI/library_messages.py).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # The openai SDK's HTTP client logs every model call at INFO; the pipeline logs what fails.
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
    },
}

# --- Production behaviour -----------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
