"""Django: the project's own databases, caches, file storage and migrations, through its
settings (``SELECT 1`` on a connection; a key set and read back; a file; the migration plan)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, failure, flag, refused, seconds, slug

# Django ships no type hints; its modules are typed Any here.
django_db: Any = require("django.db", extra="django")
django_conf: Any = require("django.conf", extra="django")
django_cache: Any = require("django.core.cache", extra="django")
django_files: Any = require("django.core.files.base", extra="django")
django_storage: Any = require("django.core.files.storage", extra="django")

__all__ = [
    "DjangoCacheCheck",
    "DjangoDatabaseCheck",
    "DjangoMigrationsCheck",
    "DjangoStorageCheck",
    "django_cache_check",
    "django_cache_checks",
    "django_database_check",
    "django_database_checks",
    "django_migrations_check",
    "django_storage_check",
]


@dataclass(frozen=True, eq=False)
class DjangoDatabaseCheck(BuiltinCheck):
    """Run ``SELECT 1`` on ``connections[alias]``."""

    alias: str

    def __call__(self) -> Outcome:
        connection = django_db.connections[self.alias]
        password = connection.settings_dict.get("PASSWORD")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except django_db.Error as exc:
            return failure(exc, [password])
        finally:
            # Django keeps one connection per thread until a request ends, and the check
            # threads serve no requests: close it, unless a caller's transaction is open.
            if not connection.in_atomic_block:
                connection.close()
        return Outcome(Status.PASS, f"{connection.vendor} ok")


def django_database_check(
    alias: str = "default",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> DjangoDatabaseCheck:
    """A checker that runs ``SELECT 1`` on Django's database ``alias``. Driver timeouts are
    the project's (``DATABASES[alias]["OPTIONS"]``); ``timeout`` is the checker's. Its name is
    by default ``django-db-<alias>``."""
    factory = "django_database_check"
    alias = _alias(factory, alias, "DATABASES")
    return DjangoDatabaseCheck(
        check_name(factory, name, slug("django-db", alias)), seconds(factory, timeout), alias, alias
    )


def _alias(factory: str, alias: object, setting: str) -> str:
    """``alias`` checked: a name, and one of ``settings.<setting>`` once settings are
    configured (a check made before that is checked when it runs)."""
    expected = f"an alias of settings.{setting}"
    if not isinstance(alias, str):
        raise refused(factory, "alias", expected, "'default'", alias, wrong_type=True)
    if not alias:
        raise refused(factory, "alias", expected, "'default'", alias)
    settings = django_conf.settings
    if settings.configured:
        # What Django reads when the setting is left out: a default cache, and (4.2 on) the
        # default and staticfiles storages.
        given = getattr(settings, setting, None)
        if given is not None and alias not in given:
            known = ", ".join(map(repr, given)) or "none"
            raise refused(factory, "alias", expected, "'default'", alias, f"known: {known}")
    return alias


@dataclass(frozen=True, eq=False)
class DjangoCacheCheck(BuiltinCheck):
    """Set, read back and delete a key in ``caches[alias]``."""

    alias: str

    def __call__(self) -> Outcome:
        cache = django_cache.caches[self.alias]
        key, value = f"healthcheck:{uuid.uuid4().hex}", uuid.uuid4().hex
        try:
            cache.set(key, value, timeout=max(1, int(self.timeout) + 1))
            read = cache.get(key)
            cache.delete(key)
        except Exception as exc:  # each cache backend raises errors of its own
            return failure(exc)
        if read != value:
            return Outcome(Status.FAIL, "a key set was not read back: the cache stores nothing")
        return Outcome(Status.PASS, f"{type(cache).__name__} ok")


@dataclass(frozen=True, eq=False)
class DjangoStorageCheck(BuiltinCheck):
    """Ask the storage ``alias`` whether a file exists; with ``write``, save one, read it
    back and delete it."""

    alias: str
    write: bool

    def __call__(self) -> Outcome:
        storage = django_storage.storages[self.alias]
        name = f"healthcheck-{uuid.uuid4().hex}.txt"
        try:
            if not self.write:
                storage.exists(name)
                return Outcome(Status.PASS, f"{type(storage).__name__} answers")
            saved = storage.save(name, django_files.ContentFile(b"healthcheck"))
            try:
                with storage.open(saved) as handle:
                    body = handle.read()
            finally:
                storage.delete(saved)
        except Exception as exc:  # each storage backend raises errors of its own
            return failure(exc)
        if body != b"healthcheck":
            return Outcome(Status.FAIL, "a file saved was not read back whole")
        return Outcome(Status.PASS, f"{type(storage).__name__} saves, reads and deletes")


@dataclass(frozen=True, eq=False)
class DjangoMigrationsCheck(BuiltinCheck):
    """Fail while migrations are not applied to ``connections[alias]`` (their count is the
    observed value)."""

    alias: str

    def __call__(self) -> Outcome:
        executor_module: Any = require("django.db.migrations.executor", extra="django")
        connection = django_db.connections[self.alias]
        try:
            executor = executor_module.MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except django_db.Error as exc:
            return failure(exc, [connection.settings_dict.get("PASSWORD")])
        finally:
            if not connection.in_atomic_block:
                connection.close()
        if plan:
            first = plan[0][0]
            return Outcome(
                Status.FAIL,
                f"{len(plan)} migrations not applied, first {first.app_label}.{first.name}",
                len(plan),
                "migrations",
            )
        return Outcome(Status.PASS, "every migration applied", 0, "migrations")


def django_cache_check(
    alias: str = "default", *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> DjangoCacheCheck:
    """A checker that sets, reads and deletes a key in Django's cache ``alias``, by default
    named ``django-cache-<alias>``."""
    factory = "django_cache_check"
    alias = _alias(factory, alias, "CACHES")
    return DjangoCacheCheck(
        check_name(factory, name, slug("django-cache", alias)),
        seconds(factory, timeout),
        alias,
        alias,
    )


def django_storage_check(
    alias: str = "default",
    *,
    write: bool = False,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> DjangoStorageCheck:
    """A checker of Django's file storage ``alias`` (``STORAGES``): whether it answers, or with
    ``write=True`` whether it saves, reads and deletes a small file. Its name is by default
    ``django-storage-<alias>``."""
    factory = "django_storage_check"
    alias = _alias(factory, alias, "STORAGES")
    return DjangoStorageCheck(
        check_name(factory, name, slug("django-storage", alias)),
        seconds(factory, timeout),
        alias,
        alias,
        flag(factory, "write", write),
    )


def django_migrations_check(
    alias: str = "default", *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> DjangoMigrationsCheck:
    """A checker that fails while migrations are not applied to database ``alias``, by
    default named ``django-migrations-<alias>``."""
    factory = "django_migrations_check"
    alias = _alias(factory, alias, "DATABASES")
    return DjangoMigrationsCheck(
        check_name(factory, name, slug("django-migrations", alias)),
        seconds(factory, timeout),
        alias,
        alias,
    )


def django_database_checks() -> list[DjangoDatabaseCheck]:
    """A database check for every alias in ``settings.DATABASES``."""
    return [django_database_check(alias) for alias in django_conf.settings.DATABASES]


def django_cache_checks() -> list[DjangoCacheCheck]:
    """A cache check for every alias in ``settings.CACHES``."""
    caches = getattr(django_conf.settings, "CACHES", {"default": {}})
    return [django_cache_check(alias) for alias in caches]
