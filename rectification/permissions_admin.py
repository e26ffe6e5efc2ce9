"""三员, the part of permissions.py about the three administrators (re-exported there, the
one place views and services ask): who holds which role, and what each may do in the admin."""

from __future__ import annotations

import rules
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from .models import AdministratorRole
from .permission_texts import denial_message


# 三员: the system administrator (accounts, settings), the security administrator (roles,
# memberships) and the auditor (the audit trail). Held by staff accounts only, so the
# navigation's question costs nobody else a query. The superuser does not bypass these:
# ``require_administrator`` asks the role itself, and has_perm's superuser shortcut is not used.
def administrator_roles(user) -> set[str]:
    if not (user.is_authenticated and user.is_staff):
        return set()
    cache = getattr(user, "_rectification_admin_roles", None)
    if cache is None:
        cache = set(AdministratorRole.objects.filter(user=user).values_list("role", flat=True))
        user._rectification_admin_roles = cache
    return cache


def require_administrator(user, role: str) -> None:
    if role not in administrator_roles(user):
        raise PermissionDenied(denial_message(f"rectification.admin_{role}"))


is_auditor = rules.predicate(lambda user: AdministratorRole.Role.AUDITOR in administrator_roles(user))
rules.add_perm("rectification.view_audit", is_auditor)


def _model_perms(app_model: str, actions: str = "view add change delete") -> set[str]:
    app, model = app_model.split(".")
    return {f"{app}.{action}_{model}" for action in actions.split()}


# What each of 三员 may do in the admin: the system administrator keeps accounts (never their
# roles or permissions: ``UserAdmin`` hides those fields from everyone but the superuser),
# the organisation tree, the deadlines' rules and the lock-outs (deleting one unlocks); the
# security administrator keeps memberships, groups and the administrator roles; the auditor
# has nothing there (the trail is read in the app, /audit/).
ADMIN_ROLE_PERMISSIONS: dict[str, set[str]] = {
    AdministratorRole.Role.SYSTEM: _model_perms("auth.user", "view add change")
    | _model_perms("rectification.profile", "view add change")
    | _model_perms("rectification.organisation", "view add change")
    | _model_perms("rectification.reportingrules")
    | _model_perms("axes.accessattempt", "view delete")
    | _model_perms("axes.accessfailurelog", "view"),
    AdministratorRole.Role.SECURITY: {"auth.view_user", "rectification.view_organisation"}
    | _model_perms("rectification.membership")
    | _model_perms("rectification.administratorrole")
    | _model_perms("auth.group"),
    AdministratorRole.Role.AUDITOR: set(),
}


class AdminModelBackend(ModelBackend):
    """Django's model permissions, which only the admin uses, for staff users only.

    Everything the app itself checks is a rule (permissions.py). The stock ModelBackend answers
    every ``has_perm`` the rules refuse (the navigation asks four on every page) with two
    queries for the user's and groups' permissions; users who cannot enter the admin have
    no use for those, so they are not loaded for them. 三员 hold the permissions of their
    role (ADMIN_ROLE_PERMISSIONS above) besides any given them in the admin."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or not (user_obj.is_staff or user_obj.is_superuser):
            return set()
        roles = administrator_roles(user_obj)
        return super().get_all_permissions(user_obj, obj) | {p for r in roles for p in ADMIN_ROLE_PERMISSIONS[r]}
