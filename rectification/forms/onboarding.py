"""The onboarding workbook's upload form: a file within the size limit; the workbook itself
is judged by services/onboarding.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .ledger import LedgerUploadForm


class OnboardingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("上线名册文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    clean_file = LedgerUploadForm.clean_file  # the same size limit as a ledger
