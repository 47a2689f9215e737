"""Developer tools run from a checkout, never shipped.

    tools/local/   the project on this machine: the dev server (make run), the Lambda
                   emulator stack (make lambda-local)
    tools/aws/     the SAM template (evaluation, translation) and the page's deployment
    tools/*.py     canvas drawings, Chromium, make events / screenshots / docs

The function's package lives in function/ (its root in the image is /var/task), so
it is put on the path here, the same way the tests' pythonpath does.
"""

import sys
from pathlib import Path

FUNCTION_DIR = str(Path(__file__).resolve().parents[1] / "function")
if FUNCTION_DIR not in sys.path:
    sys.path.insert(0, FUNCTION_DIR)
