"""Requests through Django's test client, printed as JSON: ``python -m
tests.django_project.client PATH [PATH...]`` (``STAFF=1``: as a staff user; ``REMOTE=addr``:
from that address)."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402

client = Client(REMOTE_ADDR=os.environ.get("REMOTE", "127.0.0.1"))
if os.environ.get("STAFF"):
    user, _ = User.objects.get_or_create(username="ops", defaults={"is_staff": True})
    client.force_login(user)
answers = []
for path in sys.argv[1:]:
    method, _, target = path.rpartition(" ")
    response = client.generic(method or "GET", target, HTTP_ACCEPT=os.environ.get("ACCEPT", "*/*"))
    answers.append(
        {
            "path": path,
            "status": response.status_code,
            "type": response.get("Content-Type", ""),
            "body": response.content.decode(errors="replace"),
        }
    )
print(json.dumps(answers))
