"""A Django project for the tests of ``healthcheck.contrib.django``: PostgreSQL (the database
``HC_DJANGO_DB`` names) and Redis on loopback, one app with a migration, a Celery app."""
