"""The progress bulletin (通报): one document model (document.py), the official layout
(layout.py) and its writers (html.py, pdf.py; a .docx writer builds on the same model)."""
