import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongheng.settings.base")
application = get_wsgi_application()

from zongheng.core.warmup import freeze  # noqa: E402  # needs the apps loaded above

freeze()
