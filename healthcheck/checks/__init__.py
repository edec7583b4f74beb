"""Ready-made checkers: ``health.add_check(redis_check("redis://localhost:6379"))``.

One module per backend, each importing its driver: importing a factory (from here or from
its module) is what requires the driver, and fails with the extra to install when it is
missing. ``async_*`` factories return checkers with ``async def __call__``, for event loops.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import BuiltinCheck as BuiltinCheck

if TYPE_CHECKING:
    from .celery import celery_check as celery_check
    from .command import command_check as command_check
    from .disk import disk_check as disk_check
    from .django import django_cache_check as django_cache_check
    from .django import django_database_check as django_database_check
    from .django import django_migrations_check as django_migrations_check
    from .django import django_storage_check as django_storage_check
    from .dns import async_dns_check as async_dns_check
    from .dns import dns_check as dns_check
    from .etcd import etcd_check as etcd_check
    from .http import http_check as http_check
    from .load import load_check as load_check
    from .memcached import memcached_check as memcached_check
    from .memory import memory_check as memory_check
    from .mongodb import async_mongodb_check as async_mongodb_check
    from .mongodb import mongodb_check as mongodb_check
    from .mqtt import mqtt_check as mqtt_check
    from .mysql import mysql_check as mysql_check
    from .nats import async_nats_check as async_nats_check
    from .nats import nats_check as nats_check
    from .postgresql import async_postgresql_check as async_postgresql_check
    from .postgresql import postgresql_check as postgresql_check
    from .rabbitmq import rabbitmq_check as rabbitmq_check
    from .redis import async_redis_check as async_redis_check
    from .redis import redis_check as redis_check
    from .smtp import smtp_check as smtp_check
    from .sqlalchemy import async_sqlalchemy_check as async_sqlalchemy_check
    from .sqlalchemy import sqlalchemy_check as sqlalchemy_check
    from .sqlite import sqlite_check as sqlite_check
    from .tcp import async_tcp_check as async_tcp_check
    from .tcp import tcp_check as tcp_check

#: Each factory and the module it lives in.
_MODULES = {
    "async_dns_check": "dns",
    "async_mongodb_check": "mongodb",
    "async_nats_check": "nats",
    "async_postgresql_check": "postgresql",
    "async_redis_check": "redis",
    "async_sqlalchemy_check": "sqlalchemy",
    "async_tcp_check": "tcp",
    "celery_check": "celery",
    "command_check": "command",
    "disk_check": "disk",
    "django_cache_check": "django",
    "django_database_check": "django",
    "django_migrations_check": "django",
    "django_storage_check": "django",
    "dns_check": "dns",
    "etcd_check": "etcd",
    "http_check": "http",
    "load_check": "load",
    "memcached_check": "memcached",
    "memory_check": "memory",
    "mongodb_check": "mongodb",
    "mqtt_check": "mqtt",
    "mysql_check": "mysql",
    "nats_check": "nats",
    "postgresql_check": "postgresql",
    "rabbitmq_check": "rabbitmq",
    "redis_check": "redis",
    "smtp_check": "smtp",
    "sqlalchemy_check": "sqlalchemy",
    "sqlite_check": "sqlite",
    "tcp_check": "tcp",
}

__all__ = ["BuiltinCheck", *_MODULES]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
