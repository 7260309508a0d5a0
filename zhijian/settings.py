"""Django settings for Zhijian, configured by environment variables.

Every variable is optional for the embedded demo; production sets at least
ZHIJIAN_SECRET_KEY, ZHIJIAN_DATABASE_URL and ZHIJIAN_ALLOWED_HOSTS.
See docs/operations.md for the full list.
"""

import os
import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("ZHIJIAN_VAR_DIR", "var")).resolve()
DEBUG = env_bool("ZHIJIAN_DEBUG")
# Demo mode: default passwords for the demo accounts are allowed. Never set in production.
DEMO_MODE = env_bool("ZHIJIAN_DEMO")
JURISDICTION = os.environ.get("ZHIJIAN_JURISDICTION", "310000")


def _secret_key() -> str:
    key = os.environ.get("ZHIJIAN_SECRET_KEY")
    if key:
        return key
    # Without an explicit key, keep a random one in the var directory so that sessions
    # survive restarts of a single-machine install. Production sets ZHIJIAN_SECRET_KEY.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ZHIJIAN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("ZHIJIAN_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_q",
    "rules.apps.AutodiscoverRulesConfig",
    "zhijian.dictionaries",
    "zhijian.core",
    "zhijian.audit",
    "zhijian.registry",
    "zhijian.exchange",
    "zhijian.supervision",
    "zhijian.inspections",
    "zhijian.random_inspections",
    "zhijian.campaigns",
    "zhijian.dual_notification",
    "zhijian.rules",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhijian.core.middleware.IdleSessionMiddleware",
    "zhijian.core.middleware.RequestContextMiddleware",
    "zhijian.core.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhijian.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhijian.urls"
WSGI_APPLICATION = "zhijian.wsgi.application"

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
                "zhijian.core.context_processors.platform",
            ],
        },
    },
]


def _database() -> dict:
    default_url = f"sqlite:///{VAR_DIR / 'zhijian.sqlite3'}"
    url = os.environ.get("ZHIJIAN_DATABASE_URL", default_url)
    if url.startswith("sqlite"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    config = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE transactions take the write lock at BEGIN, so two writers never
            # read the same audit chain head (see zhijian/audit/services.py).
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                # 16 KiB pages for a new database (it must precede WAL; an existing database
                # keeps its page size until VACUUM): fewer, shallower B-tree pages for 3.4 M
                # entities. Imports run as fast as with 8 KiB (A/B, quiet machine); search and
                # the entity file measured faster than the earlier 8 KiB figures
                # (docs/performance.md, 2026-12-04).
                "PRAGMA page_size=16384;"
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                # Each request opens a connection: keep the database pages mapped and cached.
                # SQLite clamps mmap_size to its build's limit (2 GiB on Debian 12); the
                # register of a 3.4 M-entity city is 2.5 GB, so ask for more than that.
                "PRAGMA mmap_size=17179869184;PRAGMA cache_size=-65536;"
            ),
        }
        config.setdefault("TEST", {})["NAME"] = os.environ.get("ZHIJIAN_TEST_SQLITE_NAME")
    else:
        config.setdefault("TEST", {}).update({"CHARSET": "UTF8", "TEMPLATE": "template0"})
        # Short interactive queries: JIT compilation costs more than it saves (measured: a
        # 1 ms search became 1.3 s when the planner's cost estimate crossed the JIT threshold).
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "zhijian.core.passwords.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "zhijian.core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "zhijian.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "zhijian.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "zhijian.core.passwords.CommonPasswordValidator"},
    {"NAME": "zhijian.core.passwords.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Lockout: 5 failures lock the account and, separately, the client address for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhijian.core.views.lockout_response"
AXES_VERBOSE = False
# Successful sign-ins are in the audit log already; axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("ZHIJIAN_PROXY_COUNT", "0"))

# Sessions expire after 30 idle minutes: activity pushes the expiry forward (at most once a
# minute, see zhijian.core.middleware.IdleSessionMiddleware, to spare a write per request).
SESSION_COOKIE_AGE = 30 * 60
SESSION_REFRESH_INTERVAL = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("ZHIJIAN_SECURE_COOKIES", not DEBUG and not DEMO_MODE)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("ZHIJIAN_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("ZHIJIAN_HSTS_SECONDS", "0"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files are served from the apps (WHITENOISE_USE_FINDERS) until collectstatic has run.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "zhijian.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhijian API",
    "DESCRIPTION": "智监 智慧市场监管平台 API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIJIAN_LOG_LEVEL", "WARNING")},
}

# The job queue (django-q2, ORM broker: the jobs are rows of this database, no other server).
# Workers run in `zhijian qcluster`; rules run on their YAML schedules (`zhijian rules
# schedule` writes them). ZHIJIAN_JOBS_SYNC=1 runs every job in the caller's process (tests).
Q_CLUSTER = {
    "name": "zhijian",
    "orm": "default",
    "workers": int(os.environ.get("ZHIJIAN_JOB_WORKERS", "2")),
    "timeout": 3600,  # a rule on a 3.4 M-entity city takes minutes, not hours
    "retry": 3900,  # longer than the timeout: a running job is never handed out twice
    "max_attempts": 1,
    "catch_up": False,  # after downtime, run a missed schedule once, not once per miss
    "save_limit": 1000,
    "ack_failures": True,
    "sync": os.environ.get("ZHIJIAN_JOBS_SYNC", "") == "1",
    "label": "后台任务",
}
