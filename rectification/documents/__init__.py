"""The document engine: one document model, the official layout, its writers. Nothing in
it knows what a bulletin is; each kind of document (kinds/) turns its data into a
``Document`` and the writers turn any ``Document`` into files.

- model.py     ``Document`` = ``Title`` + blocks (``Heading``, ``Paragraph`` of ``Run``) +
  ``Signature``; the plain-text markup (``**bold**``, a line a paragraph).
- numbering.py 「一、」「（一）」「1.」「（1）」 and 「一是……二是……」; wording.py punctuation
  (``full_stop``) and dates (「2025年1月21日」).
- layout.py    every GB/T 9704 figure (margins, grid, sizes, roles → typefaces, bold flags,
  signature and page-number placement) in ``LAYOUT``.
- fonts.py     which font draws each typeface (setting ``BULLETIN_FONTS``) and glyph checks.
- html.py / pdf.py  the HTML page (preview and PDF) and the PDF (WeasyPrint, restricted
  fetcher, file cache under ``BULLETIN_PDF_CACHE_DIR``); docx.py (with docx_styles.py and
  docx_ooxml.py) the Word file.
- writers.py   ``render(document, formats)``: the one call from a document to its files.
- kinds/       the documents: bulletin.py (通报) with its pipeline ``bulletin_render``.

Writing another format from a ``Document``:
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
