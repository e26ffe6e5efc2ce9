"""The pages of rounds: starting a 回头看 from an inspection and marking what it found, as
the secretary does it; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from rectification.models import Finding, Inspection, Measure

from . import factories as f

S = Measure.Status


def _earlier(personas) -> Inspection:
    insp = f.inspection(organisation=personas.tree.a)
    cat = f.category(inspection=insp, title="关于基层党组织建设方面")
    done = f.finding(category=cat, heading="会议记录不规范")
    f.measure(finding=done, status=S.DONE, completed_on=dt.date(2025, 5, 1))
    parent = f.finding(category=cat, heading="台账不全")
    f.finding(category=cat, heading="子问题", parent=parent)
    return insp


FORM = {
    "kind": "follow_up",
    "round_no": "2",
    "deployed_by": "区委",
    "team": "区委第二巡察组",
    "onsite_start": "2025-08-01",
    "onsite_end": "2025-08-10",
    "feedback_on": "2025-08-20",
}


def test_the_secretary_starts_a_follow_up_and_marks_a_rebound(client, personas):
    earlier = _earlier(personas)
    client.force_login(personas.secretary_a)
    url = reverse("rectification:inspection_follow_up", args=[earlier.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    follow = Inspection.objects.get(follows=earlier)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("rectification:inspection_detail", args=[follow.pk])
    )
    copies = Finding.objects.filter(category__inspection=follow)
    assert sorted(copies.values_list("heading", "carried_done")) == [
        ("会议记录不规范", True),
        ("台账不全", False),
        ("子问题", False),
    ]
    assert copies.get(heading="子问题").parent == copies.get(heading="台账不全")
    page = client.get(reverse("rectification:inspection_detail", args=[follow.pk])).content.decode()
    assert "前一轮带入 · 当时已完成" in page and "第2轮" in page and "巡察“回头看”" in page
    rebound = copies.get(heading="会议记录不规范")
    client.post(reverse("rectification:finding_recurrence", args=[rebound.pk]), {"recurrence": "rebound"})
    rebound.refresh_from_db()
    assert rebound.recurrence == "rebound"
    page = client.get(reverse("rectification:inspection_detail", args=[follow.pk])).content.decode()
    assert 'class="badge state-returned">反弹<' in page


def test_bad_input_changes_nothing(client, personas):
    earlier = _earlier(personas)
    client.force_login(personas.secretary_a)
    url = reverse("rectification:inspection_follow_up", args=[earlier.pk])
    before = Inspection.objects.count(), Finding.objects.count()
    # On site before the earlier round's feedback; an unknown kind; a round of 0.
    for bad in ({"onsite_start": "2025-01-01"}, {"kind": "nonsense"}, {"round_no": "0"}):
        response = client.post(url, FORM | bad)
        assert response.status_code == 400
    assert "须在前一轮巡察反馈之后进驻" in client.post(url, FORM | {"onsite_start": "2025-01-01"}).content.decode()
    assert (Inspection.objects.count(), Finding.objects.count()) == before
    own = Finding.objects.filter(category__inspection=earlier).first()
    response = client.post(reverse("rectification:finding_recurrence", args=[own.pk]), {"recurrence": "rebound"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.recurrence == ""
    response = client.post(reverse("rectification:finding_recurrence", args=[own.pk]), {"recurrence": "x"}, follow=True)
    assert own.recurrence == "" and response.status_code == 200


def test_the_inspection_form_takes_kind_and_round(client, personas):
    client.force_login(personas.secretary_a)
    data = FORM | {"organisation": personas.tree.a.pk, "kind": "special", "round_no": "3"}
    assert client.post(reverse("rectification:inspection_create"), data).status_code == 302
    insp = Inspection.objects.get(team="区委第二巡察组")
    assert (insp.kind, insp.round_no, insp.follows) == ("special", 3, None)
    edit = reverse("rectification:inspection_edit", args=[insp.pk])
    client.post(edit, FORM | {"kind": "cross", "round_no": ""})
    insp.refresh_from_db()
    assert (insp.kind, insp.round_no) == ("cross", None)
