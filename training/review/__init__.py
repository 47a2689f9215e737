"""Feedback review: quarantine, screens, a person's decisions, and a measured "after".

Stored feedback is a candidate, never training data by itself. ``python -m
training.review screen SOURCE`` screens the candidates and writes contact sheets and a
decisions file; a person checks and edits it; training takes only the accepted samples
(``load_accepted``), holds a part of them out, and reports accuracy on that part before
and after (``feedback_report``). See docs/feedback.md.
"""

from training.review.accepted import AcceptedFeedback, FeedbackNotReviewed, load_accepted
from training.review.compare import feedback_report, heldout_comparison, report_lines

__all__ = [
    "AcceptedFeedback",
    "FeedbackNotReviewed",
    "feedback_report",
    "heldout_comparison",
    "load_accepted",
    "report_lines",
]
