"""doctool: care and support plans in, accessible documents out.

The library API is in :mod:`doctool.api`; the command line in :mod:`doctool.cli`.
"""

__version__ = "0.1.0"
