"""Render an inspection's bulletin draft to files, without the web server.

python manage.py render_bulletin <inspection-id> --output out.pdf [--html out.html] [--docx out.docx]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...bulletin.document import Document, build_document
from ...bulletin.docx import render_docx
from ...bulletin.html import render_html
from ...bulletin.pdf import render_pdf
from ...models import Inspection
from ...selectors.bulletins import bulletin_draft


def _pdf(document: Document, command: BaseCommand) -> bytes:
    result = render_pdf(document)
    for warning in result.warnings:
        command.stderr.write(f"warning: {warning}")
    cache = "from cache" if result.cached else "rendered"
    command.stdout.write(f"PDF {cache} in {result.seconds:.3f} s, SHA-256 {result.pdf_sha256}")
    return result.pdf


def _html(document: Document, command: BaseCommand) -> bytes:
    return render_html(document).encode("utf-8")


def _docx(document: Document, command: BaseCommand) -> bytes:
    return render_docx(document)


# option name -> (help, writer). A new format is one more entry here.
WRITERS: dict[str, tuple[str, Callable[[Document, BaseCommand], bytes]]] = {
    "output": ("write the PDF to this file", _pdf),
    "html": ("write the HTML to this file", _html),
    "docx": ("write the Word document (.docx) to this file", _docx),
}


class Command(BaseCommand):
    help = "Render the current bulletin draft of an inspection (PDF, HTML, Word) to files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inspection_id", type=int)
        for option, (text, _writer) in WRITERS.items():
            parser.add_argument(f"--{option}", type=Path, help=text)

    def handle(self, *args, inspection_id: int, **options) -> None:
        targets = {option: options[option] for option in WRITERS if options.get(option)}
        if not targets:
            raise CommandError("name at least one output: " + ", ".join(f"--{o}" for o in WRITERS))
        try:
            inspection = Inspection.objects.select_related("organisation").get(pk=inspection_id)
        except Inspection.DoesNotExist:
            raise CommandError(f"no inspection {inspection_id}") from None
        document = build_document(bulletin_draft(inspection=inspection), today=timezone.localdate())
        for option, path in targets.items():
            data = WRITERS[option][1](document, self)
            path.write_bytes(data)
            self.stdout.write(f"wrote {path} ({len(data)} bytes)")
