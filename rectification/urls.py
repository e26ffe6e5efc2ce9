"""URLs of the domain app. Every view here must have an entry in the
authorisation matrix test (tests/test_authz_matrix.py) once that exists."""

from django.urls import path

from . import views
from .views import acceptance as acceptance_views
from .views import acceptance_opinions as opinion_views
from .views import audit as audit_views
from .views import bulletin_review as bulletin_review_views
from .views import bulletins as bulletin_views
from .views import comments as comment_views
from .views import dashboard as dashboard_views
from .views import ledger as ledger_views
from .views import measures as measure_views
from .views import notifications as notification_views
from .views import onboarding as onboarding_views
from .views import plan_changes as plan_change_views
from .views import public as public_views
from .views import public_files
from .views import rounds as round_views
from .views import statistics as statistics_views
from .views import structure as structure_views
from .views import upward as upward_views
from .views import urging as urging_views

app_name = "rectification"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("public/", public_views.public_index, name="public_index"),
    path("guide/", views.guide, name="guide"),
    # The security audit trail: the auditor (审计管理员) alone.
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/export.xlsx", audit_views.audit_export, name="audit_export"),
    # Notifications (the bell) and re-checks (回头看): engineer "jobs".
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notification_mark_read, name="notifications_mark_read"),
    path("rechecks/", notification_views.recheck_list, name="recheck_list"),
    path("rechecks/<int:pk>/decide/", notification_views.recheck_decide, name="recheck_decide"),
    # Bulletin (通报): the secretary's editor, draft PDF, publishing, versions; public pages.
    path("bulletins/", bulletin_views.bulletin_index, name="bulletin_index"),
    path("inspections/<int:pk>/bulletin/", bulletin_views.bulletin_edit, name="bulletin_edit"),
    path("inspections/<int:pk>/bulletin/preview/", bulletin_views.bulletin_preview, name="bulletin_preview"),
    path("inspections/<int:pk>/bulletin.pdf", bulletin_views.bulletin_pdf, name="bulletin_pdf"),
    path("inspections/<int:pk>/bulletin.docx", bulletin_views.bulletin_docx, name="bulletin_docx"),
    path(
        "inspections/<int:pk>/bulletin/internal.<str:fmt>",
        bulletin_views.bulletin_internal,
        name="bulletin_internal",
    ),
    path("inspections/<int:pk>/bulletin/publish/", bulletin_views.bulletin_publish, name="bulletin_publish"),
    path("inspections/<int:pk>/bulletin/versions/", bulletin_views.bulletin_versions, name="bulletin_versions"),
    path("inspections/<int:pk>/bulletin/withdraw/", bulletin_views.bulletin_withdraw, name="bulletin_withdraw"),
    # The bulletin's review before publication (where the district requires it) and 不予公开.
    path(
        "inspections/<int:pk>/bulletin/review/",
        bulletin_review_views.bulletin_review_submit,
        name="bulletin_review_submit",
    ),
    path("inspections/<int:pk>/bulletin/withhold/", bulletin_review_views.bulletin_withhold, name="bulletin_withhold"),
    path(
        "inspections/<int:pk>/bulletin/withhold/<int:withheld_id>/release/",
        bulletin_review_views.bulletin_release,
        name="bulletin_release",
    ),
    path("bulletin-reviews/<int:pk>/", bulletin_review_views.bulletin_review, name="bulletin_review"),
    path(
        "bulletin-reviews/<int:pk>/document/",
        bulletin_review_views.bulletin_review_document,
        name="bulletin_review_document",
    ),
    path(
        "bulletin-reviews/<int:pk>/decide/", bulletin_review_views.bulletin_review_decide, name="bulletin_review_decide"
    ),
    path("public/<slug:slug>/bulletins/", public_views.public_bulletin_list, name="public_bulletin_list"),
    path(
        "public/<slug:slug>/bulletins/<int:bulletin_id>/",
        public_views.public_bulletin_latest,
        name="public_bulletin_latest",
    ),
    path(
        "public/<slug:slug>/bulletins/<int:bulletin_id>/v<int:number>/",
        public_files.public_bulletin_html,
        name="public_bulletin_html",
    ),
    path(
        "public/<slug:slug>/bulletins/<int:bulletin_id>/v<int:number>.pdf",
        public_files.public_bulletin_pdf,
        name="public_bulletin_pdf",
    ),
    path(
        "public/<slug:slug>/bulletins/<int:bulletin_id>/v<int:number>.docx",
        public_files.public_bulletin_docx,
        name="public_bulletin_docx",
    ),
    path(
        "public/<slug:slug>/bulletins/<int:bulletin_id>/v<int:number>/comments/",
        public_views.public_comment,
        name="public_comment",
    ),
    # The register of comments from the public (意见建议登记簿).
    path("comments/", comment_views.comment_list, name="comment_list"),
    path("organisations/<int:pk>/comments/new/", comment_views.comment_new, name="comment_new"),
    path("comments/<int:pk>/", comment_views.comment_detail, name="comment_detail"),
    path("comments/<int:pk>/answer/", comment_views.comment_answer, name="comment_answer"),
    path("comments/<int:pk>/close/", comment_views.comment_close, name="comment_close"),
    # Dashboard, its xlsx export, and the supervisors' roll-up (read-only).
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard_views.dashboard_export, name="dashboard_export"),
    path("rollup/", dashboard_views.rollup, name="rollup"),
    path("rollup/statistics/", statistics_views.statistics, name="statistics"),
    path("rollup/statistics.xlsx", statistics_views.statistics_xlsx, name="statistics_xlsx"),
    # Structure editor (inspections, categories, items, measures) and bulk actions.
    path("inspections/new/", structure_views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", structure_views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", structure_views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/follow-up/", round_views.follow_up, name="inspection_follow_up"),
    path("inspections/findings/<int:pk>/recurrence/", round_views.finding_recurrence, name="finding_recurrence"),
    path("inspections/<int:pk>/categories/new/", structure_views.category_create, name="category_create"),
    path("inspections/categories/<int:pk>/edit/", structure_views.category_edit, name="category_edit"),
    path("inspections/categories/<int:pk>/move/", structure_views.category_move, name="category_move"),
    path("inspections/categories/<int:pk>/delete/", structure_views.category_delete, name="category_delete"),
    path("inspections/categories/<int:pk>/items/new/", structure_views.finding_create, name="finding_create"),
    path("inspections/items/<int:pk>/edit/", structure_views.finding_edit, name="finding_edit"),
    path("inspections/items/<int:pk>/move/", structure_views.finding_move, name="finding_move"),
    path("inspections/items/<int:pk>/delete/", structure_views.finding_delete, name="finding_delete"),
    path("inspections/items/<int:pk>/measures/new/", structure_views.measure_create, name="measure_create"),
    path("inspections/measures/<int:pk>/edit/", structure_views.measure_edit, name="measure_edit"),
    path("inspections/measures/<int:pk>/move/", structure_views.measure_move, name="measure_move"),
    path("inspections/measures/<int:pk>/delete/", structure_views.measure_delete, name="measure_delete"),
    path("measures/bulk/", structure_views.measure_bulk, name="measure_bulk"),
    # Staff workflow: 「我的整改任务」, the measure page and its actions, evidence, sign-off queue.
    path("measures/", measure_views.measure_list, name="measure_list"),
    path("measures/<int:pk>/", measure_views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/progress/", measure_views.measure_progress, name="measure_progress"),
    path("measures/<int:pk>/status/", measure_views.measure_status, name="measure_status"),
    path("measures/<int:pk>/sign-off/", measure_views.measure_sign_off, name="measure_sign_off"),
    path("measures/<int:pk>/evidence/", measure_views.evidence_upload, name="evidence_upload"),
    path("measures/<int:pk>/extension/", measure_views.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", measure_views.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", measure_views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", measure_views.evidence_delete, name="evidence_delete"),
    path("sign-off/", measure_views.signoff_queue, name="signoff_queue"),
    path("acceptance/", acceptance_views.acceptance_queue, name="acceptance_queue"),
    path("measures/<int:pk>/acceptance/", acceptance_views.measure_acceptance, name="measure_acceptance"),
    # The acceptance's conclusion on a whole inspection (整改验收意见).
    path("inspections/<int:pk>/acceptance-opinion/", opinion_views.acceptance_opinion, name="acceptance_opinion"),
    path(
        "acceptance-opinions/<int:pk>/opinion.pdf", opinion_views.acceptance_opinion_pdf, name="acceptance_opinion_pdf"
    ),
    path(
        "acceptance-opinions/<int:pk>/opinion.docx",
        opinion_views.acceptance_opinion_docx,
        name="acceptance_opinion_docx",
    ),
    # Ledger (整改台账): import with preview, template, exports.
    path("ledger/import/", ledger_views.ledger_import, name="ledger_import"),
    path("ledger/import/<str:token>/", ledger_views.ledger_import_preview, name="ledger_import_preview"),
    path("ledger/import/<str:token>/confirm/", ledger_views.ledger_import_confirm, name="ledger_import_confirm"),
    path("ledger/template.xlsx", ledger_views.ledger_template, name="ledger_template"),
    path("onboarding/", onboarding_views.onboarding_upload, name="onboarding_upload"),
    path("onboarding/template.xlsx", onboarding_views.onboarding_template, name="onboarding_template"),
    path("onboarding/<str:token>/", onboarding_views.onboarding_preview_view, name="onboarding_preview"),
    path("onboarding/<str:token>/confirm/", onboarding_views.onboarding_confirm, name="onboarding_confirm"),
    path("inspections/<int:pk>/ledger.xlsx", ledger_views.ledger_export, name="ledger_export"),
    path("measures/export.xlsx", ledger_views.measure_export, name="measure_export"),
    # Documents handed upward (整改方案, 整改情况报告): the page, draft, submission, review, queue.
    path("inspections/<int:pk>/upward/<slug:kind>/<int:sequence>/", upward_views.upward_open, name="upward_open"),
    path("upward/<int:pk>/", upward_views.upward_document, name="upward_document"),
    path("upward/<int:pk>/edit/", upward_views.upward_edit, name="upward_edit"),
    path("upward/<int:pk>/submit/", upward_views.upward_submit, name="upward_submit"),
    path("upward/<int:pk>/preview/", upward_views.upward_preview, name="upward_preview"),
    path("upward/<int:pk>/draft.pdf", upward_views.upward_draft_pdf, name="upward_draft_pdf"),
    path("upward/<int:pk>/draft.docx", upward_views.upward_draft_docx, name="upward_draft_docx"),
    path("upward/versions/<int:pk>.pdf", upward_views.upward_version_pdf, name="upward_version_pdf"),
    path("upward/versions/<int:pk>.docx", upward_views.upward_version_docx, name="upward_version_docx"),
    path("upward/versions/<int:pk>/review/", upward_views.upward_review, name="upward_review"),
    path("reviews/", upward_views.review_queue, name="review_queue"),
    # Urging from above (督办): letters, replies, talks.
    path("organisations/<int:pk>/urging/", urging_views.urging_organisation, name="urging_organisation"),
    path("inspections/<int:pk>/urging/new/", urging_views.urging_new, name="urging_new"),
    path("urging/<int:pk>/", urging_views.urging_letter, name="urging_letter"),
    path("urging/<int:pk>/reply/", urging_views.urging_reply, name="urging_reply"),
    path("urging/<int:pk>/edit/", urging_views.urging_edit, name="urging_edit"),
    path("urging/<int:pk>/withdraw/", urging_views.urging_withdraw, name="urging_withdraw"),
    path("urging/<int:pk>/close/", urging_views.urging_close, name="urging_close"),
    path("urging/<int:pk>/letter.pdf", urging_views.urging_letter_pdf, name="urging_letter_pdf"),
    path("urging/<int:pk>/letter.docx", urging_views.urging_letter_docx, name="urging_letter_docx"),
    path("urging/attachments/<int:pk>/", urging_views.urging_attachment, name="urging_attachment"),
    path("organisations/<int:pk>/talks/new/", urging_views.talk_new, name="talk_new"),
    # Changes to an approved plan (方案调整): the supervisor's decision.
    path("plan-changes/<int:pk>/decide/", plan_change_views.plan_change_decide, name="plan_change_decide"),
]
