"""What trains: the accepted samples only, split into a train part and a held-out part.

The split is by drawing hash (a fixed fraction of the hash space is held out), so it is
the same on every run, a sample never moves from one part to the other as feedback
grows, and copies of one drawing (already collapsed by the screens) could not straddle
the two. The held-out part is never trained on: accuracy on it, before and after a
retrain, shows whether feedback helped (training.review.compare).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.feedback import FeedbackSet, as_feedback_set, read_candidates
from training.review.decisions import read_decisions

HELDOUT_SHARE = 0.2


class FeedbackNotReviewed(SystemExit):
    """Feedback was asked for without a reviewed decisions file: nothing unreviewed trains."""


@dataclass(frozen=True)
class AcceptedFeedback:
    train: FeedbackSet
    heldout: FeedbackSet
    rejected: int  # decided against
    pending: int  # still "flag": nobody decided, so not used
    unreviewed: int  # in the store but not in the decisions file (arrived since)
    changed: int  # the drawing under that id is not the one reviewed
    unreadable: int

    def summary(self) -> dict[str, int]:
        return {
            "train_samples": len(self.train),
            "heldout_samples": len(self.heldout),
            "rejected": self.rejected,
            "pending": self.pending,
            "unreviewed": self.unreviewed,
            "changed": self.changed,
            "unreadable": self.unreadable,
        }


def is_heldout(drawing_hash: str, share: float = HELDOUT_SHARE) -> bool:
    return int(drawing_hash[:8], 16) < share * 16**8


def load_accepted(
    source: str, decisions: Path | str | None, heldout_share: float = HELDOUT_SHARE
) -> AcceptedFeedback:
    """The accepted samples of ``source`` (folder or s3://), split train / held out.

    Raises FeedbackNotReviewed without a decisions file, DecisionsInvalid for a bad one.
    """
    if not decisions:
        raise FeedbackNotReviewed(
            "feedback trains only once reviewed: run `python -m training.review screen "
            f"{source}`, check the contact sheets and the decisions file, then pass it"
            " with --feedback-decisions"
        )
    reviewed = read_decisions(Path(decisions))
    candidates = read_candidates(source, progress=True)
    train, heldout = [], []
    rejected = pending = unreviewed = changed = 0
    for sample in candidates.samples:
        verdict = reviewed.get(sample.id)
        if verdict is None:
            unreviewed += 1
        elif verdict.drawing_hash != sample.drawing_hash:
            changed += 1
        elif verdict.decision == "reject":
            rejected += 1
        elif verdict.decision == "flag":
            pending += 1
        elif is_heldout(sample.drawing_hash, heldout_share):
            heldout.append(sample)
        else:
            train.append(sample)
    unreadable = len(candidates.unreadable)
    return AcceptedFeedback(
        train=as_feedback_set(train, unreadable),
        heldout=as_feedback_set(heldout, unreadable),
        rejected=rejected,
        pending=pending,
        unreviewed=unreviewed,
        changed=changed,
        unreadable=unreadable,
    )
