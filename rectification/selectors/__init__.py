"""Reads, one module per area; import from here. Selectors take the requesting user
where access matters and never return rows the user may not see."""

from .inspections import inspection_list_for_user

__all__ = ["inspection_list_for_user"]
