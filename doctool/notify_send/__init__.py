"""Sending a finished batch of charging letters through GOV.UK Notify as precompiled letters.

``doctool notify send OUTDIR`` uploads each letter in the batch's manifest with the official
client (``notifications-python-client``), within Notify's rate limit, retrying its rate-limit
429 and 5xx answers a bounded number of times (its daily-limit 429 stops the run), and appends each notification id to ``OUTDIR/notify.jsonl``
so that a re-run never sends the same letter twice. ``doctool notify status OUTDIR`` asks
Notify where each letter is and records the answer in the same journal.
"""
