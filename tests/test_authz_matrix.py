"""The authorisation matrix: every URL of the app × every persona → the expected answer.

The URL list comes from the URL configuration itself (``get_resolver()``), so a new page
without an entry in MATRIX fails ``test_every_url_has_an_entry``: nobody can add a page
without deciding who may see it. Entries that name no URL any more fail too.

An entry gives, per method, the expected status for the personas in PERSONAS order:
``L`` is a redirect to the login page, a number is that status code. URL kwargs are built
from organisation A's objects; when an entry takes objects, the same URL is also asked
with organisation B's objects by A's staff and secretary, and must answer 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from rectification import services
from rectification.models import (
    AcceptanceOpinion,
    Bulletin,
    BulletinReview,
    BulletinVersion,
    PlanChange,
    PublicComment,
    ReportingRules,
    SubmittedVersion,
    UpwardDocument,
    UrgingAttachment,
    UrgingLetter,
    UrgingReply,
    WithheldFinding,
)

from . import factories as f

# The three administrators (三员) hold no membership: the app's pages treat them as a
# signed-in person of no organisation, except the audit trail, which is the auditor's alone.
PERSONAS = ("anon", "staff_a", "staff_b", "secretary_a", "supervisor", "sysadmin", "secadmin", "auditor")
FOREIGN_PERSONAS = ("staff_a", "secretary_a")
# URL namespaces with their own access control (Django's admin checks is_staff itself).
SKIPPED_NAMESPACES = {"admin"}
LOGIN = "L"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

Kwargs = Callable[[SimpleNamespace], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    get: str | None = None  # e.g. "L 200 404 200 200 404 404 404"; None: GET is not checked (say why)
    post: str | None = None
    kw: Kwargs | None = None  # URL kwargs from one organisation's objects
    data: Kwargs | None = None  # POST data
    query: Callable[[SimpleNamespace], str] | None = None  # query string for GET
    foreign: bool = True  # B's objects give 404 to A's people (False for public pages)


def _measure(o: SimpleNamespace) -> dict:
    return {"pk": o.measure.pk}


def _inspection(o: SimpleNamespace) -> dict:
    return {"pk": o.inspection.pk}


def _category(o: SimpleNamespace) -> dict:
    return {"pk": o.category.pk}


def _finding(o: SimpleNamespace) -> dict:
    return {"pk": o.finding.pk}


def _public_bulletin(o: SimpleNamespace) -> dict:
    return {"slug": o.organisation.slug, "bulletin_id": o.published.bulletin_id}


def _recheck(o: SimpleNamespace) -> dict:
    """A pending re-check (回头看) of the side's measure, made on first use."""
    from rectification.models import ReCheck

    recheck, _created = ReCheck.objects.get_or_create(measure=o.measure, due_on=o.measure.due_on)
    return {"pk": recheck.pk}


def _upward(o: SimpleNamespace) -> dict:
    return {"pk": o.upward.pk}


def _upward_version(o: SimpleNamespace) -> dict:
    return {"pk": o.upward_version.pk}


def _bulletin_review(o: SimpleNamespace) -> dict:
    return {"pk": o.bulletin_review.pk}


def _letter(o: SimpleNamespace) -> dict:
    return {"pk": o.letter.pk}


def _opinion(o: SimpleNamespace) -> dict:
    return {"pk": o.opinion.pk}


MATRIX: dict[str, Entry] = {
    # Accounts (fuhua/urls.py).
    "login": Entry(get="200 200 200 200 200 200 200 200"),
    "logout": Entry(
        get="405 405 405 405 405 405 405 405", post="L L L L L L L L"
    ),  # logging out lands on the login page
    "password_change": Entry(get="L 200 200 200 200 200 200 200"),
    "password_change_done": Entry(get="L 200 200 200 200 200 200 200"),
    # The second factor: its page sends a person with nothing pending home; enrolment (a new
    # phone) is open to every signed-in person (an empty form: the page again).
    "otp_verify": Entry(get="L 302 302 302 302 302 302 302", post="L 302 302 302 302 302 302 302"),
    "otp_setup": Entry(get="L 200 200 200 200 200 200 200", post="L 200 200 200 200 200 200 200"),
    # Unified login is not configured in this world: its two addresses are 404; the refusal
    # page explains a refused unified login to whoever lands on it.
    "oidc_authentication_init": Entry(get="404 404 404 404 404 404 404 404", post="405 405 405 405 405 405 405 405"),
    "oidc_authentication_callback": Entry(
        get="404 404 404 404 404 404 404 404", post="405 405 405 405 405 405 405 405"
    ),
    # The work platform's web login (work_login.py) is not configured either: 404, and GET only.
    "work_login_start": Entry(get="404 404 404 404 404 404 404 404", post="405 405 405 405 405 405 405 405"),
    "work_login_callback": Entry(get="404 404 404 404 404 404 404 404", post="405 405 405 405 405 405 405 405"),
    "unified_login_refused": Entry(get="403 403 403 403 403 403 403 403", post="405 405 405 405 405 405 405 405"),
    "set_language": Entry(
        get="302 302 302 302 302 302 302 302", post="302 302 302 302 302 302 302 302", data=lambda o: {"language": "en"}
    ),
    # Core.
    # The to-do home; a visitor who is not signed in is sent to the public start page.
    "rectification:home": Entry(get="302 200 200 200 200 200 200 200", post="405 405 405 405 405 405 405 405"),
    "rectification:inspection_list": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    "rectification:public_index": Entry(get="200 200 200 200 200 200 200 200", post="405 405 405 405 405 405 405 405"),
    # The user guide (使用说明) is for everyone, signed in or not.
    "rectification:guide": Entry(get="200 200 200 200 200 200 200 200", post="405 405 405 405 405 405 405 405"),
    # The security audit trail and its export: the auditor alone (not even the superuser).
    "rectification:audit_list": Entry(get="L 403 403 403 403 403 403 200", post="L 405 405 405 405 405 405 405"),
    "rectification:audit_export": Entry(get="L 403 403 403 403 403 403 200", post="L 405 405 405 405 405 405 405"),
    "rectification:healthz": Entry(get="200 200 200 200 200 200 200 200", post="405 405 405 405 405 405 405 405"),
    # Structure editor: everyone who sees the inspection reads the tree; only the secretary
    # edits it. Empty POSTs are invalid forms (400); moves and deletes redirect back.
    "rectification:inspection_detail": Entry(get="L 200 404 200 200 404 404 404", kw=_inspection),
    "rectification:inspection_create": Entry(get="L 403 403 200 403 403 403 403", post="L 403 403 400 403 403 403 403"),
    "rectification:inspection_edit": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_inspection
    ),
    "rectification:category_create": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_inspection
    ),
    "rectification:category_edit": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_category
    ),
    "rectification:category_move": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_category
    ),
    "rectification:category_delete": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 302 403 404 404 404", kw=_category
    ),
    "rectification:finding_create": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_category
    ),
    "rectification:finding_edit": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_finding
    ),
    "rectification:finding_move": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_finding
    ),
    "rectification:finding_delete": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 302 403 404 404 404", kw=_finding
    ),
    "rectification:measure_create": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_finding
    ),
    "rectification:measure_edit": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_measure
    ),
    "rectification:measure_move": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_measure
    ),
    "rectification:measure_delete": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 302 403 404 404 404", kw=_measure
    ),
    # Rounds: a 回头看 from an inspection; what it found of a problem (A's is not carried: the
    # secretary is sent back with the message).
    "rectification:inspection_follow_up": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_inspection
    ),
    "rectification:finding_recurrence": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_finding
    ),
    # Bulk actions name measures in the POST body: see test_bulk_action_ignores_foreign_measures.
    "rectification:measure_bulk": Entry(
        get="L 405 405 405 405 405 405 405",
        post="L 403 403 302 403 403 403 403",
        data=lambda o: {"measure": o.measure.pk, "action": "due_on"},
    ),
    # Ledger: only secretaries import (an unknown upload token is a 404 for them); everyone who
    # reads an inspection exports it; the template is for any signed-in user.
    "rectification:ledger_import": Entry(get="L 403 403 200 403 403 403 403", post="L 403 403 400 403 403 403 403"),
    "rectification:ledger_import_preview": Entry(
        get="L 403 403 404 403 403 403 403",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"token": "unknown"},
        foreign=False,
    ),
    "rectification:ledger_import_confirm": Entry(
        get="L 405 405 405 405 405 405 405",
        post="L 403 403 404 403 403 403 403",
        kw=lambda o: {"token": "unknown"},
        foreign=False,
    ),
    "rectification:ledger_template": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    "rectification:ledger_export": Entry(
        get="L 200 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_inspection
    ),
    # Onboarding a district creates accounts and grants roles: the superuser only (none of
    # the personas here, not even 三员, who each hold one half of it; tests/test_onboarding_views.py
    # signs the superuser in).
    "rectification:onboarding_upload": Entry(get="L 403 403 403 403 403 403 403", post="L 403 403 403 403 403 403 403"),
    "rectification:onboarding_template": Entry(
        get="L 403 403 403 403 403 403 403", post="L 405 405 405 405 405 405 405"
    ),
    "rectification:onboarding_preview": Entry(
        get="L 403 403 403 403 403 403 403",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"token": "unknown"},
        foreign=False,
    ),
    "rectification:onboarding_confirm": Entry(
        get="L 405 405 405 405 405 405 405",
        post="L 403 403 403 403 403 403 403",
        kw=lambda o: {"token": "unknown"},
        foreign=False,
    ),
    # The measure list's selection: scoped by the list selector, so B's staff get their own rows.
    "rectification:measure_export": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    # Bulletin: only the secretary edits, previews, downloads the draft and publishes (an empty
    # POST is an invalid form, 400; publishing redirects back); readers see the version list.
    "rectification:bulletin_index": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    "rectification:bulletin_edit": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_inspection
    ),
    "rectification:bulletin_preview": Entry(
        get="L 403 404 200 403 404 404 404", post="L 403 404 400 403 404 404 404", kw=_inspection
    ),
    "rectification:bulletin_pdf": Entry(
        get="L 403 404 200 403 404 404 404", post="L 405 405 405 405 405 405 405", kw=_inspection
    ),
    "rectification:bulletin_docx": Entry(
        get="L 403 404 200 403 404 404 404", post="L 405 405 405 405 405 405 405", kw=_inspection
    ),
    "rectification:bulletin_publish": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_inspection
    ),
    # The version list of a published bulletin (where the secretary finds the withdrawal form).
    "rectification:bulletin_versions": Entry(
        get="L 200 404 200 200 404 404 404",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"pk": o.published.bulletin.inspection_id},
    ),
    # Withdrawing a published version: the organisation's secretary only (a complete form:
    # back to the version list); the supervisor above and the staff are refused.
    "rectification:bulletin_withdraw": Entry(
        get="L 405 405 405 405 405 405 405",
        post="L 403 404 302 403 404 404 404",
        kw=lambda o: {"pk": o.published.bulletin.inspection_id},
        data=lambda o: {"number": 1, "reason": "误发布", "confirm": "1"},
    ),
    # Public bulletin pages need no login: a published version is open to all (the latest
    # address redirects to it); a draft never published is a 404 for all, and so is another
    # organisation's bulletin under this one's address (see test_public_pages_show_...).
    "rectification:public_bulletin_list": Entry(
        get="200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405",
        kw=lambda o: {"slug": o.organisation.slug},
        foreign=False,
    ),
    "rectification:public_bulletin_latest": Entry(
        get="302 302 302 302 302 302 302 302", kw=_public_bulletin, foreign=False
    ),
    "rectification:public_bulletin_html": Entry(
        get="200 200 200 200 200 200 200 200", kw=lambda o: {**_public_bulletin(o), "number": 1}, foreign=False
    ),
    "rectification:public_bulletin_pdf": Entry(
        get="200 200 200 200 200 200 200 200", kw=lambda o: {**_public_bulletin(o), "number": 1}, foreign=False
    ),
    "rectification:public_bulletin_docx": Entry(
        get="200 200 200 200 200 200 200 200", kw=lambda o: {**_public_bulletin(o), "number": 1}, foreign=False
    ),
    # The 党内通报 (internal wording): whoever reads the ledger; never the public.
    "rectification:bulletin_internal": Entry(
        get="L 200 404 200 200 404 404 404",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"pk": o.inspection.pk, "fmt": "docx"},
    ),
    # Comments from the public: the public page's form is open to all (the bulletin takes
    # comments until 2099); the register (意见建议登记簿) is read by the organisation's
    # secretary and members, handled by the secretary; never by staff or supervisors.
    "rectification:public_comment": Entry(
        get="405 405 405 405 405 405 405 405",
        post="200 200 200 200 200 200 200 200",
        kw=lambda o: {**_public_bulletin(o), "number": 1},
        data=lambda o: {"body": "建议增加路灯"},
        foreign=False,
    ),
    "rectification:comment_list": Entry(get="L 403 403 200 403 403 403 403", post="L 405 405 405 405 405 405 405"),
    "rectification:comment_new": Entry(
        get="L 403 404 200 403 404 404 404",
        post="L 403 404 302 403 404 404 404",
        kw=lambda o: {"pk": o.organisation.pk},
        data=lambda o: {"channel": "phone", "body": "电话反映"},
    ),
    "rectification:comment_detail": Entry(
        get="L 403 404 200 403 404 404 404", post="L 405 405 405 405 405 405 405", kw=lambda o: {"pk": o.comment.pk}
    ),
    "rectification:comment_answer": Entry(
        get="L 405 405 405 405 405 405 405",
        post="L 403 404 302 403 404 404 404",
        kw=lambda o: {"pk": o.comment.pk},
        data=lambda o: {"answer": "已答复"},
    ),
    "rectification:comment_close": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=lambda o: {"pk": o.comment.pk}
    ),
    # Dashboard and its export: whoever reads A (B's staff: 404, see test_dashboard_views);
    # the roll-up is for supervisors only.
    "rectification:dashboard": Entry(
        get="L 200 404 200 200 200 200 200",
        post="L 405 405 405 405 405 405 405",
        query=lambda o: f"organisation={o.organisation.pk}",
    ),
    "rectification:dashboard_export": Entry(
        get="L 200 404 200 200 404 404 404",
        post="L 405 405 405 405 405 405 405",
        query=lambda o: f"inspection={o.inspection.pk}",
    ),
    "rectification:rollup": Entry(get="L 403 403 403 200 403 403 403", post="L 405 405 405 405 405 405 405"),
    # The district statistics: the roll-up's readers (a root outside theirs: test_statistics).
    "rectification:statistics": Entry(get="L 403 403 403 200 403 403 403", post="L 405 405 405 405 405 405 405"),
    "rectification:statistics_xlsx": Entry(get="L 403 403 403 200 403 403 403", post="L 405 405 405 405 405 405 405"),
    # Notifications: everyone's own; re-checks: whoever reads the measure sees them, only
    # the secretary decides (an empty form: back to the list with a message).
    "rectification:notifications": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    "rectification:notifications_mark_read": Entry(
        get="L 405 405 405 405 405 405 405", post="L 302 302 302 302 302 302 302"
    ),
    "rectification:recheck_list": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    "rectification:recheck_decide": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_recheck
    ),
    # Staff workflow: whoever reads A sees the list and the measure page; the responsible
    # person (staff_a) and the secretary act (an empty POST is an invalid form, 400); sign-off
    # and extension decisions are the secretary's; supervisors only read (403).
    "rectification:measure_list": Entry(get="L 200 200 200 200 200 200 200", post="L 405 405 405 405 405 405 405"),
    "rectification:measure_detail": Entry(
        get="L 200 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_measure
    ),
    "rectification:measure_progress": Entry(
        get="L 405 405 405 405 405 405 405", post="L 400 404 400 403 404 404 404", kw=_measure
    ),
    "rectification:measure_status": Entry(
        get="L 405 405 405 405 405 405 405", post="L 400 404 400 403 404 404 404", kw=_measure
    ),
    "rectification:measure_sign_off": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 400 403 404 404 404", kw=_measure
    ),
    "rectification:evidence_upload": Entry(
        get="L 405 405 405 405 405 405 405", post="L 400 404 400 403 404 404 404", kw=_measure
    ),
    "rectification:extension_request": Entry(
        get="L 405 405 405 405 405 405 405", post="L 400 404 400 403 404 404 404", kw=_measure
    ),
    "rectification:extension_decide": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 400 403 404 404 404", kw=lambda o: {"pk": o.extension.pk}
    ),
    "rectification:evidence_download": Entry(
        get="L 200 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=lambda o: {"pk": o.evidence.pk}
    ),
    # The uploader (staff_a) or the secretary deletes.
    "rectification:evidence_delete": Entry(
        get="L 405 405 405 405 405 405 405", post="L 302 404 302 403 404 404 404", kw=lambda o: {"pk": o.evidence.pk}
    ),
    "rectification:signoff_queue": Entry(get="L 403 403 200 403 403 403 403", post="L 405 405 405 405 405 405 405"),
    # Documents handed upward (internal): the secretary and members of A and the supervisors
    # above read them (staff: 403); the secretary edits, previews, downloads the draft and
    # submits (an empty POST is an invalid form, 400); a supervisor reviews (empty: 400).
    # Opening a document redirects to its page.
    "rectification:upward_open": Entry(
        get="L 403 404 302 302 404 404 404",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"pk": o.inspection.pk, "kind": "plan", "sequence": 1},
    ),
    "rectification:upward_document": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_upward
    ),
    "rectification:upward_edit": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 400 403 404 404 404", kw=_upward
    ),
    "rectification:upward_submit": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 400 403 404 404 404", kw=_upward
    ),
    "rectification:upward_preview": Entry(
        get="L 403 404 200 403 404 404 404", post="L 405 405 405 405 405 405 405", kw=_upward
    ),
    "rectification:upward_draft_pdf": Entry(
        get="L 403 404 200 403 404 404 404", post="L 405 405 405 405 405 405 405", kw=_upward
    ),
    "rectification:upward_draft_docx": Entry(
        get="L 403 404 200 403 404 404 404", post="L 405 405 405 405 405 405 405", kw=_upward
    ),
    "rectification:upward_version_pdf": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_upward_version
    ),
    "rectification:upward_version_docx": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_upward_version
    ),
    "rectification:upward_review": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 403 400 404 404 404", kw=_upward_version
    ),
    "rectification:review_queue": Entry(get="L 403 403 403 200 403 403 403", post="L 405 405 405 405 405 405 405"),
    # The bulletin's review before publication: A's secretary submits (no district rule in
    # this world: refused with a message, back to the editor) and records 不予公开 (an empty
    # form: back with a message); the submission's page and frozen text are the secretary's
    # and the supervisors' above; a supervisor decides (an empty POST is invalid, 400).
    "rectification:bulletin_review_submit": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_inspection
    ),
    "rectification:bulletin_withhold": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 302 403 404 404 404", kw=_inspection
    ),
    "rectification:bulletin_release": Entry(
        get="L 405 405 405 405 405 405 405",
        post="L 403 404 302 403 404 404 404",
        kw=lambda o: {"pk": o.inspection.pk, "withheld_id": o.withheld.pk},
    ),
    "rectification:bulletin_review": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_bulletin_review
    ),
    "rectification:bulletin_review_document": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_bulletin_review
    ),
    "rectification:bulletin_review_decide": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 403 400 404 404 404", kw=_bulletin_review
    ),
    # Acceptance (验收): the queue is a supervisor's; deciding takes the organisation's rule as
    # well (street level in this world: the street's supervisor decides; an incomplete POST
    # is a message and a redirect to the queue).
    "rectification:acceptance_queue": Entry(get="L 403 403 403 200 403 403 403", post="L 405 405 405 405 405 405 405"),
    "rectification:measure_acceptance": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 403 302 404 404 404", kw=_measure
    ),
    # 整改验收意见: read by A's secretary and members and the supervisors above (staff: 403);
    # drafted and issued by a supervisor at the acceptance level (an empty POST is an invalid
    # form, 400); the files of an issued opinion are its readers'.
    "rectification:acceptance_opinion": Entry(
        get="L 403 404 200 200 404 404 404", post="L 403 404 403 400 404 404 404", kw=_inspection
    ),
    "rectification:acceptance_opinion_pdf": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_opinion
    ),
    "rectification:acceptance_opinion_docx": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_opinion
    ),
    # A change to an approved plan (方案调整) is decided by the supervisors above (an empty
    # POST is an invalid form: the plan's page, 400); its own secretary asked, and does not decide.
    "rectification:plan_change_decide": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 403 400 404 404 404", kw=lambda o: {"pk": o.plan_change.pk}
    ),
    # Urging from above (督办): the letters and talks are read by A's secretary and members and
    # the supervisors above (staff: 403); only a supervisor above issues letters and records
    # talks (an empty POST is an invalid form, 400); only A's own secretary replies (empty: 400).
    "rectification:urging_organisation": Entry(
        get="L 403 404 200 200 404 404 404",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"pk": o.organisation.pk},
    ),
    "rectification:urging_new": Entry(
        get="L 403 404 403 200 404 404 404", post="L 403 404 403 400 404 404 404", kw=_inspection
    ),
    "rectification:urging_letter": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_letter
    ),
    "rectification:urging_reply": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 400 403 404 404 404", kw=_letter
    ),
    # Before the reply the supervisors above correct (an empty POST: the form again, 400) or
    # withdraw (no reason: a message, back to the letter) the letter; after it they close it
    # (the world's letter awaits its reply: refused with a message, back to the letter).
    "rectification:urging_edit": Entry(
        get="L 403 404 403 200 404 404 404", post="L 403 404 403 400 404 404 404", kw=_letter
    ),
    "rectification:urging_withdraw": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 403 302 404 404 404", kw=_letter
    ),
    "rectification:urging_close": Entry(
        get="L 405 405 405 405 405 405 405", post="L 403 404 403 302 404 404 404", kw=_letter
    ),
    "rectification:urging_letter_pdf": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_letter
    ),
    "rectification:urging_letter_docx": Entry(
        get="L 403 404 200 200 404 404 404", post="L 405 405 405 405 405 405 405", kw=_letter
    ),
    "rectification:urging_attachment": Entry(
        get="L 403 404 200 200 404 404 404",
        post="L 405 405 405 405 405 405 405",
        kw=lambda o: {"pk": o.urging_attachment.pk},
    ),
    "rectification:talk_new": Entry(
        get="L 403 404 403 200 404 404 404",
        post="L 403 404 403 400 404 404 404",
        kw=lambda o: {"pk": o.organisation.pk},
    ),
}


# ------------------------------------------------------------------ URL discovery


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in SKIPPED_NAMESPACES:
                continue
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            yield (f"{namespace}{p.name}" if p.name else f"<unnamed {route}>"), route


def discovered_urls() -> dict[str, str]:
    return dict(_walk(get_resolver().url_patterns))


def test_every_url_has_an_entry():
    missing = sorted(set(discovered_urls()) - set(MATRIX))
    assert not missing, f"URLs without an authorisation decision in tests/test_authz_matrix.py: {missing}"


def test_every_entry_names_a_url():
    stale = sorted(set(MATRIX) - set(discovered_urls()))
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def test_media_files_have_no_route():
    """Evidence lives in the private storage; nothing in the URL conf serves it directly."""
    routes = discovered_urls().values()
    assert not any(r.startswith(("media", "evidence-not-public", "private")) for r in routes)


# ------------------------------------------------------------------ the world


def _side(organisation, staff, person) -> SimpleNamespace:
    """One organisation's objects, one of each kind that a URL can name."""
    measure = f.measure_in(organisation, owners=[person])
    o = SimpleNamespace(organisation=organisation, measure=measure, person=person)
    o.finding = measure.finding
    o.category = o.finding.category
    o.inspection = o.category.inspection
    (o.evidence,) = services.evidence_add(
        measure=measure, user=staff, files=[SimpleUploadedFile("照片.png", PNG)], description=""
    )
    o.extension = services.extension_request(
        measure=measure, user=staff, new_due_on=measure.due_on + dt.timedelta(days=30), reason="需要更多时间"
    )
    o.bulletin = Bulletin.objects.create(inspection=o.inspection)
    o.bulletin_review = BulletinReview.objects.create(
        bulletin=o.bulletin, number=1, html="<p>通报</p>", html_sha256="1" * 64, rendered_on=dt.date(2025, 6, 30),
        submitted_by=staff,
    )  # fmt: skip
    o.withheld = WithheldFinding.objects.create(
        finding=o.finding, reason="正在调查", agreed_by="组长", recorded_by=staff
    )
    o.published = _published(f.inspection(organisation=organisation, feedback_on=dt.date(2024, 12, 30)), staff)
    o.upward, o.upward_version = _submitted_plan(o.inspection, staff)
    o.plan_change = PlanChange.objects.create(
        plan=o.upward, action=PlanChange.Action.REDATE, measure=measure, reason="需要更多时间", requested_by=staff,
        proposal={"due_on": "2030-01-01", "old_due_on": measure.due_on.isoformat(), "kind": measure.kind},
    )  # fmt: skip
    o.letter, o.urging_attachment = _urging(o, staff)
    # Its inspection has an issued second-round 整改验收意见 (rows only), so a next round
    # may be drafted (the district asks the street to accept: see ``world``).
    o.opinion = AcceptanceOpinion.objects.create(
        inspection=o.inspection, issuer=organisation.parent, conclusion="second_round", state="issued",
        second_due_on=dt.date(2030, 1, 1), text="未全部到位。", prefix="福田巡验", year=2025,
        serial=AcceptanceOpinion.objects.count() + 1, drafted_by=staff, issued_by=staff, issued_at=timezone.now(),
    )  # fmt: skip
    o.opinion.measures.set([measure])
    o.comment = PublicComment.objects.create(organisation=organisation, body="建议增加路灯")
    return o


def _urging(o: SimpleNamespace, user) -> tuple[UrgingLetter, UrgingAttachment]:
    """A 督办函 from the street awaiting its reply, and another answered with a file (rows only)."""
    street = o.organisation.parent
    letters = [
        UrgingLetter.objects.create(
            issuer=street,
            organisation=o.organisation,
            inspection=o.inspection,
            prefix="福田巡督",
            year=2025,
            serial=UrgingLetter.objects.filter(issuer=street).count() + 1,
            subject="督办",
            text="请加快整改。",
            reply_due_on=dt.date(2030, 1, 1),
            issued_by=user,
        )  # fmt: skip
        for _n in range(2)
    ]
    reply = UrgingReply.objects.create(letter=letters[1], text="已整改。", replied_by=user)
    attachment = UrgingAttachment(reply=reply, original_name="回复.png", content_type="image/png", size=len(PNG))
    attachment.file.save("回复.png", SimpleUploadedFile("回复.png", PNG), save=True)
    return letters[0], attachment


def _submitted_plan(inspection, user) -> tuple[UpwardDocument, SubmittedVersion]:
    """The inspection's plan under review, version 1 (rows only: no rendering)."""
    document = UpwardDocument.objects.create(
        inspection=inspection, kind=UpwardDocument.Kind.PLAN, state=UpwardDocument.State.SUBMITTED
    )
    version = SubmittedVersion.objects.create(
        document=document, number=1, text="方案", html="<p>方案</p>", pdf=b"%PDF-1.4\n%%EOF\n", docx=b"PK\x03\x04",
        sha256="0" * 64, docx_sha256="2" * 64, attestation="签字背书", signed_by=user,
    )  # fmt: skip
    return document, version


def _published(inspection, user) -> BulletinVersion:
    """A published version 1 of the inspection's bulletin (rows only: no PDF rendering)."""
    bulletin = Bulletin.objects.create(inspection=inspection, comment_until=dt.date(2099, 1, 1))
    return BulletinVersion.objects.create(
        bulletin=bulletin, number=1, html="<p>通报</p>", pdf=b"%PDF-1.4\n%%EOF\n", docx=b"PK\x03\x04",
        sha256="0" * 64, html_sha256="1" * 64, docx_sha256="2" * 64, published_by=user,
    )  # fmt: skip


def _administrators(personas) -> None:
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("matrix-root", password="pw-Secret-123")
    for persona, role in (("sysadmin", "system"), ("secadmin", "security"), ("auditor", "auditor")):
        user = f.user(username=persona)
        services.administrator_grant(by=root, user=user, role=role)
        user.refresh_from_db()
        setattr(personas, persona, user)


@pytest.fixture
def world(personas):
    p, t = personas, personas.tree
    # The district's rule: measures signed off are accepted (验收) by the street.
    ReportingRules.objects.create(organisation=t.district, acceptance_level=ReportingRules.AcceptanceLevel.STREET)
    _administrators(p)
    return SimpleNamespace(
        personas=p, a=_side(t.a, p.staff_a, p.person_staff_a), b=_side(t.b, p.staff_b, p.person_staff_b)
    )


# ------------------------------------------------------------------ the checks


def _client(world, persona: str) -> Client:
    client = Client()
    if persona != "anon":
        client.force_login(getattr(world.personas, persona))
    return client


def _answer(world, persona: str, method: str, url: str, data: dict) -> str:
    """The response as a matrix token; each request's writes are rolled back."""
    with transaction.atomic():
        client = _client(world, persona)
        response = client.post(url, data) if method == "post" else client.get(url)
        transaction.set_rollback(True)
    code = response.status_code
    if code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return str(code)


def _data(entry: Entry, side: SimpleNamespace) -> dict:
    # Never empty: views that bind forms with `request.POST or None` must see a bound, invalid form.
    return entry.data(side) if entry.data else {"matrix": "1"}


def _url(name: str, entry: Entry, side: SimpleNamespace, method: str) -> str:
    url = reverse(name, kwargs=entry.kw(side) if entry.kw else None)
    if method == "get" and entry.query:
        url += "?" + entry.query(side)
    return url


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name, world):
    entry = MATRIX[name]
    if name not in discovered_urls():
        pytest.skip("not routed (reported by test_every_entry_names_a_url)")
    problems = []
    for method in ("get", "post"):
        expected = getattr(entry, method)
        if expected is None:
            continue
        data = _data(entry, world.a)
        url = _url(name, entry, world.a, method)
        for persona, want in zip(PERSONAS, expected.split(), strict=True):
            got = _answer(world, persona, method, url, data)
            if got != want:
                problems.append(f"{method.upper()} {url} as {persona}: expected {want}, got {got}")
        if entry.kw and entry.foreign:
            problems += _foreign_problems(world, name, entry, method, expected)
    assert not problems, "\n".join(problems)


def _foreign_problems(world, name: str, entry: Entry, method: str, expected: str) -> list[str]:
    """Organisation B's objects asked for by A's people: 404, never data."""
    url = _url(name, entry, world.b, method)
    data = _data(entry, world.b)
    wants = dict(zip(PERSONAS, expected.split(), strict=True))
    problems = []
    for persona in FOREIGN_PERSONAS:
        if wants[persona] == "405":
            continue
        got = _answer(world, persona, method, url, data)
        if got != "404":
            problems.append(f"{method.upper()} {url} (organisation B) as {persona}: expected 404, got {got}")
    return problems


def test_bulk_action_ignores_foreign_measures(client, world):
    """Bulk actions take measure ids from the body: another organisation's stay untouched."""
    world.b.measure.refresh_from_db()
    before = (world.b.measure.due_on, world.b.measure.version)
    client.force_login(world.personas.secretary_a)
    data = {"measure": [world.b.measure.pk], "action": "due_on", "due_on": "2026-01-31"}
    client.post(reverse("rectification:measure_bulk"), data)
    world.b.measure.refresh_from_db()
    assert (world.b.measure.due_on, world.b.measure.version) == before


def test_public_pages_show_published_versions_of_this_organisation_only(client, world):
    """A draft is not public, and a bulletin is public only under its own organisation's address."""
    a, b = world.a, world.b
    cases = [
        {"slug": a.organisation.slug, "bulletin_id": a.bulletin.pk},  # A's draft, never published
        {"slug": a.organisation.slug, "bulletin_id": b.published.bulletin_id},  # B's, under A's address
    ]
    for kwargs in cases:
        assert client.get(reverse("rectification:public_bulletin_latest", kwargs=kwargs)).status_code == 404
        for name in ("public_bulletin_html", "public_bulletin_pdf", "public_bulletin_docx"):
            url = reverse(f"rectification:{name}", kwargs={**kwargs, "number": 1})
            assert client.get(url).status_code == 404, url
