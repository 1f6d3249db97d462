"""Reading PDFs off the event loop: text extraction and profile extraction run in a process pool."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from cvchat.application.cvs import ReadPdf
from cvchat.infrastructure.cvs.pdf_text import extract_pdf_text
from cvchat.infrastructure.cvs.profile import extract_profile


def read_pdf(data: bytes) -> ReadPdf:
    """Text and profile of a PDF (pure CPU work; runs in a worker process)."""
    pdf = extract_pdf_text(data)
    return ReadPdf(text=pdf.text, pages=pdf.pages, profile=extract_profile(pdf.text))


class PoolPdfReader:
    """PdfReader on an executor (a process pool in the service, created and shut down in the lifespan)."""

    def __init__(self, executor: Executor | None) -> None:
        self._executor = executor

    async def read(self, data: bytes) -> ReadPdf:
        if self._executor is None:
            return await asyncio.to_thread(read_pdf, data)
        return await asyncio.get_running_loop().run_in_executor(self._executor, read_pdf, data)
