"""Settings of the Django site that TestDjango migrates and tests against a
logdb node: Django's built-in apps plus shop, over the postgresql backend
(psycopg2)."""
import os

SECRET_KEY = "logdb-framework-suite"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "fwsite.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_db = os.environ.get("PGDATABASE", "logdb")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db,
        "USER": os.environ.get("PGUSER", "logdb"),
        "HOST": os.environ["PGHOST"],
        "PORT": os.environ["PGPORT"],
        # manage.py test --keepdb runs in this same database; TestDjango's
        # run without --keepdb names a test database of its own, which
        # manage.py test creates and drops.
        "TEST": {"NAME": os.environ.get("DJANGO_TEST_NAME", _db)},
    }
}
