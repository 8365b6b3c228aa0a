"""Bulk charging letters: thousands of records, every core, never a lost or doubled letter."""
