"""Production settings: HTTPS only, every secret from the environment, no demo."""

import os

from django.core.exceptions import ImproperlyConfigured

# Neither demo nor test mode exists in production: both would hand out the development keys.
os.environ.pop("ZONGHENG_DEMO", None)
os.environ.pop("ZONGHENG_TESTING", None)

from .base import *  # noqa: F403
from .base import _DEV_FIELD_KEY, _DEV_SECRET, FIELD_ENCRYPTION_KEY, SECRET_KEY, env_bool

if SECRET_KEY == _DEV_SECRET or FIELD_ENCRYPTION_KEY == _DEV_FIELD_KEY:
    raise ImproperlyConfigured("生产环境不能使用演示密钥：请设置新的 DJANGO_SECRET_KEY 和 ZONGHENG_FIELD_KEY")

DEBUG = False
DEMO_MODE = False
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
