"""The Celery app; its beat schedule lives in settings (CELERY_BEAT_SCHEDULE)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fuhua.settings")

app = Celery("fuhua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
