"""Accessible formats of any document: large and clear print (PDF, Word), braille (BRF),
audio (MP3/WAV), plain text and a standalone accessible HTML page.

All of them start from the document's own view and HTML (:mod:`doctool.accessible.source`),
so they say exactly what the standard document says. The entry points are
:func:`doctool.accessible.formats.render_accessible` and
:func:`doctool.accessible.formats.formats_for_person`. See docs/accessible-formats.md.
"""
