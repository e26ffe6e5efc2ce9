"""Standard headings (标准问题方面): the code list a district keeps so that problems can be
added up across all its communities — by default the 四个聚焦 of village and community
rounds. A category (方面) keeps its own free-text title and points to one heading."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .organisations import Organisation

# The 四个聚焦 of village and community (村、社区) rounds, with the words that map a free-text
# category onto each; a district may change them (Django admin → 标准问题方面).
FOUR_FOCUSES: list[tuple[str, str]] = [
    (
        "聚焦党的路线方针政策和党中央重大决策部署在基层的落实情况",
        "决策部署,路线方针,方针政策,理论学习,政治建设,意识形态",
    ),
    ("聚焦群众身边腐败问题和不正之风", "腐败,不正之风,作风,群众身边,群众反映,廉洁,四风,三资,资金,惠民"),
    ("聚焦基层党组织领导班子和队伍建设情况", "党组织建设,组织建设,班子,队伍,党员,干部,支部,换届"),
    ("聚焦巡视巡察整改落实情况", "整改,巡视,巡察,审计,回头看,主题教育"),
]


class Heading(models.Model):
    """One standard heading of an organisation's code list (usually the district's)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("维护单位"), on_delete=models.CASCADE, related_name="headings"
    )
    position = models.PositiveIntegerField(_("顺序"))
    title = models.CharField(_("标准问题方面"), max_length=200)
    keywords = models.CharField(
        _("归类关键词"), max_length=500, blank=True, help_text=_("逗号分隔；问题类别的名称含其中之一即归入本方面")
    )

    class Meta:
        verbose_name = _("标准问题方面")
        verbose_name_plural = _("标准问题方面")
        ordering = ["organisation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "position"], name="heading_unique_position"),
            models.UniqueConstraint(fields=["organisation", "title"], name="heading_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return [w.strip() for w in self.keywords.replace("，", ",").split(",") if w.strip()]
