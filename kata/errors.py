"""The one error type of the `kata` command: a sentence for the learner, exit code 1, no traceback."""

from __future__ import annotations


class KataError(Exception):
    """Something the learner can fix; the message is one sentence that says how."""
