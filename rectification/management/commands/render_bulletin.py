"""Render an inspection's bulletin draft to files, without the web server.

python manage.py render_bulletin <inspection-id> --output out.pdf [--html out.html] [--docx out.docx]
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...documents.kinds.bulletin import bulletin_render, draft_notes
from ...documents.pdf import PdfResult
from ...models import Inspection
from ...selectors.bulletins import bulletin_draft

# option name -> (help, format). A new format is one more entry here.
OUTPUTS: dict[str, tuple[str, str]] = {
    "output": ("write the PDF to this file", "pdf"),
    "html": ("write the HTML to this file", "html"),
    "docx": ("write the Word document (.docx) to this file", "docx"),
}


def _report_pdf(result: PdfResult, command: BaseCommand) -> None:
    for warning in result.warnings:
        command.stderr.write(f"warning: {warning}")
    cache = "from cache" if result.cached else "rendered"
    command.stdout.write(f"PDF {cache} in {result.seconds:.3f} s, SHA-256 {result.pdf_sha256}")


class Command(BaseCommand):
    help = "Render the current bulletin draft of an inspection (PDF, HTML, Word) to files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inspection_id", type=int)
        for option, (text, _format) in OUTPUTS.items():
            parser.add_argument(f"--{option}", type=Path, help=text)

    def handle(self, *args, inspection_id: int, **options) -> None:
        targets = {option: options[option] for option in OUTPUTS if options.get(option)}
        if not targets:
            raise CommandError("name at least one output: " + ", ".join(f"--{o}" for o in OUTPUTS))
        try:
            inspection = Inspection.objects.select_related("organisation").get(pk=inspection_id)
        except Inspection.DoesNotExist:
            raise CommandError(f"no inspection {inspection_id}") from None
        formats = [OUTPUTS[option][1] for option in targets]
        draft = bulletin_draft(inspection=inspection)
        for note in draft_notes(draft, today=timezone.localdate()):
            self.stderr.write(f"warning: {note}")
        rendered = bulletin_render(draft, formats=formats, today=timezone.localdate())
        for option, path in targets.items():
            fmt = OUTPUTS[option][1]
            if fmt == "pdf" and rendered.pdf is not None:
                _report_pdf(rendered.pdf, self)
            data = rendered.data(fmt)
            path.write_bytes(data)
            self.stdout.write(f"wrote {path} ({len(data)} bytes)")
