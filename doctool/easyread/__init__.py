"""The easy-read plan: pictures on the left, short first-person sentences on the right.

See docs/easyread.md. The sentences are composed in :mod:`doctool.easyread.compose`, the
document in :mod:`doctool.compose.easyread`; :func:`check_easyread` is the readability gate
(ER- findings and the Flesch score).
"""

from doctool.easyread.rules import EasyReadReport, check_easyread, check_easyread_review

__all__ = ["EasyReadReport", "check_easyread", "check_easyread_review"]
