"""The typed document model every renderer consumes (see :mod:`doctool.document.model`)."""

from doctool.document.model import (
    Block,
    Callout,
    Document,
    Draft,
    Field,
    Fields,
    Illustrated,
    Items,
    LetterFrame,
    Letterhead,
    Meta,
    Paragraph,
    Picture,
    Section,
    SignOff,
    Slip,
    Table,
)
from doctool.document.values import Date, Email, Money, Phone, Phrase, Postcode, Reference, Term, Text, Value, fill, printed, spoken

__all__ = [
    "Block", "Callout", "Date", "Document", "Draft", "Email", "Field", "Fields", "Illustrated", "Items",
    "LetterFrame", "Letterhead", "Meta", "Money", "Paragraph", "Phone", "Phrase", "Picture", "Postcode",
    "Reference", "Section", "Term", "SignOff", "Slip", "Table", "Text", "Value", "fill", "printed", "spoken",
]
