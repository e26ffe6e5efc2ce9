"""The progress bulletin (通报): one document model, the official layout, its writers.

- document.py  ``build_document(bulletin, today=…) -> Document``: every wording and
  numbering rule. Writers never number or reword anything.
- layout.py    every GB/T 9704 figure (margins, grid, sizes, roles → typefaces, bold flags,
  signature and page-number placement) in ``LAYOUT``.
- fonts.py     which font draws each typeface (setting ``BULLETIN_FONTS``) and glyph checks.
- html.py / pdf.py  the HTML page (preview and PDF) and the PDF (WeasyPrint, restricted
  fetcher, file cache).

Writing another format (e.g. .docx) from a ``Document``:
- ``document.title.lines``: centred lines in role ``title``;
- ``document.blocks`` in order: a ``Heading`` is a line of its own in role
  ``heading{level}`` (``heading.label`` is number + text); a ``Paragraph`` is a body
  paragraph with a first-line indent of ``LAYOUT["indent_chars"]``, made of ``runs``:
  ``run.role`` None means role ``body``, a heading role marks a run-in heading;
  ``run.bold`` (or the role's ``bold`` flag) switches to ``LAYOUT["bold_typeface"]``;
  ``fonts.role_typeface(role, bold)`` gives the typeface key, ``LAYOUT["typefaces"]`` its
  official family names (first one for Word) and free stand-in;
- ``document.signature``: ``LAYOUT["signature"]`` (blank lines before, name right-aligned
  ``right_chars`` from the edge, date shifted ``date_shift_chars`` right of the name's
  first character);
- page numbers 「— N —」: ``LAYOUT["page_number"]``, odd pages right, even pages left.
"""
