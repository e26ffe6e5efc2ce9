import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_inspection_list_requires_login(client):
    response = client.get(reverse("rectification:inspection_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_inspection_list_shows_only_visible_inspections(
    client, personas, measure_a, measure_b, django_assert_num_queries
):
    client.force_login(personas.staff_a)
    # Queries: session, user, memberships (scope), inspections with counts; the base page:
    # the unread-notification badge (the nav's permissions are rules; no model permissions
    # are loaded for a user who cannot enter the admin).
    with django_assert_num_queries(5):
        body = client.get(reverse("rectification:inspection_list")).content.decode()
    assert personas.tree.a.short_name in body
    assert personas.tree.b.short_name not in body


@pytest.mark.django_db
def test_supervisor_sees_the_subtree(client, personas, measure_a, measure_b):
    client.force_login(personas.supervisor)
    body = client.get(reverse("rectification:inspection_list")).content.decode()
    assert personas.tree.a.short_name in body and personas.tree.b.short_name in body


@pytest.mark.django_db
def test_admin_is_served_in_chinese(admin_client):
    body = admin_client.get("/admin/rectification/measure/").content.decode()
    assert "整改措施" in body


@pytest.mark.django_db
def test_healthz(client):
    assert client.get(reverse("rectification:healthz")).json() == {"status": "ok"}
