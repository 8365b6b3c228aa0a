"""Test-only: breaks the batch's renderer for one reference, in every process that starts
with this folder on PYTHONPATH (the batch's workers come from a fork server, a fresh
process, so a monkeypatch in the test's own process would not reach them).

DOCTOOL_TEST_SABOTAGE="raise:ASC-017" makes that letter's render raise an exception that
quotes personal data; "exit:ASC-KILL" kills the worker rendering it."""

from __future__ import annotations

import os

_HOW, _, _REFERENCE = os.environ.get("DOCTOOL_TEST_SABOTAGE", "").partition(":")

if _REFERENCE:
    import doctool.pipeline

    _real = doctool.pipeline.render_set

    def _render_set(prepared, selection):  # type: ignore[no-untyped-def]
        if prepared.record.reference == _REFERENCE:
            if _HOW == "exit":
                os._exit(9)
            raise ValueError("Mrs Vera Secret cannot be laid out")  # a renderer's bug, quoting data
        return _real(prepared, selection)

    doctool.pipeline.render_set = _render_set
