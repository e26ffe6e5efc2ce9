from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("巡察整改")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # middleware connects the login-stamp receiver; tasks registers the Celery tasks in
        # every process, the web's too, as services enqueue them by name (outbox.DRAIN_TASK)
        # and may not import tasks.py.
        # login_gate and services.audit_signals connect the login and audit receivers.
        from . import login_gate, middleware, tasks  # noqa: F401
        from .services import audit_signals  # noqa: F401
