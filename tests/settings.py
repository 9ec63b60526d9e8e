"""Test settings: the project's settings with fast hashing and the immediate task backend."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")
os.environ.setdefault("PAYGATE_SINGLE_PROCESS", "true")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from paygate.settings import *  # noqa: E402, F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["loggers"]["django.tasks"] = {"level": "WARNING"}  # noqa: F405

# pytest-xdist: each test process gets its own Redis database, so one process's rate-limit
# counters (and its cache.clear() between tests) never reach another's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if CACHES["default"]["BACKEND"].endswith("RedisCache") and _worker.startswith("gw"):  # noqa: F405
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")  # noqa: F405
    if _db.isdigit() and _base.count("/") >= 2:
        CACHES["default"]["LOCATION"] = f"{_base}/{1 + int(_worker[2:]) % 15}"  # noqa: F405
