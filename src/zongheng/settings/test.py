"""Test settings: fast hashing, immediate tasks, temporary media."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("ZONGHENG_TESTING", "1")

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="zongheng-media-"))
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DEBUG = False
FIGURES_SNAPSHOT_SECONDS = 0  # live figures; the snapshot tests (demands, net) turn it on
# The process's memory: tests that touch no database clear it too (tests/conftest.py); the database cache's own
# test (tests/core/test_snapshot_cache.py) switches to it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zongheng-test"}}
