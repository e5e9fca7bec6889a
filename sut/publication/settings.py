"""Settings, all from the environment, with safe defaults for a local run."""

import os
from pathlib import Path

import dj_database_url

from pagecache.leases import DEFAULT_APP_TIMEOUT

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SUT_VAR_DIR", BASE_DIR.parent / "var"))


def _flag(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-key-change-me-in-production")
DEBUG = _flag("DEBUG")
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pagecache",
    "specimens",
    "blog",
    "accounts",
    "operations",
]
# Apps a deployment or a developer adds (EXTRA_APPS=harvest offers `manage.py harvest`).
INSTALLED_APPS += _list("EXTRA_APPS", "")

MIDDLEWARE = [
    "pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's CSS and scripts, served by the app (nginx passes /static/ on as a miss; they
    # are not HTML, so never stored in memcached).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A reader who arrived while another rendered the same page gets the copy it stored.
    "pagecache.middleware.StoredCopyMiddleware",
]

ROOT_URLCONF = "publication.urls"
WSGI_APPLICATION = "publication.wsgi.application"

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
            ],
            # Templates' own line numbers, for coverage of templates (TEMPLATE_DEBUG=1).
            "debug": os.environ.get("TEMPLATE_DEBUG") == "1",
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'publication.sqlite3'}")
# A PostgreSQL connection costs a server process (some 8 ms to open): each app thread keeps its
# own for a minute, checked before reuse, so a database that went away is reconnected to.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=0 if DATABASE_URL.startswith("sqlite") else 60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite makes the files, not their folder
    # The suite's test database must be a file: gunicorn, another process, reads it too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-publication.sqlite3")}
    # Writers queue for the lock (IMMEDIATE) instead of failing at once with "database is locked"
    # when a transaction that has read tries to write: several processes write (gunicorn, the
    # suite, the clustered runner's workers).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True  # straight from the apps' static folders: no collectstatic step

# The suite creates and logs in users in many scenarios: it may ask for a fast hasher (never
# in production, where Django's default PBKDF2 stays first).
if _flag("FAST_PASSWORD_HASHING"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed logins a client may make in a window before its logins are answered 429 (accounts.throttle).
LOGIN_FAILURES_ALLOWED = int(os.environ.get("LOGIN_FAILURES_ALLOWED", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "60"))

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/portal/"
LOGOUT_REDIRECT_URL = "/"

# Security headers; nginx's template repeats them on cache hits (the suite checks they agree).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The page cache that nginx reads: memcached address, entry lifetime, largest entry stored.
# MEMCACHED: one server, or a pool (host:port,host:port,...) read on nginx's ring (pagecache/ring.py).
PAGECACHE_MEMCACHED = os.environ.get("MEMCACHED", "127.0.0.1:11211")
PAGECACHE_TTL = int(os.environ.get("PAGECACHE_TTL", "300"))
PAGECACHE_MAX_BYTES = int(os.environ.get("PAGECACHE_MAX_BYTES", str(1024 * 1024 - 1024)))
# A tag's list is kept in chunks of this many entries (pagecache.tags): about 460 kB each.
PAGECACHE_TAG_CHUNK = int(os.environ.get("PAGECACHE_TAG_CHUNK", "10000"))
PAGECACHE_TIMEOUT = float(os.environ.get("PAGECACHE_TIMEOUT", "0.1"))
# How long a reader of a public page waits for the app, at most (nginx, the waiting room, the
# lease): pagecache/leases.py says why 5 s. Launchers render nginx's config with the same value.
PAGECACHE_APP_TIMEOUT = float(os.environ.get("PAGECACHE_APP_TIMEOUT", str(DEFAULT_APP_TIMEOUT)))
# How long a page's last good copy outlives its lifetime, for nginx to serve when the app cannot
# answer and for readers of a page that expired unchanged (pagecache/grace.py); 0: no grace copies.
PAGECACHE_GRACE = int(os.environ.get("PAGECACHE_GRACE", str(24 * 3600)))

TEST_RUNNER = "django_nose.NoseTestSuiteRunner"
NOSE_ARGS = ["--where", str(BASE_DIR), "--nologcapture"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"pagecache": {"handlers": ["console"], "level": "WARNING"}},
}
