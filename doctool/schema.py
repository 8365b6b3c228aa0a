"""The published JSON Schemas, generated from the models so they can never drift."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.model.review import ReviewRecord

BASE_URI = "https://doctool.example/schemas/"

#: name -> (model, title); the name is the file stem in ``schemas/``.
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "plan": (Plan, "Care and support plan (England)"),
    "charging-letter": (LetterRecord, "Charging letter record (England)"),
    "review": (ReviewRecord, "Review of a care and support plan (England)"),
}


def schema(name: str = "plan") -> dict[str, Any]:
    """The JSON Schema of one published record."""
    model, title = SCHEMAS[name]
    body = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_URI}{name}.schema.json",
        **body,
        "title": title,
    }


def schema_text(name: str = "plan") -> str:
    """The schema as the exact text committed in ``schemas/NAME.schema.json``."""
    return json.dumps(schema(name), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
