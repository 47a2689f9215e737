"""Developer tools run from a checkout: local server, Lambda emulator, canvas drawings.

The function's package lives in function/ (its root in the image is /var/task), so
it is put on the path here, the same way the tests' pythonpath does.
"""

import sys
from pathlib import Path

FUNCTION_DIR = str(Path(__file__).resolve().parents[1] / "function")
if FUNCTION_DIR not in sys.path:
    sys.path.insert(0, FUNCTION_DIR)
