from __future__ import annotations

from django.db import transaction

from ..models import Organisation


def _path_for(organisation: Organisation) -> str:
    parent_path = organisation.parent.path if organisation.parent_id else "/"
    return f"{parent_path}{organisation.pk}/"


@transaction.atomic
def organisation_create(
    *,
    name: str,
    short_name: str,
    slug: str,
    level: str = Organisation.Level.COMMUNITY,
    parent: Organisation | None = None,
) -> Organisation:
    org = Organisation.objects.create(name=name, short_name=short_name, slug=slug, level=level, parent=parent)
    org.path = _path_for(org)
    org.save(update_fields=["path"])
    return org


@transaction.atomic
def organisation_rebuild_paths() -> int:
    """Recompute every materialised path top-down (after a move in the admin).

    Returns how many rows changed. Refuses cycles, which would make a path infinite.
    """
    orgs = {o.pk: o for o in Organisation.objects.select_for_update()}
    children: dict[int | None, list[Organisation]] = {}
    for org in orgs.values():
        children.setdefault(org.parent_id, []).append(org)
    changed: list[Organisation] = []
    seen: set[int] = set()
    stack = [(org, "/") for org in children.get(None, [])]
    while stack:
        org, parent_path = stack.pop()
        seen.add(org.pk)
        path = f"{parent_path}{org.pk}/"
        if org.path != path:
            org.path = path
            changed.append(org)
        stack.extend((child, path) for child in children.get(org.pk, []))
    if len(seen) != len(orgs):
        raise ValueError("organisation tree has a cycle")
    Organisation.objects.bulk_update(changed, ["path"])
    return len(changed)
