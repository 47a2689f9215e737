"""The measured "after": accuracy on the held-out accepted feedback, before and after."""

from __future__ import annotations

from typing import Any

from digits.inference.model import DigitModel
from training.feedback import FeedbackSet, feedback_accuracy
from training.review.accepted import AcceptedFeedback


def heldout_comparison(
    before: DigitModel | None, after: DigitModel, heldout: FeedbackSet
) -> dict[str, Any]:
    """Accuracy on held-out feedback of the previous model (None: none) and the new one."""
    return {
        "heldout_samples": len(heldout),
        "heldout_accuracy_before": None if before is None else _rounded(before, heldout),
        "heldout_accuracy_after": _rounded(after, heldout),
    }


def feedback_report(
    accepted: AcceptedFeedback, copies: int, before: DigitModel | None, after: DigitModel
) -> dict[str, Any]:
    """The model JSON's ``training.feedback``: what was used, held back, and the comparison."""
    return {
        **accepted.summary(),
        "copies": copies,
        **heldout_comparison(before, after, accepted.heldout),
    }


def report_lines(feedback: dict[str, Any]) -> list[str]:
    """Markdown for the model report, from ``feedback_report``'s dict."""
    before, after = feedback["heldout_accuracy_before"], feedback["heldout_accuracy_after"]
    return [
        "## Feedback",
        "",
        f"Accepted feedback: {feedback['train_samples']} samples trained on (each "
        f"{feedback['copies']} times), {feedback['heldout_samples']} held out; "
        f"{feedback['rejected']} rejected, {feedback['pending']} still flagged, "
        f"{feedback['unreviewed']} not yet reviewed, {feedback['changed']} changed since the "
        "review (none of these trained). See docs/feedback.md.",
        "",
        "| model | accuracy on held-out feedback |",
        "|---|---|",
        f"| previous | {_percent(before)} |",
        f"| this one | {_percent(after)} |",
        "",
    ]


def _rounded(model: DigitModel, samples: FeedbackSet) -> float | None:
    value = feedback_accuracy(model, samples)
    return None if value is None else round(value, 5)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
