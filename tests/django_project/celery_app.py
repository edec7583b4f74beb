"""A Celery app on the Redis on loopback (``HC_CELERY_BROKER``), for celery_check."""

from __future__ import annotations

import os

from celery import Celery

app = Celery("hc_tests", broker=os.environ.get("HC_CELERY_BROKER", "redis://127.0.0.1:6379/13"))
app.conf.worker_hijack_root_logger = False
# A prefix of its own per test run: a ping is a broadcast, which another run's worker would hear.
app.conf.broker_transport_options = {"global_keyprefix": os.environ.get("HC_CELERY_PREFIX", "hc:")}
