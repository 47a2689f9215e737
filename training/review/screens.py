"""Automatic screens: what a person no longer needs to look at, and what they must.

Run in order on the candidates (oldest first); each takes only what the ones before it
left, and counts what it removed:

1. exact duplicates: the same 28x28 as an earlier sample (one drawing sent a hundred
   times counts once) -> reject;
2. near duplicates: within a few bits of an earlier sample's perceptual hash -> reject;
3. conflicting duplicates: a kept sample whose copies claim other digits -> flag;
4. implausible: the current model gives the claimed digit almost no probability while it
   is sure of another -> flag (a person decides: honest fixes of confident mistakes
   exist, but so do floods of wrong labels);
5. flood: on a day when many claims of one digit were implausible, every other claim of
   that digit the model does not read as that digit -> flag (a flood's less obvious
   members look like its obvious ones; honest traffic rarely has such a day);
6. caps: more than so many accepted in a day, for one claimed digit in a day, and for
   one claimed digit in all -> reject the excess (a flood is a burst; so is a campaign).
   Which ones stay is a fair draw by drawing hash, not first come: whoever sends most
   gets no larger share of the cap than of the submissions.

Everything left is accepted. The client-sent ``predicted`` is never trusted: the
current model reads every drawing again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from digits.inference.model import DigitModel
from training.feedback import Candidate
from training.review.fingerprint import NearDuplicateIndex, perceptual_hash

Decision = Literal["accept", "reject", "flag"]
DECISIONS: tuple[Decision, ...] = ("accept", "reject", "flag")

SCREENS = {
    "exact-duplicate": "exact duplicates (rejected)",
    "near-duplicate": "near duplicates (rejected)",
    "conflicting-duplicates": "copies claiming other digits (flagged)",
    "implausible": "claimed digit implausible to the model (flagged)",
    "flood": "same digit and day as a flood of implausible claims (flagged)",
    "cap-per-day": "over the daily cap (rejected)",
    "cap-per-digit-day": "over the daily cap for one claimed digit (rejected)",
    "cap-per-digit": "over the cap for one claimed digit (rejected)",
}


@dataclass(frozen=True)
class ScreenConfig:
    near_distance: int = 10  # bits of 784 (see training.review.fingerprint)
    implausible_below: float = 0.01  # the model's probability for the claimed digit ...
    sure_above: float = 0.9  # ... while it gives another digit at least this much
    flood_after: int = 10  # implausible claims of one digit in a day that make a flood
    cap_per_day: int = 200
    cap_per_digit_day: int = 25
    cap_per_digit: int = 1000


@dataclass(frozen=True)
class Reading:
    """How the current model reads a drawing."""

    digit: int
    confidence: float
    p_claimed: float


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    screen: str  # a key of SCREENS, or "" when every screen passed it
    reason: str


@dataclass
class Screened:
    verdicts: dict[str, Verdict] = field(default_factory=dict)  # by sample id
    readings: dict[str, Reading] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCREENS, 0))

    def count(self, decision: Decision) -> int:
        return sum(verdict.decision == decision for verdict in self.verdicts.values())

    def mark(self, sample: Candidate, screen: str, decision: Decision, reason: str) -> None:
        self.verdicts[sample.id] = Verdict(decision, screen, reason)
        self.removed[screen] += 1


def screen(model: DigitModel, samples: Sequence[Candidate], config: ScreenConfig) -> Screened:
    """A verdict for every sample; the reading of the model for every one it read."""
    result = Screened()
    ordered = sorted(samples, key=lambda sample: (sample.created, sample.id))
    kept, copies = _collapse_duplicates(ordered, config, result)
    kept = _flag_conflicts(kept, copies, result)
    result.readings = read(model, kept)
    kept, implausible = _flag_implausible(kept, result, config)
    kept = _flag_floods(kept, implausible, result, config)
    kept = _cap(kept, _day, config.cap_per_day, "cap-per-day", result)
    kept = _cap(kept, _digit_day, config.cap_per_digit_day, "cap-per-digit-day", result)
    kept = _cap(kept, _digit, config.cap_per_digit, "cap-per-digit", result)
    for sample in kept:
        result.verdicts[sample.id] = Verdict("accept", "", "passed the screens")
    return result


def read(model: DigitModel, samples: Sequence[Candidate]) -> dict[str, Reading]:
    if not samples:
        return {}
    pixels = np.stack([sample.pixels for sample in samples]).astype(np.float32) / 255.0
    probabilities = model.predict_proba(pixels)
    return {
        sample.id: Reading(int(row.argmax()), float(row.max()), float(row[sample.claimed]))
        for sample, row in zip(samples, probabilities, strict=True)
    }


def _collapse_duplicates(
    ordered: Sequence[Candidate], config: ScreenConfig, result: Screened
) -> tuple[list[Candidate], dict[str, set[int]]]:
    """The first of every group of (near-)identical drawings, and what each group claimed."""
    exact: dict[str, str] = {}
    near = NearDuplicateIndex(config.near_distance)
    claims: dict[str, set[int]] = {}
    kept: list[Candidate] = []
    for sample in ordered:
        original = exact.get(sample.drawing_hash)
        if original is not None:
            result.mark(sample, "exact-duplicate", "reject", f"the same 28x28 as {original}")
            claims[original].add(sample.claimed)
            continue
        bits = perceptual_hash(sample.pixels)
        close = near.find(bits)
        if close is not None:
            original, apart = close
            reason = f"a near copy of {original} ({apart} of 784 hash bits differ)"
            result.mark(sample, "near-duplicate", "reject", reason)
            claims[original].add(sample.claimed)
            exact[sample.drawing_hash] = original  # its own exact copies: exact duplicates
            continue
        exact[sample.drawing_hash] = sample.id
        near.add(bits, sample.id)
        claims[sample.id] = {sample.claimed}
        kept.append(sample)
    return kept, claims


def _flag_conflicts(
    kept: list[Candidate], claims: dict[str, set[int]], result: Screened
) -> list[Candidate]:
    passed = []
    for sample in kept:
        if len(claims[sample.id]) > 1:
            digits = ", ".join(map(str, sorted(claims[sample.id])))
            result.mark(sample, "conflicting-duplicates", "flag", f"its copies claim {digits}")
        else:
            passed.append(sample)
    return passed


def _flag_implausible(
    kept: list[Candidate], result: Screened, config: ScreenConfig
) -> tuple[list[Candidate], list[Candidate]]:
    """(passed, flagged)"""
    passed, flagged = [], []
    for sample in kept:
        reading = result.readings[sample.id]
        if reading.p_claimed < config.implausible_below and reading.confidence >= config.sure_above:
            reason = (
                f"the model gives {sample.claimed} {reading.p_claimed:.2%}"
                f" and reads {reading.digit} at {reading.confidence:.1%}"
            )
            result.mark(sample, "implausible", "flag", reason)
            flagged.append(sample)
        else:
            passed.append(sample)
    return passed, flagged


def _flag_floods(
    kept: list[Candidate],
    implausible: list[Candidate],
    result: Screened,
    config: ScreenConfig,
) -> list[Candidate]:
    floods = Counter(_digit_day(sample) for sample in implausible)
    passed = []
    for sample in kept:
        count = floods[_digit_day(sample)]
        if count >= config.flood_after and result.readings[sample.id].digit != sample.claimed:
            reason = f"{count} implausible claims of {_digit_day(sample)}"
            result.mark(sample, "flood", "flag", reason)
        else:
            passed.append(sample)
    return passed


def _day(sample: Candidate) -> str:
    return f"{sample.created:%Y-%m-%d}"


def _digit_day(sample: Candidate) -> str:
    return f"{sample.claimed}s on {sample.created:%Y-%m-%d}"


def _digit(sample: Candidate) -> str:
    return f"{sample.claimed}s"


def _cap(
    kept: list[Candidate],
    group_of: Callable[[Candidate], str],
    cap: int,
    name: str,
    result: Screened,
) -> list[Candidate]:
    groups: defaultdict[str, list[Candidate]] = defaultdict(list)
    for sample in kept:
        groups[group_of(sample)].append(sample)
    passed = []
    for group, members in groups.items():
        fair = sorted(members, key=lambda sample: sample.drawing_hash)
        passed += fair[:cap]
        for sample in fair[cap:]:
            reason = f"{len(members)} passed for {group}; the cap is {cap}"
            result.mark(sample, name, "reject", reason)
    return sorted(passed, key=lambda sample: (sample.created, sample.id))
