from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("巡察整改")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import middleware  # noqa: F401  (connects the login-stamp receiver)
