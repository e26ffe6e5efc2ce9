"""Who is who: Party organisations (a tree), their members' roles and the people who answer
for measures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .contact import ContactFields


class Role(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    MEMBER = "member", _("委员")
    STAFF = "staff", _("工作人员")
    GRID = "grid", _("网格员")
    SUPERVISOR = "supervisor", _("巡察办（督导）")


class Organisation(ContactFields):
    """A Party organisation: district > street > community, any depth.

    ``path`` is a materialised path ("/1/5/23/") maintained by services, so that
    "this organisation and all below it" is one indexed prefix query.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", _("区")
        STREET = "street", _("街道")
        COMMUNITY = "community", _("社区")
        OTHER = "other", _("其他")

    name = models.CharField(_("全称"), max_length=200, unique=True)
    short_name = models.CharField(_("简称"), max_length=100)
    slug = models.SlugField(_("网址标识"), max_length=60, unique=True, help_text=_("公开通报网址中使用"))
    level = models.CharField(_("层级"), max_length=20, choices=Level.choices, default=Level.COMMUNITY)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级党组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, default="", db_index=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="organisation_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.short_name


class Membership(models.Model):
    """A user's role in one organisation. Supervisors read the organisation's subtree."""

    Role = Role

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_valid_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class Person(models.Model):
    """Someone who answers for measures. May exist before they have a login
    (ledger import names people who have no account yet); ``user`` links them later."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )

    class Meta:
        verbose_name = _("责任人员")
        verbose_name_plural = _("责任人员")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="person_unique_name_per_org"),
            models.UniqueConstraint(fields=["organisation", "user"], name="person_unique_user_per_org"),
        ]

    def __str__(self) -> str:
        return self.name
