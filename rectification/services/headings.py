"""Standard headings (标准问题方面): which code list an organisation's categories map to
(the nearest organisation up the tree that keeps one; the 四个聚焦, set up on the top of the
tree, where none does), and which heading a free-text category title maps to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..models import FOUR_FOCUSES, Category, Heading, Organisation
from ..text import CONTROL_CHARS


def _ancestor_ids(organisation: Organisation) -> list[int]:
    """The organisation and those above it, nearest first (from the materialised path)."""
    ids = [int(part) for part in organisation.path.strip("/").split("/") if part.isdigit()]
    return list(reversed(ids)) or [organisation.pk]


def headings_for(*, organisation: Organisation) -> list[Heading]:
    """The code list the organisation's categories map to, in order. Queries: 1, or 3 the
    first time anywhere in the tree (the 四个聚焦 inserted on the top organisation, read back;
    one statement, so no transaction of its own)."""
    ancestors = _ancestor_ids(organisation)
    rows = list(Heading.objects.filter(organisation_id__in=ancestors).order_by("position"))
    for org_id in ancestors:
        own = [h for h in rows if h.organisation_id == org_id]
        if own:
            return own
    top = ancestors[-1]
    defaults = [
        Heading(organisation_id=top, position=i, title=title, keywords=words)
        for i, (title, words) in enumerate(FOUR_FOCUSES, 1)
    ]
    Heading.objects.bulk_create(defaults, ignore_conflicts=True)  # a concurrent first call made them too
    return list(Heading.objects.filter(organisation_id=top).order_by("position"))


def heading_for_title(headings: Sequence[Heading], title: str) -> Heading | None:
    """The heading a free-text category title maps to: the heading's own title when the
    category names it, else the first heading with a keyword the title contains; None
    when nothing matches (the category stays unmapped, counted as 「未归类」)."""
    text = CONTROL_CHARS.sub("", title).replace(" ", "")
    for heading in headings:
        if heading.title.removeprefix("聚焦") in text:
            return heading
    for heading in headings:
        if any(word in text for word in heading.keyword_list):
            return heading
    return None


def categories_map_headings(*, organisation: Organisation, categories: Iterable[Category]) -> None:
    """Give each category without a heading the one its title maps to (one UPDATE per
    heading used; history is not written for this bookkeeping field)."""
    todo = [c for c in categories if c.heading_id is None]
    if not todo:
        return
    headings = headings_for(organisation=organisation)
    by_heading: dict[int, list[int]] = {}
    for category in todo:
        heading = heading_for_title(headings, category.title)
        if heading is not None:
            category.heading = heading
            by_heading.setdefault(heading.pk, []).append(category.pk)
    for heading_id, ids in by_heading.items():
        Category.objects.filter(pk__in=ids).update(heading_id=heading_id)
