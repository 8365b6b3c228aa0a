"""The easy-read plan: pictures on the left, short first-person sentences on the right.

See docs/easyread.md. Public entry points:

- :func:`build_easyread_view` (same signature as ``build_plan_view``), :func:`pictures`
  (Word picture variables) and :func:`extra_files` (files the PDF may read);
- :func:`check_easyread`, the readability gate (ER- findings and the Flesch score).

It is the ``easyread`` document in :data:`doctool.documents.DOCUMENTS`, so
``doctool render PLAN --document easyread --format pdf|docx`` lays it out.
"""

from doctool.easyread.rules import EasyReadReport, check_easyread
from doctool.easyread.view import DOCX_TEMPLATE, HTML_TEMPLATE, build_easyread_view, extra_files, pictures

__all__ = [
    "DOCX_TEMPLATE",
    "HTML_TEMPLATE",
    "EasyReadReport",
    "build_easyread_view",
    "check_easyread",
    "extra_files",
    "pictures",
]
