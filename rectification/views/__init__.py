"""Views, one module per area. Views load and authorise, validate a form, call one
service, then redirect or render; they hold no business rules."""

from .core import guide, healthz, home, inspection_list

__all__ = ["guide", "healthz", "home", "inspection_list"]
