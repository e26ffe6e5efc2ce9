"""Render the current draft of a document handed upward (整改方案, 整改情况报告) to files,
without the web server.

python manage.py render_document plan|report <inspection-id> [--sequence N] --output out.pdf [--docx out.docx] [--html out.html]
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...documents.kinds.upward import missing_sections, upward_render
from ...models import Inspection, UpwardDocument
from ...selectors.upward import upward_draft
from .render_bulletin import _report_pdf

# option name -> (help, format), as render_bulletin.
OUTPUTS = {
    "output": (_("PDF 写入此文件"), "pdf"),
    "html": (_("HTML 写入此文件"), "html"),
    "docx": (_("Word 文档（.docx）写入此文件"), "docx"),
}


class Command(BaseCommand):
    help = _("输出整改方案或报告的当前草稿（PDF、HTML、Word）")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=UpwardDocument.Kind.values, help=_("文书类型：plan（整改方案）或 report（整改情况报告）")
        )
        parser.add_argument("inspection_id", type=int, help=_("巡察编号"))
        parser.add_argument("--sequence", type=int, default=1, help=_("第几次报告（整改方案总是 1）"))
        for option, (text, _format) in OUTPUTS.items():
            parser.add_argument(f"--{option}", type=Path, help=text)

    def handle(self, *args, kind: str, inspection_id: int, sequence: int, **options) -> None:
        targets = {option: options[option] for option in OUTPUTS if options.get(option)}
        if not targets:
            raise CommandError("name at least one output: " + ", ".join(f"--{o}" for o in OUTPUTS))
        if sequence < 1 or (kind == UpwardDocument.Kind.PLAN and sequence != 1):
            raise CommandError("a plan has sequence 1 only; a report's sequence starts at 1")
        try:
            inspection = Inspection.objects.select_related("organisation").get(pk=inspection_id)
        except Inspection.DoesNotExist:
            raise CommandError(f"no inspection {inspection_id}") from None
        draft = upward_draft(inspection=inspection, kind=kind, sequence=sequence)
        source = "draft" if draft.pk else "default draft (none saved yet)"
        self.stdout.write(f"{draft.get_kind_display()} #{sequence} of inspection {inspection.pk}: {source}")
        for label in missing_sections(kind, draft.content):
            self.stderr.write(f"warning: required section still empty: {label}")
        formats = [OUTPUTS[option][1] for option in targets]
        rendered = upward_render(draft, formats=formats, today=timezone.localdate())
        for option, path in targets.items():
            fmt = OUTPUTS[option][1]
            if fmt == "pdf" and rendered.pdf is not None:
                _report_pdf(rendered.pdf, self)
            data = rendered.data(fmt)
            path.write_bytes(data)
            self.stdout.write(f"wrote {path} ({len(data)} bytes)")
