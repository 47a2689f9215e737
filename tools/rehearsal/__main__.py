"""``python -m tools.rehearsal``: the deployed shape, served until Ctrl-C, to look at by hand.

Prints the stack's outputs, what the upload did, and the Chromium command that opens the site
as a visitor would (through the rehearsal's tunnel, trusting its CA); the API's edge prints
each request it answers.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time

from tools.chromium import CHROMIUM, FLAGS
from tools.rehearsal.rehearsal import Rehearsal


def chromium_command(rehearsal: Rehearsal, headless: bool) -> str:
    flags = [f for f in FLAGS if headless or f != "--headless"]
    home = rehearsal.chromium_home()
    return shlex.join(
        ["env", f"HOME={home}", str(CHROMIUM), *flags,
         f"--proxy-server={rehearsal.tunnel.url}", rehearsal.site.url]
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.rehearsal", description=__doc__)
    parser.add_argument("--upstream", help="an already running make lambda-local (its URL)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("starting moto, the stack, the upload and the function (the first run stages it)...")
    with Rehearsal(upstream=args.upstream) as rehearsal:
        print(rehearsal.upload_output, end="")
        for name, value in sorted(rehearsal.stack.outputs.items()):
            print(f"  output {name} = {value}")
        print(f"the site: {rehearsal.site.url}   the API: {rehearsal.api.url}")
        print(f"another site with a copy of the page: {rehearsal.elsewhere.url}")
        print(
            "open it (that HOME alone trusts the CA):\n  "
            + chromium_command(rehearsal, headless=False)
        )
        shown = 0
        try:
            while True:
                for seen in rehearsal.api.seen[shown:]:
                    print(
                        f"api  {seen.status} {seen.method} {seen.path}  origin={seen.origin}"
                        f"  cors={'yes' if seen.cors else 'no'}  by={seen.by}",
                        flush=True,
                    )
                shown = len(rehearsal.api.seen)
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nstopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
