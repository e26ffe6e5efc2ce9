"""How the public may comment on a bulletin (联系方式与意见征集): the fields an organisation
sets once and a bulletin may override, one by one (an empty field on the bulletin takes the
organisation's value; ``selectors.comments.contact_window`` applies the rule)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactFields(models.Model):
    """All optional: a bulletin without any prints no closing contact paragraph."""

    contact_phone = models.CharField(_("联系电话"), max_length=60, blank=True)
    contact_hours = models.CharField(
        _("接听时间"), max_length=100, blank=True, help_text=_("如：工作日9:00—12:00、14:00—18:00")
    )
    contact_address = models.CharField(_("通信地址"), max_length=200, blank=True, help_text=_("邮寄地址，可含邮政编码"))
    contact_email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        abstract = True
