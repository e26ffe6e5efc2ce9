"""A cap on the size of one request's uploads, checked before anything is written to disk.

Django streams uploaded files to temporary files with no overall limit; the evidence
service refuses a file over EVIDENCE_MAX_BYTES only once it has arrived. This handler
refuses the request up front from its Content-Length (a 400), so a huge or endless
upload cannot fill the disk. The TLS proxy should enforce the same limit
(nginx: ``client_max_body_size``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class RequestSizeLimitHandler(FileUploadHandler):
    def handle_raw_input(self, input_data: Any, META: dict, content_length: int, boundary: bytes, encoding=None):
        if content_length > settings.MAX_UPLOAD_REQUEST_BYTES:
            raise RequestDataTooBig("upload request larger than MAX_UPLOAD_REQUEST_BYTES")
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data  # passes every chunk on to the next handler

    def file_complete(self, file_size: int) -> None:
        return None
