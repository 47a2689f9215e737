"""``python -m training.review``: screen feedback, check decisions, compare models, drill.

  screen SOURCE       candidates -> screens -> OUT/decisions.csv, OUT/sheets/, OUT/summary.md
  check SOURCE FILE   what a decisions file lets train: train / held-out / held back
  compare SOURCE FILE --before A --after B   held-out feedback accuracy of two models
  drill               the poisoning drill -> models/FEEDBACK.md

SOURCE is a folder (a copy of the bucket) or s3://bucket/prefix/.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.provenance import short_commit, utc_stamp

from digits.inference.model import load_model
from training.export import MODEL_NAME, MODELS_DIR
from training.feedback import Candidates, read_candidates
from training.mnist import REPO_ROOT, load_mnist
from training.review.accepted import load_accepted
from training.review.compare import heldout_comparison
from training.review.decisions import write_decisions
from training.review.drill import DrillConfig, run_drill
from training.review.report import write_drill_report
from training.review.screens import SCREENS, ScreenConfig, Screened, screen
from training.review.sheets import write_sheets

SHIPPED = MODELS_DIR / f"{MODEL_NAME}.joblib"
REVIEW_DIR = REPO_ROOT / "data" / "review"  # data/ is never committed
RETENTION_DAYS = 90  # template.yaml's FeedbackRetentionDays


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "screen":
        _screen(args)
    elif args.command == "check":
        print(json.dumps(load_accepted(args.source, args.decisions).summary(), indent=2))
    elif args.command == "compare":
        accepted = load_accepted(args.source, args.decisions)
        before, after = load_model(args.before), load_model(args.after)
        print(json.dumps(heldout_comparison(before, after, accepted.heldout), indent=2))
    else:
        _drill(args)


def _screen(args: argparse.Namespace) -> None:
    config = ScreenConfig(
        near_distance=args.near_distance,
        implausible_below=args.implausible_below,
        sure_above=args.sure_above,
        flood_after=args.flood_after,
        cap_per_day=args.cap_per_day,
        cap_per_digit_day=args.cap_per_digit_day,
        cap_per_digit=args.cap_per_digit,
    )
    out: Path = args.out
    if (out / "decisions.csv").exists() and not args.force:
        # It may hold a person's decisions: never overwrite them silently.
        raise SystemExit(f"{out / 'decisions.csv'} exists: choose another --out, or --force")
    candidates = read_candidates(args.source, progress=True)
    screened = screen(load_model(args.model), candidates.samples, config)
    write_decisions(out / "decisions.csv", candidates.samples, screened)
    sheets = write_sheets(out / "sheets", candidates.samples, screened)
    summary = screen_summary(args.source, candidates, screened, args.retention_days)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    print(summary)
    print(f"Wrote {out / 'decisions.csv'} and {len(sheets)} contact sheets in {out / 'sheets'}")


def screen_summary(
    source: str, candidates: Candidates, screened: Screened, retention_days: int
) -> str:
    """Counts only: how many came in, what each screen removed, what is proposed."""
    lines = [
        f"# Feedback screened: {source}",
        "",
        f"{len(candidates.samples)} readable samples, {len(candidates.unreadable)} unreadable.",
        "",
        "| screen | removed |",
        "|---|---|",
        *(f"| {SCREENS[name]} | {count} |" for name, count in screened.removed.items()),
        "",
        f"Proposed: {screened.count('accept')} accept, {screened.count('flag')} flag "
        f"(a person decides), {screened.count('reject')} reject.",
    ]
    if candidates.samples:
        oldest = min(sample.created for sample in candidates.samples)
        delete_by = oldest + timedelta(days=retention_days)
        lines += [
            "",
            f"These files show drawings people sent: delete this folder by {delete_by:%Y-%m-%d}"
            f" ({retention_days} days after the oldest, as the bucket deletes them).",
        ]
    return "\n".join(lines) + "\n"


def _drill(args: argparse.Namespace) -> None:
    config = DrillConfig(poisoned=args.poisoned, replays=args.replays)
    with tempfile.TemporaryDirectory() as workdir:
        model = load_model(args.model)
        result = run_drill(config, load_mnist(), model, Path(workdir), ScreenConfig())
    stamp = f"commit {short_commit() or 'unknown'}, {utc_stamp()}"
    model_name = args.model.name
    write_drill_report(args.report, result, stamp, model_name)
    print(args.report.read_text(encoding="utf-8"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.review",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = ScreenConfig()
    run = commands.add_parser("screen", help="screen candidates; write sheets and decisions")
    run.add_argument("source")
    run.add_argument("--out", type=Path, default=REVIEW_DIR)
    run.add_argument("--model", type=Path, default=SHIPPED, help="the model that reads them")
    run.add_argument("--near-distance", type=int, default=defaults.near_distance)
    run.add_argument("--implausible-below", type=float, default=defaults.implausible_below)
    run.add_argument("--sure-above", type=float, default=defaults.sure_above)
    run.add_argument("--flood-after", type=int, default=defaults.flood_after)
    run.add_argument("--cap-per-day", type=int, default=defaults.cap_per_day)
    run.add_argument("--cap-per-digit-day", type=int, default=defaults.cap_per_digit_day)
    run.add_argument("--cap-per-digit", type=int, default=defaults.cap_per_digit)
    run.add_argument("--retention-days", type=int, default=RETENTION_DAYS)
    run.add_argument("--force", action="store_true", help="overwrite an earlier decisions file")
    check = commands.add_parser("check", help="what a decisions file lets train")
    check.add_argument("source")
    check.add_argument("decisions", type=Path)
    compare = commands.add_parser("compare", help="held-out feedback accuracy of two models")
    compare.add_argument("source")
    compare.add_argument("decisions", type=Path)
    compare.add_argument("--before", type=Path, required=True)
    compare.add_argument("--after", type=Path, default=SHIPPED)
    drill = commands.add_parser("drill", help="the poisoning drill -> models/FEEDBACK.md")
    drill.add_argument("--model", type=Path, default=SHIPPED)
    drill.add_argument("--report", type=Path, default=MODELS_DIR / "FEEDBACK.md")
    drill_defaults = DrillConfig()
    drill.add_argument("--poisoned", type=int, default=drill_defaults.poisoned)
    drill.add_argument("--replays", type=int, default=drill_defaults.replays)
    return parser


if __name__ == "__main__":
    main()
