"""The rough edges a new user met (issue 22), each held by a test."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from rectification import services
from rectification.models import Measure
from rectification.templatetags.dashboard_tags import activity_time, group_rows

from . import factories as f

S = Measure.Status


@pytest.fixture
def measure(personas):
    return f.measure_in(personas.tree.a, owners=[personas.person_staff_a], progress="已完成排查。")


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_submitting_says_it_now_waits_for_the_secretary(client, personas, measure):
    page = _client(client, personas.staff_a).post(
        reverse("rectification:measure_status", args=[measure.pk]),
        {"version": measure.version, "to_status": S.AWAITING_SIGN_OFF},
        follow=True,
    )
    assert "等待书记审核" in page.content.decode() and "已更新整改状态" not in page.content.decode()


@pytest.mark.django_db
def test_the_send_back_reason_is_at_the_top_of_the_measure_page(client, personas, measure):
    services.measure_change_status(measure=measure, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    services.measure_send_back(measure=measure, user=personas.secretary_a, reason="请补充整改前后照片")
    body = _client(client, personas.staff_a).get(reverse("rectification:measure_detail", args=[measure.pk]))
    html = body.content.decode()
    note = html.index('id="send-back-reason"')
    assert "请补充整改前后照片" in html[note : note + 600]
    assert note < html.index('id="progress"')  # above every form
    # Once resubmitted, the note is gone (the record stays in 销号记录).
    services.measure_change_status(measure=measure, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    assert (
        'id="send-back-reason"'
        not in client.get(reverse("rectification:measure_detail", args=[measure.pk])).content.decode()
    )


@pytest.mark.django_db
def test_signing_off_without_evidence_warns_and_asks(client, personas, measure):
    services.measure_change_status(measure=measure, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    client = _client(client, personas.secretary_a)
    for url in (reverse("rectification:measure_detail", args=[measure.pk]), reverse("rectification:signoff_queue")):
        html = client.get(url).content.decode()
        assert "没有任何佐证材料" in html, url
        assert re.search(r'name="confirm_no_evidence" value="1" required', html), url
        assert re.search(r'value="send_back" class="btn" formnovalidate', html), url  # sending back needs no tick


@pytest.mark.django_db
def test_the_publish_box_explains_itself_and_asks_for_confirmation(client, personas):
    inspection = f.inspection(organisation=personas.tree.a)
    html = _client(client, personas.secretary_a).get(reverse("rectification:bulletin_edit", args=[inspection.pk]))
    html = html.content.decode()
    box = html[html.index('class="publish-form"') - 1500 :]
    assert "SHA-256" not in html
    assert "任何人无需登录即可在公开页面查阅" in box and 'name="confirm" value="1" required' in box


@pytest.mark.django_db
def test_the_structure_editor_says_整改事项(client, personas, measure):
    html = _client(client, personas.secretary_a).get(
        reverse("rectification:inspection_detail", args=[measure.finding.category.inspection_id])
    )
    assert "子问题" not in html.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("", "我的整改任务"),
        ("?mine=1&overdue=1", "我负责的超期措施"),
        ("?mine=1&sent_back=1", "我负责的被退回的措施"),
        ("?mine=0", "全部整改措施"),
        ("?mine=0&status=awaiting_sign_off", "全部“待销号”的措施"),
        ("?due_within=7", "全部7 日内到期的措施"),
    ],
)
def test_every_measure_list_is_titled_by_what_it_shows(client, personas, measure, query, title):
    html = _client(client, personas.staff_a).get(reverse("rectification:measure_list") + query).content.decode()
    assert f'<h1 id="list-title">{title}</h1>' in html


@pytest.mark.django_db
def test_the_rate_shows_its_basis(personas):
    from rectification.selectors.counting import Counts
    from rectification.selectors.dashboard import GroupRow

    counts = Counts(total=6, done=4, ongoing=2, bounded=4, bounded_done=4)
    html = group_rows([GroupRow(1, "王建国", counts, "leader")], compact=True)
    assert "100%" in html and '<span class="rate-basis">4/4</span>' in html and "长期坚持 2 项不计入" in html


def test_recent_activity_shows_the_year_across_new_year():
    with time_machine.travel(dt.datetime(2026, 1, 3, 9, tzinfo=dt.UTC), tick=False):
        assert ">2025-12-30 10:00<" in activity_time(dt.datetime(2025, 12, 30, 2, tzinfo=dt.UTC))
        assert ">01-02 10:00<" in activity_time(dt.datetime(2026, 1, 2, 2, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_the_dashboard_header_dates_do_not_break(client, personas, measure):
    html = _client(client, personas.secretary_a).get(reverse("rectification:dashboard")).content.decode()
    assert re.search(r'<span class="nowrap">数据截至 <time', html)
