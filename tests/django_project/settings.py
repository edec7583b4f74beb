"""Settings of the test project (``DJANGO_SETTINGS_MODULE=tests.django_project.settings``)."""

from __future__ import annotations

import os

SECRET_KEY = "tests-only-not-secret"  # noqa: S105 - a test project's
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.django_project.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "healthcheck.contrib.django",
    "tests.django_project.shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("HC_DJANGO_DB", "test"),
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "OPTIONS": {"connect_timeout": 2},
    }
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("HC_DJANGO_REDIS", "redis://127.0.0.1:6379/14"),
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
HEALTHCHECK = {
    "CHECKS": ["databases", "caches", "migrations", "storage"],
    "AUTHORIZE": "tests.django_project.health.staff_only",
    "CELERY_APP": os.environ.get("HC_DJANGO_CELERY") or None,
}
MEDIA_ROOT = os.environ.get("HC_DJANGO_MEDIA", "/tmp/hc-django-media")  # noqa: S108 - tests
