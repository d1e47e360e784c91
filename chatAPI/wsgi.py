"""WSGI entry point (uwsgi loads `chatAPI.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatAPI.settings")
application = get_wsgi_application()
