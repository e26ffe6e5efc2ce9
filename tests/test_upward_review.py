"""The documents handed upward: who may do what, the state machine, and the services
(open, edit, submit signed, review), each bad input refused with a clear message and
nothing changed; the notices to the reviewing supervisors and to the secretary.

The document kind (documents/kinds/upward.py) is used through its interface only:
SECTIONS, missing_sections, upward_render, upward_text."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rectification import workflow
from rectification.documents.kinds.upward import SECTIONS, missing_sections
from rectification.models import Membership, Notification, Review, SubmittedVersion, UpwardDocument
from rectification.services import upward as svc
from rectification.services.notification_kinds import Kind as NoticeKind
from rectification.services.notification_kinds import notification_path

from . import factories as f

Role = Membership.Role
State = UpwardDocument.State
PLAN = UpwardDocument.Kind.PLAN
REPORT = UpwardDocument.Kind.REPORT


@pytest.fixture(autouse=True)
def isolated_cache(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


@pytest.fixture
def more(personas):
    """Beyond the personas: the district's supervisor (巡察办), the street's secretary (who
    reads A as a supervisor but reviews nothing), and another street with its supervisor."""
    t = personas.tree
    other_street = f.organisation(level="street", parent=t.district, name="中共深圳市福田区华富街道工作委员会")
    return SimpleNamespace(
        district_supervisor=f.user(username="xunchaban", organisation=t.district, role=Role.SUPERVISOR),
        street_secretary=f.user(username="street_secretary", organisation=t.street, role=Role.SECRETARY),
        other_supervisor=f.user(username="other_supervisor", organisation=other_street, role=Role.SUPERVISOR),
        other_street=other_street,
    )


@pytest.fixture
def plan(personas, measure_a):
    inspection = measure_a.finding.category.inspection
    return svc.upward_document_open(inspection=inspection, kind=PLAN, user=personas.secretary_a)


def _filled(kind: str) -> dict:
    """Every section filled with something valid for its kind."""
    values = {"text": "按要求开展整改。\n第二段。", "lines": ["第一项", "第二项"], "date": "2025-06-30"}
    return {s.key: values[s.kind] for s in SECTIONS[kind]}


def _edit(document, user, content, expected=None) -> UpwardDocument:
    expected = expected if expected is not None else UpwardDocument.objects.get(pk=document.pk).version
    return svc.upward_update(document=document, user=user, content=content, expected_version=expected)


def _submit(document, user, *, attest: bool = True, expected=None) -> SubmittedVersion:
    expected = expected if expected is not None else UpwardDocument.objects.get(pk=document.pk).version
    return svc.upward_submit(
        document=document,
        user=user,
        attestation_confirmed=attest,
        expected_version=expected,
        today=dt.date(2025, 2, 20),
    )


def _snapshot(document) -> tuple:
    row = UpwardDocument.objects.get(pk=document.pk)
    return (row.state, row.version, row.content, SubmittedVersion.objects.count(), Review.objects.count())


# ---------------------------------------------------------------------------- permissions


def test_who_reads_edits_submits_and_reviews(personas, more, plan):
    p = personas
    expect = {
        # persona: (view, edit, submit, review)
        "secretary_a": (True, True, True, False),
        "member_a": (True, False, False, False),
        "staff_a": (False, False, False, False),
        "staff_b": (False, False, False, False),
        "supervisor": (True, False, False, True),
    }
    for name, wanted in expect.items():
        user = getattr(p, name)
        got = tuple(user.has_perm(f"rectification.{r}_upward", plan) for r in ("view", "edit", "submit", "review"))
        assert got == wanted, name
    # The district's supervisor reviews the whole subtree; another street's sees nothing.
    assert more.district_supervisor.has_perm("rectification.review_upward", plan)
    assert not more.other_supervisor.has_perm("rectification.view_upward", plan)
    assert not more.other_supervisor.has_perm("rectification.review_upward", plan)
    # The street's secretary reads A as a supervisor does, but reviewing takes a real supervisor membership.
    assert more.street_secretary.has_perm("rectification.view_upward", plan)
    assert not more.street_secretary.has_perm("rectification.review_upward", plan)
    assert not more.street_secretary.has_perm("rectification.view_review_queue")
    assert p.supervisor.has_perm("rectification.view_review_queue")
    assert not p.secretary_a.has_perm("rectification.view_review_queue")


# ---------------------------------------------------------------------------- the state machine


def test_transitions_and_the_actions_each_side_is_offered(personas, plan):
    assert {t.name: (t.sources, t.target) for t in workflow.DOCUMENT_TRANSITIONS} == {
        "submit": ((State.DRAFT, State.RETURNED), State.SUBMITTED),
        "return": ((State.SUBMITTED,), State.RETURNED),
        "approve": ((State.SUBMITTED,), State.APPROVED),
    }
    secretary, supervisor = personas.secretary_a, personas.supervisor
    cases = {
        State.DRAFT: ((True, True, False), (False, False, False)),
        State.RETURNED: ((True, True, False), (False, False, False)),
        State.SUBMITTED: ((False, False, False), (False, False, True)),
        State.APPROVED: ((False, False, False), (False, False, False)),
    }
    for state, (sec, sup) in cases.items():
        plan.state = state
        for user, wanted in ((secretary, sec), (supervisor, sup)):
            a = workflow.document_actions(user, plan)
            assert (a.edit, a.submit, a.review) == wanted, (state, user)
        assert workflow.document_actions(secretary, plan).final == (state == State.APPROVED)


# ---------------------------------------------------------------------------- opening


def test_open_creates_one_draft_and_refuses_what_cannot_exist(personas, plan, measure_a):
    inspection = plan.inspection
    again = svc.upward_document_open(inspection=inspection, kind=PLAN, user=personas.supervisor)
    assert again.pk == plan.pk and plan.state == State.DRAFT and plan.due_on is None
    for kind, sequence in ((PLAN, 2), ("minutes", 1), (REPORT, 2), (REPORT, 0)):
        with pytest.raises(ValueError):
            svc.upward_document_open(inspection=inspection, kind=kind, sequence=sequence, user=personas.secretary_a)
    report = svc.upward_document_open(inspection=inspection, kind=REPORT, sequence=1, user=personas.secretary_a)
    second = svc.upward_document_open(inspection=inspection, kind=REPORT, sequence=2, user=personas.secretary_a)
    assert (report.sequence, second.sequence) == (1, 2)
    with pytest.raises(PermissionDenied):
        svc.upward_document_open(inspection=inspection, kind=PLAN, user=personas.staff_a)
    assert UpwardDocument.objects.count() == 3


# ---------------------------------------------------------------------------- editing


def test_edit_saves_and_checks_the_content(personas, plan):
    saved = _edit(plan, personas.secretary_a, {**_filled(PLAN), "general_requirements": "  要求\x07一。  "})
    assert saved.version == 2 and saved.content["general_requirements"] == "要求一。"
    date_keys = [s.key for s in SECTIONS[PLAN] if s.kind == "date"]
    text_key = next(s.key for s in SECTIONS[PLAN] if s.kind == "text")
    before = _snapshot(plan)
    bad = {text_key: "长" * (svc.MAX_TEXT + 1), **{key: "2025-02-30" for key in date_keys}}
    with pytest.raises(ValidationError) as err:
        _edit(plan, personas.secretary_a, bad)
    assert set(err.value.message_dict) == {text_key, *date_keys}
    assert "最多 20000 个字" in err.value.message_dict[text_key][0]
    for key in date_keys:
        assert "有效的日期" in err.value.message_dict[key][0]
        with pytest.raises(ValidationError, match="合理范围"):
            _edit(plan, personas.secretary_a, {key: "1949-10-01"})
    assert _snapshot(plan) == before


def test_a_stale_form_and_a_stranger_change_nothing(personas, plan):
    _edit(plan, personas.secretary_a, {"general_requirements": "第一稿。"})
    before = _snapshot(plan)
    with pytest.raises(svc.UpwardConflictError, match="请刷新页面"):
        _edit(plan, personas.secretary_a, {"general_requirements": "旧表单。"}, expected=1)
    for user in (personas.staff_a, personas.member_a, personas.supervisor):
        with pytest.raises(PermissionDenied):
            _edit(plan, user, {"general_requirements": "越权。"})
    assert _snapshot(plan) == before


# ---------------------------------------------------------------------------- submitting


def test_an_empty_required_section_is_refused_by_name(personas, plan):
    content = _filled(PLAN)
    required = [s for s in SECTIONS[PLAN] if s.required]
    content[required[0].key] = "   "
    _edit(plan, personas.secretary_a, content)
    assert missing_sections(PLAN, UpwardDocument.objects.get(pk=plan.pk).content) == [str(required[0].label)]
    before = _snapshot(plan)
    with pytest.raises(ValidationError, match=str(required[0].label)):
        _submit(plan, personas.secretary_a)
    assert _snapshot(plan) == before


def test_submission_freezes_the_signed_version(personas, plan, measure_a):
    _edit(plan, personas.secretary_a, _filled(PLAN))
    with pytest.raises(ValidationError, match="签字背书"):
        _submit(plan, personas.secretary_a, attest=False)
    version = _submit(plan, personas.secretary_a)
    document = UpwardDocument.objects.get(pk=plan.pk)
    assert document.state == State.SUBMITTED and version.number == 1
    assert version.sha256 == hashlib.sha256(bytes(version.pdf)).hexdigest()
    assert version.docx_sha256 == hashlib.sha256(bytes(version.docx)).hexdigest()
    assert bytes(version.pdf).startswith(b"%PDF") and bytes(version.docx).startswith(b"PK")
    assert version.html and version.text and version.content == document.content
    assert (version.attestation, version.signed_by) == (svc.ATTESTATION, personas.secretary_a)
    # Frozen: the ledger changing afterwards leaves the version's bytes as signed.
    frozen = (bytes(version.pdf), version.sha256, version.text)
    measure_a.title = "改过的措施标题"
    measure_a.save()
    version.refresh_from_db()
    assert (bytes(version.pdf), version.sha256, version.text) == frozen


def test_submitting_twice_and_a_stale_or_unauthorised_submission(personas, plan):
    _edit(plan, personas.secretary_a, _filled(PLAN))
    stale = UpwardDocument.objects.get(pk=plan.pk).version
    _edit(plan, personas.secretary_a, {"general_requirements": "又改了一稿。"})
    before = _snapshot(plan)
    with pytest.raises(svc.UpwardConflictError):
        _submit(plan, personas.secretary_a, expected=stale)
    for user in (personas.staff_a, personas.member_a, personas.supervisor):
        with pytest.raises(PermissionDenied):
            _submit(plan, user)
    assert _snapshot(plan) == before
    form_version = UpwardDocument.objects.get(pk=plan.pk).version
    _submit(plan, personas.secretary_a, expected=form_version)
    before = _snapshot(plan)
    # The same form sent again (a double click) hears that it is submitted already.
    with pytest.raises(ValidationError, match="不能重复报送"):
        _submit(plan, personas.secretary_a, expected=form_version)
    with pytest.raises(ValidationError, match="不能修改"):
        _edit(plan, personas.secretary_a, {"general_requirements": "审核中再改。"})
    assert _snapshot(plan) == before


def test_two_submissions_rendered_at_once_make_one_version(personas, plan):
    """Both requests rendered the same draft before either wrote: the row lock and the
    re-check under it let the first write and refuse the second."""
    _edit(plan, personas.secretary_a, _filled(PLAN))
    draft = UpwardDocument.objects.get(pk=plan.pk)
    files = svc._frozen_files(draft, dt.date(2025, 2, 20))
    svc._write_version(plan, personas.secretary_a, draft.version, files)
    with pytest.raises(ValidationError, match="不能重复报送"):
        svc._write_version(plan, personas.secretary_a, draft.version, files)
    assert SubmittedVersion.objects.filter(document=plan).count() == 1


# ---------------------------------------------------------------------------- reviewing


@pytest.fixture
def submitted(personas, plan) -> SubmittedVersion:
    _edit(plan, personas.secretary_a, _filled(PLAN))
    return _submit(plan, personas.secretary_a)


def test_return_needs_comments_and_opens_the_draft_again(personas, plan, submitted):
    before = _snapshot(plan)
    for comments in ("", "  \n "):
        with pytest.raises(ValidationError, match="请填写意见"):
            svc.upward_review(
                submitted_version=submitted, user=personas.supervisor, decision="returned", comments=comments
            )
    with pytest.raises(ValidationError, match="请选择"):
        svc.upward_review(submitted_version=submitted, user=personas.supervisor, decision="maybe")
    assert _snapshot(plan) == before
    review = svc.upward_review(
        submitted_version=submitted, user=personas.supervisor, decision="returned", comments="请细化保障措施。"
    )
    assert (review.reviewer, review.comments) == (personas.supervisor, "请细化保障措施。")
    assert UpwardDocument.objects.get(pk=plan.pk).state == State.RETURNED
    assert workflow.document_actions(personas.secretary_a, UpwardDocument.objects.get(pk=plan.pk)).edit


def test_reviewing_refuses_strangers_and_the_street_secretary(personas, more, plan, submitted):
    before = _snapshot(plan)
    for user in (more.other_supervisor, more.street_secretary, personas.secretary_a, personas.staff_a):
        with pytest.raises(PermissionDenied):
            svc.upward_review(submitted_version=submitted, user=user, decision="approved")
    assert _snapshot(plan) == before


def test_resubmission_is_a_new_version_and_the_old_one_cannot_be_decided(personas, more, plan, submitted):
    secretary, supervisor = personas.secretary_a, personas.supervisor
    svc.upward_review(submitted_version=submitted, user=supervisor, decision="returned", comments="请补充。")
    _edit(plan, secretary, {"general_requirements": "补充后的总体要求。"})
    second = _submit(plan, secretary)
    assert second.number == 2 and second.text != submitted.text and second.sha256 != submitted.sha256
    before = _snapshot(plan)
    with pytest.raises(ValidationError, match="第 1 版已被第 2 版取代"):
        svc.upward_review(submitted_version=submitted, user=supervisor, decision="approved")
    assert _snapshot(plan) == before
    # The district's supervisor may decide as well; then it is decided once and final.
    svc.upward_review(submitted_version=second, user=more.district_supervisor, decision="approved")
    before = _snapshot(plan)
    assert before[0] == State.APPROVED
    with pytest.raises(ValidationError, match="不能重复审核"):
        svc.upward_review(submitted_version=second, user=supervisor, decision="returned", comments="再退。")
    with pytest.raises(ValidationError, match="已审核通过"):
        _submit(plan, secretary)
    with pytest.raises(ValidationError, match="不能修改"):
        _edit(plan, secretary, {"general_requirements": "通过后再改。"})
    assert _snapshot(plan) == before


# ---------------------------------------------------------------------------- notices


def test_the_nearest_supervisors_hear_of_a_submission_and_the_secretary_of_the_decision(personas, more, plan):
    _edit(plan, personas.secretary_a, _filled(PLAN))
    first = _submit(plan, personas.secretary_a)
    notices = Notification.objects.filter(kind=NoticeKind.UPWARD_SUBMITTED)
    # The street's supervisor (nearest), not the district's, nor the street's secretary.
    assert [n.recipient for n in notices] == [personas.supervisor]
    page = f"/upward/{plan.pk}/"
    assert notification_path(notices[0]) == page and "第 1 版已报送" in notices[0].message

    svc.upward_review(submitted_version=first, user=personas.supervisor, decision="returned", comments="请补充数据。")
    returned = Notification.objects.get(kind=NoticeKind.UPWARD_RETURNED)
    assert returned.recipient == personas.secretary_a and "请补充数据。" in returned.message
    assert notification_path(returned) == page

    # Without a supervisor at the street, the district's hears of it.
    Membership.objects.filter(user=personas.supervisor).delete()
    second = _submit(plan, personas.secretary_a)
    latest = Notification.objects.filter(kind=NoticeKind.UPWARD_SUBMITTED).latest("pk")
    assert latest.recipient == more.district_supervisor and "第 2 版" in latest.message
    svc.upward_review(submitted_version=second, user=more.district_supervisor, decision="approved")
    approved = Notification.objects.get(kind=NoticeKind.UPWARD_APPROVED)
    assert approved.recipient == personas.secretary_a and notification_path(approved) == page
