"""What is stored for others to read (timeline, notifications) is written in the
organisation's language, whatever language the acting user reads; errors, which only the
actor sees, stay in the actor's language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rectification.models import Notification, ProgressEntry
from rectification.services.measures import measure_change_status, measure_sign_off, measure_update


@pytest.mark.django_db
def test_an_english_session_stores_chinese_record_text(measure_a, personas):
    measure_a.progress = "已完成排查。"
    measure_a.save()
    with translation.override("en"):
        measure_change_status(measure=measure_a, user=personas.staff_a, to_status="awaiting_sign_off")
        measure_sign_off(measure=measure_a, user=personas.secretary_a)
        measure_a.refresh_from_db()
        measure_update(measure=measure_a, user=personas.secretary_a, expected_version=None, title="新标题")
    texts = list(ProgressEntry.objects.filter(measure=measure_a).values_list("text", flat=True))
    assert any("状态由“推进中”改为“待销号”" in t for t in texts), texts
    assert any(t.startswith("同意销号") for t in texts), texts
    assert any("已销号措施的内容发生变更" in t for t in texts), texts
    assert any(t.startswith("修改了整改措施") for t in texts), texts
    assert not any("status" in t.lower() or "signed off" in t.lower() for t in texts), texts
    messages = list(Notification.objects.values_list("message", flat=True))
    assert messages and all("「" in m for m in messages), messages


@pytest.mark.django_db
def test_errors_stay_in_the_actors_language(measure_a, personas):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        measure_update(measure=measure_a, user=personas.secretary_a, expected_version=None, due_on=None)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(caught.value.messages)), caught.value.messages
