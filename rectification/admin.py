"""The Django admin for every model, in Chinese (the app's verbose names)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import deadlines, models, services
from .selectors.plan_changes import plan_fixes_measures


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "level", "parent", "slug"]
    search_fields = ["name", "short_name"]
    list_filter = ["level"]
    prepopulated_fields = {"slug": ["short_name"]}

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        services.organisation_rebuild_paths()


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "organisation", "user"]
    list_filter = ["organisation"]
    search_fields = ["name"]


@admin.register(models.Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "employee_number", "mobile", "work_platform_id"]
    search_fields = ["user__username", "employee_number", "mobile", "work_platform_id"]
    autocomplete_fields = ["user"]


class CategoryInline(admin.TabularInline):
    model = models.Category
    extra = 0


@admin.register(models.Inspection)
class InspectionAdmin(SimpleHistoryAdmin):
    list_display = ["team", "organisation", "kind", "round_no", "onsite_start", "onsite_end", "feedback_on", "deadline"]
    list_filter = ["organisation", "kind", "round_no"]
    raw_id_fields = ["follows"]
    inlines = [CategoryInline]


@admin.register(models.Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["title", "inspection", "position", "heading"]
    list_filter = ["inspection", "heading"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and _fixed(obj.inspection))


@admin.register(models.Heading)
class HeadingAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "position", "keywords"]
    list_filter = ["organisation"]


def _fixed(inspection: models.Inspection | None) -> bool:
    """Whether the inspection's approved 整改方案 fixes its measures and their deadlines: the
    admin then changes neither (方案调整 is asked for in the app and decided above)."""
    return inspection is not None and plan_fixes_measures(inspection_id=inspection.pk)


PLAN_FIXED = _("整改方案已审核通过：新增、删除措施或调整完成时限需在系统中提出方案调整申请，经上级审批后生效。")


class PlanFixedMeasureForm(forms.ModelForm):
    """Refuses, with the reason, a measure added under an approved plan or re-dated by hand."""

    def clean(self):
        cleaned = super().clean()
        finding = cleaned.get("finding") or getattr(self.instance, "finding", None)
        inspection = finding.category.inspection if finding is not None else None
        redated = self.instance.pk is not None and "due_on" in self.changed_data
        if (self.instance.pk is None or redated) and _fixed(inspection):
            raise forms.ValidationError(PLAN_FIXED)
        return cleaned


class MeasureInline(admin.StackedInline):
    model = models.Measure
    form = PlanFixedMeasureForm
    extra = 0
    fields = ["position", "title", "kind", "status", "due_on", "leader", "owners", "progress"]
    filter_horizontal = ["owners"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and _fixed(obj.category.inspection))


@admin.register(models.Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["heading", "category", "position"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and _fixed(obj.category.inspection))

    list_filter = ["category__inspection"]
    search_fields = ["heading", "problem"]
    inlines = [MeasureInline]


class RuleInline(admin.TabularInline):
    model = models.RuleRecord
    extra = 0
    raw_id_fields = ["evidence"]


class TreatmentInline(admin.TabularInline):
    model = models.TreatmentRecord
    extra = 0


class MoneyInline(admin.TabularInline):
    model = models.MoneyRecord
    extra = 0


@admin.register(models.Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    inlines = [RuleInline, TreatmentInline, MoneyInline]
    list_display = ["title", "finding", "kind", "status", "due_on", "leader"]
    list_filter = ["status", "kind", "finding__category__inspection"]
    search_fields = ["title", "progress"]
    filter_horizontal = ["owners"]
    readonly_fields = ["version", "overdue_since", "stale_since", "signed_off_at", "signed_off_by"]
    form = PlanFixedMeasureForm

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and _fixed(obj.finding.category.inspection))


@admin.register(models.ProgressEntry)
class ProgressEntryAdmin(admin.ModelAdmin):
    list_display = ["measure", "kind", "author", "created_at"]
    list_filter = ["kind"]


@admin.register(models.Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["original_name", "measure", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["sha256", "size", "content_type"]


@admin.register(models.SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["measure", "decision", "level", "decided_by", "decided_at"]


@admin.register(models.DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    list_display = ["measure", "old_due_on", "new_due_on", "state", "requested_by"]
    list_filter = ["state"]


@admin.register(models.ReCheck)
class ReCheckAdmin(admin.ModelAdmin):
    list_display = ["measure", "due_on", "state"]
    list_filter = ["state"]


@admin.register(models.Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["measure", "step", "issued_on"]
    list_filter = ["step"]


@admin.register(models.SweepMark)
class SweepMarkAdmin(admin.ModelAdmin):
    list_display = ["step", "period", "done_on"]


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at"]


@admin.register(models.Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel"]


@admin.register(models.Bulletin)
class BulletinAdmin(SimpleHistoryAdmin):
    list_display = ["inspection", "issued_on"]


@admin.register(models.BulletinVersion)
class BulletinVersionAdmin(admin.ModelAdmin):
    list_display = ["bulletin", "number", "published_at", "published_by", "sha256"]
    readonly_fields = [f.name for f in models.BulletinVersion._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReportingRulesForm(forms.ModelForm):
    """The months as an administrator writes them, 「2」 or 「1, 3」, checked by the same rule
    the sweep applies (deadlines.py) rather than as raw JSON."""

    report_due_months = forms.CharField(
        label=_("整改情况报告报送时间（反馈后月数）"),
        initial="2",
        help_text=_("反馈后第几个月报送整改情况报告；多次报告依次列出，如 1, 3"),
    )

    class Meta:
        model = models.ReportingRules
        fields = ["organisation", "plan_due_days", "report_due_months", "bulletin_review_required", "acceptance_level"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        months = self.initial.get("report_due_months")
        if isinstance(months, list):
            self.initial["report_due_months"] = ", ".join(str(m) for m in months)
        self.fields["acceptance_level"].required = False

    def clean_acceptance_level(self) -> str:
        # Left out (an older form, a script): the default, no acceptance.
        return self.cleaned_data.get("acceptance_level") or models.ReportingRules.AcceptanceLevel.NONE

    def clean_plan_due_days(self) -> int:
        try:
            return deadlines.check_plan_days(self.cleaned_data["plan_due_days"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_report_due_months(self) -> list[int]:
        try:
            return list(deadlines.parse_report_months(self.cleaned_data["report_due_months"]))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(models.ReportingRules)
class ReportingRulesAdmin(admin.ModelAdmin):
    """A district (or street) sets when the documents handed upward are due for every
    organisation below it; saving moves the due dates of their documents not yet submitted
    at once rather than at the next sweep."""

    form = ReportingRulesForm
    list_display = [
        "organisation",
        "plan_due_days",
        "report_due_months",
        "bulletin_review_required",
        "acceptance_level",
    ]
    autocomplete_fields = ["organisation"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        services.documents_schedule(inspection_ids=_inspections_below(obj.organisation))

    def delete_model(self, request, obj) -> None:
        organisation = obj.organisation
        super().delete_model(request, obj)
        services.documents_schedule(inspection_ids=_inspections_below(organisation))


def _inspections_below(organisation: models.Organisation) -> list[int]:
    rows = models.Inspection.objects.filter(organisation__path__startswith=organisation.path)
    return list(rows.values_list("pk", flat=True))


# 三员 in the admin: each administrator sees only the pages of their own role
# (permissions_admin.ADMIN_ROLE_PERMISSIONS). The system administrator keeps accounts but
# never what they may do: permissions, groups, staff and superuser flags are the superuser's
# (at installation) and the security administrator's (roles, memberships); nor may they
# touch another administrator's account (resetting the auditor's password would open the
# trail to them).
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return self.limited_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("last_login", "date_joined")

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(is_superuser=False, admin_roles__isnull=True)


@admin.register(models.AdministratorRole)
class AdministratorRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change) -> None:
        if change:  # a role is granted or revoked, never turned into another one
            raise PermissionDenied
        try:
            granted = services.administrator_grant(by=request.user, user=obj.user, role=obj.role)
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        obj.pk = granted.pk

    def delete_model(self, request, obj) -> None:
        try:
            services.administrator_revoke(by=request.user, granted=obj)
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
