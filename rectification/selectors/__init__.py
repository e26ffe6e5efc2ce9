"""Reads, one module per area; import from here. Selectors take the requesting user
where access matters and never return rows the user may not see."""

from .bulletins import (
    bulletin_categories,
    bulletin_draft,
    bulletin_versions,
    current_version_ids,
    public_organisations,
    public_version,
    public_versions,
)
from .dashboard import dashboard_data, dashboard_organisations
from .inspections import inspection_list_for_user
from .ledger import ledger_export_for_inspection, ledger_export_for_measures
from .measures import measure_detail_data, measure_filterset, measure_list, measure_queryset, signoff_queue
from .notifications import notification_list, notification_unread_count, recheck_list
from .rollup import rollup_rows
from .structure import (
    inspection_tree,
    organisations_for_new_inspection,
    people_for_bulk,
    people_for_organisation,
)
from .todo import todo_for

__all__ = [
    "bulletin_categories",
    "bulletin_draft",
    "bulletin_versions",
    "current_version_ids",
    "public_organisations",
    "public_version",
    "public_versions",
    "dashboard_data",
    "dashboard_organisations",
    "inspection_list_for_user",
    "inspection_tree",
    "ledger_export_for_inspection",
    "ledger_export_for_measures",
    "measure_detail_data",
    "measure_filterset",
    "measure_list",
    "measure_queryset",
    "notification_list",
    "notification_unread_count",
    "recheck_list",
    "organisations_for_new_inspection",
    "people_for_bulk",
    "people_for_organisation",
    "rollup_rows",
    "signoff_queue",
    "todo_for",
]
