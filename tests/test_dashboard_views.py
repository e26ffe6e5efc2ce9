"""Dashboard and roll-up pages: who sees what, server-side sorting, fixed query budgets,
and the xlsx export. (That each figure opens exactly its rows: test_dashboard_links.)"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from rectification.models import Inspection, Measure, ProgressEntry

from . import factories as f
from . import test_dashboard as hand_counted
from .test_dashboard import NOW, S, _at

# The hand-counted data of test_dashboard (fixtures shared by assignment).
board, frozen = hand_counted.board, hand_counted.frozen

DASHBOARD = reverse("rectification:dashboard")
ROLLUP = reverse("rectification:rollup")
EXPORT = reverse("rectification:dashboard_export")


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# ------------------------------------------------------------------ permissions


@pytest.mark.parametrize("who", ["secretary_a", "member_a", "staff_a", "supervisor"])
def test_readers_of_a_see_its_dashboard(client, board, personas, who):
    response = _get(client, getattr(personas, who), DASHBOARD, organisation=personas.tree.a.pk)
    assert response.status_code == 200
    assert response.context["inspection"] == board.insp


def test_own_organisation_is_the_default(client, board, personas):
    f.measure_in(personas.tree.b)
    assert _get(client, personas.staff_a, DASHBOARD).context["organisation"] == personas.tree.a
    assert _get(client, personas.staff_b, DASHBOARD).context["organisation"] == personas.tree.b


def test_latest_inspection_is_the_default(client, board, personas):
    older = Inspection.objects.create(
        organisation=personas.tree.a,
        team="区委第二巡察组",
        onsite_start=dt.date(2022, 9, 1),
        onsite_end=dt.date(2022, 11, 30),
        feedback_on=dt.date(2023, 1, 10),
    )
    assert _get(client, personas.staff_a, DASHBOARD).context["inspection"] == board.insp
    chosen = _get(client, personas.staff_a, DASHBOARD, inspection=older.pk)
    assert chosen.context["inspection"] == older and chosen.context["data"].counts.total == 0


@pytest.mark.parametrize(
    "params",
    [
        lambda p, b: {"organisation": p.tree.a.pk},
        lambda p, b: {"inspection": b.insp.pk},
        lambda p, b: {"organisation": p.tree.b.pk, "inspection": b.insp.pk},
    ],
)
def test_staff_of_b_gets_404_for_a(client, board, personas, params):
    f.measure_in(personas.tree.b)
    assert _get(client, personas.staff_b, DASHBOARD, **params(personas, board)).status_code == 404
    assert _get(client, personas.staff_b, EXPORT, **params(personas, board)).status_code == 404


@pytest.mark.parametrize("bad", [{"organisation": "abc"}, {"organisation": "-1"}, {"inspection": "999999"}])
def test_bad_parameters_are_404_not_500(client, board, personas, bad):
    assert _get(client, personas.secretary_a, DASHBOARD, **bad).status_code == 404


def test_user_without_any_inspection_sees_an_empty_page(client, personas):
    response = _get(client, personas.staff_b, DASHBOARD)
    assert response.status_code == 200 and "暂无可查看的巡察" in response.content.decode()


def test_supervisor_chooses_among_organisations(client, board, personas):
    f.measure_in(personas.tree.b)
    response = _get(client, personas.supervisor, DASHBOARD, organisation=personas.tree.b.pk)
    assert [o.pk for o in response.context["organisations"]] == [personas.tree.a.pk, personas.tree.b.pk]
    assert response.context["organisation"] == personas.tree.b
    assert 'name="organisation"' in response.content.decode()


def test_supervisor_sees_the_roll_up_of_a_and_b(client, board, personas):
    f.measure_in(personas.tree.b, status=S.DONE, due_on=dt.date(2025, 5, 1), signed_off_at=NOW)
    response = _get(client, personas.supervisor, ROLLUP)
    assert response.status_code == 200
    rows = {r.organisation: r for r in response.context["rows"]}
    assert set(rows) == {personas.tree.a, personas.tree.b}
    a, b = rows[personas.tree.a], rows[personas.tree.b]
    assert (a.inspections, a.counts.total, a.counts.overdue, a.counts.rate) == (1, 10, 2, 22.2)
    assert (b.inspections, b.counts.total, b.counts.overdue, b.counts.rate) == (1, 1, 0, 100.0)
    assert a.latest_feedback == dt.date(2025, 1, 21) and a.last_progress == _at(dt.date(2025, 3, 1))  # m5's report
    assert b.last_progress is None
    body = response.content.decode()
    assert f"{DASHBOARD}?organisation={personas.tree.a.pk}" in body  # drill-down


@pytest.mark.parametrize("who", ["staff_a", "member_a", "secretary_a", "staff_b"])
def test_others_cannot_see_the_roll_up(client, personas, who):
    assert _get(client, getattr(personas, who), ROLLUP).status_code == 403


def test_roll_up_needs_login_and_refuses_other_roots(client, personas):
    assert client.get(ROLLUP).status_code == 302
    assert _get(client, personas.supervisor, ROLLUP, organisation=personas.tree.district.pk).status_code == 404
    assert _get(client, personas.supervisor, ROLLUP, organisation="x").status_code == 404


def test_superuser_rolls_up_from_the_top(client, board, personas):
    admin = f.user(username="root")
    admin.is_superuser = True
    admin.save()
    response = _get(client, admin, ROLLUP)
    assert response.context["root"] == personas.tree.district
    assert [r.depth for r in response.context["rows"]] == [1, 2, 2]  # street, then A and B


# ------------------------------------------------------------------ roll-up sorting


@pytest.fixture
def three(personas, frozen):
    """A: 2 overdue of 2 (rate 0); B: done (100%); C: nothing yet (no rate, no progress)."""
    t = personas.tree
    c = f.organisation(parent=t.street, name="中共深圳市福田区福田街道福山社区委员会")
    for _ in range(2):
        f.measure_in(t.a, due_on=dt.date(2025, 5, 1), last_progress_at=_at(dt.date(2025, 6, 1)))
    f.measure_in(t.b, status=S.DONE, due_on=dt.date(2025, 5, 1), signed_off_at=NOW, last_progress_at=NOW)
    return t.a, t.b, c


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("org", "abc"),
        ("-overdue", "abc"),
        ("overdue", "bca"),
        ("-rate", "bac"),  # C has no rate: last either way
        ("rate", "abc"),
        ("-last", "bac"),
        ("nonsense", "abc"),
    ],
)
def test_roll_up_sorts_on_the_server(client, personas, three, sort, expected):
    names = dict(zip(three, "abc", strict=True))
    rows = _get(client, personas.supervisor, ROLLUP, sort=sort).context["rows"]
    assert "".join(names[r.organisation] for r in rows) == expected


# ------------------------------------------------------------------ query budgets


def _more(board, n: int) -> None:
    """n more measures of every kind, spread over new categories, items, people and timelines."""
    insp = board.insp
    for i in range(n):
        cat = f.category(inspection=insp, title=f"关于补充{i}方面")
        finding = f.finding(category=cat)
        person = f.person(organisation=insp.organisation, name=f"补充{i}")
        m = f.measure(finding=finding, due_on=dt.date(2025, 6, 1), leader=person, owners=[person])
        f.measure(finding=finding, status=S.AWAITING_SIGN_OFF, due_on=dt.date(2025, 6, 18), owners=[person])
        f.measure(finding=finding, kind=Measure.Kind.ONGOING, owners=[person, board.zhao])
        f.measure(finding=finding, status=S.DONE, due_on=dt.date(2025, 4, 1), signed_off_at=_at(dt.date(2025, 4, 1)))
        ProgressEntry.objects.create(measure=m, text="进展", created_at=NOW)


# Request: session, user, memberships (the scope cache). Choosing: organisations with
# inspections, the organisation's inspections. dashboard_data: the measures' facts (every
# count, table, list and the burn-down), items, timeline entries, measures created/deleted. The page's chrome adds the bell's unread count (the
# nav's permission checks are rules only: no model permissions are loaded for non-staff).
# The documents' countdown: the inspection's documents, the reporting rules up its tree.
# The register of comments from the public: its counts (1).
REQUEST, CHOOSING, DATA, CHROME, DOCUMENTS, COMMENTS = 3, 2, 4, 1, 2, 1
DASHBOARD_QUERIES = REQUEST + CHOOSING + DATA + DOCUMENTS + CHROME + COMMENTS
AUDIT = 1  # the export's line in the security audit trail (one INSERT)
EXPORT_QUERIES = REQUEST + CHOOSING + DATA + AUDIT


@pytest.mark.parametrize("extra", [0, 30])
def test_dashboard_query_budget(client, board, personas, django_assert_num_queries, extra):
    _more(board, extra)
    client.force_login(personas.secretary_a)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    assert response.context["data"].counts.total == 10 + 4 * extra


@pytest.mark.parametrize("extra", [0, 30])
def test_export_query_budget(client, board, personas, django_assert_num_queries, extra):
    _more(board, extra)
    client.force_login(personas.secretary_a)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(EXPORT)
    assert response.status_code == 200


# Request (3), the roll-up roots (1); organisations below the root, inspections grouped by
# organisation, measures grouped by organisation, late documents, urging letters and talks
# grouped by organisation, issued acceptance opinions, comments from the public grouped by
# organisation (8); the page's chrome, and the count of documents awaiting the supervisor's
# review in their menu (1).
ROLLUP_QUERIES = REQUEST + 1 + 8 + CHROME + 1


@pytest.mark.parametrize("extra", [0, 20])
def test_roll_up_query_budget(client, board, personas, django_assert_num_queries, extra):
    for i in range(extra):
        org = f.organisation(parent=personas.tree.street)
        f.measure_in(org, due_on=dt.date(2025, 1, 1) + dt.timedelta(days=i))
    client.force_login(personas.supervisor)
    with django_assert_num_queries(ROLLUP_QUERIES):
        response = client.get(ROLLUP, {"sort": "-overdue"})
    assert len(response.context["rows"]) == 2 + extra


# ------------------------------------------------------------------ export


def test_export_has_the_figures_and_tables(client, board, personas):
    response = _get(client, personas.secretary_a, EXPORT)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "概况",
        "按问题类别",
        "按责任领导",
        "按责任人",
        "超期措施",
        "7日内到期",
        "待销号",
        "整改趋势",
    ]
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True) if row and len(row) > 1}
    assert summary["整改措施"] == 10 and summary["超期"] == 2 and summary["7日内到期"] == 3
    assert summary["整改完成率"] == "22.2%" and summary["其中已延期"] == 1
    overdue = list(wb["超期措施"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[-1]) for r in overdue] == [(board.m3.title, 14), (board.m2.title, 5)]
    categories = list(wb["按问题类别"].iter_rows(min_row=2, values_only=True))
    assert [r[:2] for r in categories] == [("关于第一方面", 4), ("关于第二方面", 6)]


def test_measure_url_filter_matches_reverse(settings):
    """The list's cached measure links equal Django's, also under a script prefix."""
    from django.urls import reverse, set_script_prefix

    from rectification.templatetags.links import measure_url

    for pk in (1, 42, 1234567):
        assert measure_url(pk) == reverse("rectification:measure_detail", args=[pk])
    set_script_prefix("/fuhua/")
    try:
        assert measure_url(7) == reverse("rectification:measure_detail", args=[7]) == "/fuhua/measures/7/"
    finally:
        set_script_prefix("/")


def test_clip_filter_matches_truncatechars():
    """The lists' cheap ``clip`` gives what ``truncatechars`` gives, cut or not."""
    from django.template import Context, Template
    from django.template.defaultfilters import truncatechars
    from django.utils.html import escape

    from rectification.templatetags.links import clip

    title = "针对社区党委会议记录不规范的问题，制定会议记录规范"
    assert len(title) == 25
    for text in (title, title[:24], "", "a" * 40, "abc <b>&", "café", "cafe\u0301" * 3):
        for n in (1, 5, 12, 24, 25, 26, 90):
            # Django also returns uncut text NFC-normalised: the same characters on screen.
            assert unicodedata.normalize("NFC", clip(text, n)) == truncatechars(text, n), (text, n)
    # Cut as Django cuts (its ellipsis is translated: "…" in English, "..." in Chinese).
    assert clip(title, 25) == title and clip(title, 24) == truncatechars(title, 24) != title
    rendered = Template("{% load links %}{{ t|clip:5 }}|{{ u|clip:90 }}").render(
        Context({"t": "<b>粗体字很长</b>", "u": "a&b"})
    )
    assert rendered == escape(truncatechars("<b>粗体字很长</b>", 5)) + "|a&amp;b"


def test_ymd_filter_matches_the_date_filter(settings):
    """``ymd`` prints what ``|date:"Y-m-d"`` prints, in local time for datetimes."""
    from zoneinfo import ZoneInfo

    from django.template import Context, Template

    template = Template('{% load links %}{{ v|ymd }}|{{ v|date:"Y-m-d" }}')
    late_utc = dt.datetime(2025, 6, 29, 20, 30, tzinfo=ZoneInfo("UTC"))  # 04:30 on the 30th in Shanghai
    for value in (dt.date(2025, 6, 30), late_utc, dt.datetime(2025, 1, 2, 3, 4), None, ""):
        ours, django = template.render(Context({"v": value})).split("|")
        assert ours == django, value
    assert template.render(Context({"v": late_utc})).startswith("2025-06-30|")


def test_id_url_filter_matches_reverse_for_each_view():
    """``id_url`` (the review queue's links) gives what ``{% url view pk %}`` gives, per view,
    also under a script prefix; a view without an id in its URL is refused."""
    from django.urls import reverse, set_script_prefix

    from rectification.templatetags.links import id_url

    views = ("rectification:upward_document", "rectification:bulletin_review", "rectification:measure_detail")
    for view in views:
        for pk in (1, 42, 1234567):
            assert id_url(pk, view) == reverse(view, args=[pk])
    set_script_prefix("/fuhua/")
    try:
        assert id_url(7, views[0]) == reverse(views[0], args=[7]) == "/fuhua/upward/7/"
    finally:
        set_script_prefix("/")
    with pytest.raises(NoReverseMatch):
        id_url(7, "rectification:review_queue")


def test_ymd_hm_filter_matches_the_date_filter(settings):
    """``ymd_hm`` prints what ``|date:"Y-m-d H:i"`` prints, in local time; not a datetime: ""."""
    from zoneinfo import ZoneInfo

    from django.template import Context, Template

    template = Template('{% load links %}{{ v|ymd_hm }}|{{ v|date:"Y-m-d H:i" }}')
    late_utc = dt.datetime(2025, 6, 29, 20, 30, tzinfo=ZoneInfo("UTC"))  # 04:30 on the 30th in Shanghai
    for value in (late_utc, dt.datetime(2025, 1, 2, 3, 4, tzinfo=ZoneInfo("UTC"))):
        ours, django = template.render(Context({"v": value})).split("|")
        assert ours == django, value
    assert template.render(Context({"v": late_utc})).startswith("2025-06-30 04:30|")
    assert template.render(Context({"v": None})) == "|"
