"""Two submissions of the same draft, and two decisions on the same version, at the same
moment on PostgreSQL: the row lock and the checks made under it leave one version and one
review, and the other request hears why. Real threads, real connections, committed data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from rectification.documents.kinds.upward import SECTIONS
from rectification.models import Review, SubmittedVersion, UpwardDocument
from rectification.services import upward as svc

from .test_sweep_concurrency import _together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL: run with DATABASE_URL=postgres://…")
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


def _attempt(call) -> str:
    try:
        call()
    except ValidationError as exc:
        return " ".join(exc.messages)
    return "ok"


@pytest.fixture
def plan(personas, measure_a):
    document = svc.upward_document_open(
        inspection=measure_a.finding.category.inspection, kind="plan", user=personas.secretary_a
    )
    filled = {"text": "整改", "lines": ["整改"], "date": "2025-06-30"}
    content = {s.key: filled[s.kind] for s in SECTIONS["plan"]}
    return svc.upward_update(document=document, user=personas.secretary_a, content=content, expected_version=1)


def test_two_submissions_at_once_make_one_version(personas, plan):
    def submit() -> str:
        return _attempt(
            lambda: svc.upward_submit(
                document=plan,
                user=personas.secretary_a,
                attestation_confirmed=True,
                expected_version=plan.version,
                today=dt.date(2025, 2, 20),
            )
        )

    outcomes = _together(2, submit)
    assert outcomes.count("ok") == 1 and "不能重复报送" in next(o for o in outcomes if o != "ok")
    assert SubmittedVersion.objects.filter(document=plan).count() == 1
    assert UpwardDocument.objects.get(pk=plan.pk).state == UpwardDocument.State.SUBMITTED


def test_two_decisions_at_once_make_one_review(personas, plan):
    version = svc.upward_submit(
        document=plan, user=personas.secretary_a, attestation_confirmed=True, expected_version=plan.version
    )
    decisions = iter(["approved", "returned"])

    def decide() -> str:
        decision = next(decisions)
        return _attempt(
            lambda: svc.upward_review(
                submitted_version=version, user=personas.supervisor, decision=decision, comments="意见"
            )
        )

    outcomes = _together(2, decide)
    assert outcomes.count("ok") == 1 and "不能重复审核" in next(o for o in outcomes if o != "ok")
    review = Review.objects.get(submitted=version)
    assert UpwardDocument.objects.get(pk=plan.pk).state == review.decision
