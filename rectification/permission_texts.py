"""What the 403 page says when a rule of permissions.py refuses: who holds the rule, in the
words of the people concerned, so that someone refused knows whom to ask. Rules every
reader holds are not listed. Kept beside permissions.py, which re-exports both names."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_ABOVE = gettext_lazy("上级街道党工委、区委巡察办的督导人员")
_SECRETARY = gettext_lazy("本党组织书记")
_ANSWERING = gettext_lazy("该措施的责任人、责任领导或本党组织书记")
# Who holds each rule, in the words of the people concerned: the 403 page says it, so that
# someone refused knows whom to ask. Rules every reader holds are not listed.
WHO_MAY = {
    "change_measure": _ANSWERING,
    "add_evidence": _ANSWERING,
    "request_extension": _ANSWERING,
    "sign_off_measure": _SECRETARY,
    "decide_extension": _SECRETARY,
    "decide_recheck": _SECRETARY,
    "edit_measure": _SECRETARY,
    "manage_inspection": _SECRETARY,
    "bulk_change_measure": _SECRETARY,
    "edit_bulletin": _SECRETARY,
    "publish_bulletin": _SECRETARY,
    "withdraw_bulletin": _SECRETARY,
    "import_ledger": _SECRETARY,
    "start_ledger_import": gettext_lazy("党组织书记"),
    "onboard": gettext_lazy("系统管理员"),
    "create_inspection": gettext_lazy("党组织书记"),
    "use_bulk_actions": gettext_lazy("党组织书记"),
    "view_signoff_queue": gettext_lazy("党组织书记"),
    "view_rechecks": gettext_lazy("党组织书记"),
    "delete_evidence": gettext_lazy("上传者本人或本党组织书记"),
    "view_rollup": gettext_lazy("街道党工委、区委巡察办的督导人员"),
    "view_audit": gettext_lazy("审计管理员"),
    "admin_auditor": gettext_lazy("审计管理员"),
    "admin_system": gettext_lazy("系统管理员"),
    "admin_security": gettext_lazy("安全管理员"),
    "request_plan_change": _SECRETARY,
    "decide_plan_change": _ABOVE,
    "submit_bulletin_review": _SECRETARY,
    "review_bulletin": _ABOVE,
    "accept_measure": gettext_lazy("区里规定的验收层级（街道或区委巡察办）及以上的上级督导人员"),
    "view_acceptance_queue": gettext_lazy("街道党工委、区委巡察办的督导人员"),
    "conclude_acceptance": gettext_lazy("区里规定的验收层级（街道或区委巡察办）及以上的上级督导人员"),
    "view_acceptance_opinion": gettext_lazy("本党组织书记、委员和上级督导人员"),
    "issue_urging": _ABOVE,
    "record_talk": _ABOVE,
    "reply_urging": _SECRETARY,
    "view_comments": gettext_lazy("本党组织书记和委员"),
    "view_comment_register": gettext_lazy("党组织书记和委员"),
    "handle_comment": _SECRETARY,
}


def denial_message(perm: str) -> str:
    """What the 403 page says when ``perm`` is refused: who may do it, when the rule says."""
    who = WHO_MAY.get(perm.rpartition(".")[2])
    if who is None:
        return _("您没有权限进行此操作。")
    return _("此操作仅限{who}进行，您没有相应权限。").format(who=who)
