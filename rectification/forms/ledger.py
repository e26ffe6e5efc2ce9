"""The ledger upload form. It only checks what a form can (a file, its size, a target the
user may import into); the workbook itself is judged by services/ledger/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ..models import Inspection, Organisation


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("整改台账文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    organisation = forms.ModelChoiceField(
        label=_("导入到党组织"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("按台账「巡察信息」中的党组织全称匹配"),
    )
    inspection = forms.ModelChoiceField(
        label=_("更新已有巡察"),
        queryset=Inspection.objects.none(),
        required=False,
        empty_label=_("按巡察组和反馈日期匹配，未找到则新建"),
    )

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["inspection"].queryset = Inspection.objects.filter(organisation__in=organisations).select_related(
            "organisation"
        )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit = settings.LEDGER_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件大小 %(size).1f MB，超过上限 %(limit).0f MB。"),
                params={"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024},
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org, inspection = data.get("organisation"), data.get("inspection")
        if org is not None and inspection is not None and inspection.organisation_id != org.pk:
            self.add_error("inspection", _("所选巡察不属于所选党组织。"))
        return data
