"""The Lambda entry point (CMD digits.handler.handler): the app behind Mangum.

lifespan="off": Mangum would otherwise run the app's startup on every invocation;
the model is loaded once, when digits.app is imported (the container's init).
"""

import gc
import os

# The cyclic garbage collector would sweep the hundreds of thousands of objects the
# imports below create (FastAPI's and pydantic's classes above all) again and again:
# off until the app is built, about 10% of the cold start. What exists then lives as
# long as the container, so it is frozen out of the collector's sight for good.
gc.disable()

# One BLAS thread for the model's products of one 784-vector: too little work to share,
# and when the cores are not all ours (Lambda gives 1769 MB one vCPU's worth of time) a
# second thread waits for one; on a shared machine that cost 5-7x the requests per second
# (docs/RELIABILITY.md). Set before numpy is first imported (by digits.app); an explicit
# OPENBLAS_NUM_THREADS in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mangum import Mangum  # noqa: E402 - imported with the collector off, on purpose

from digits.app import app  # noqa: E402 - imported with the collector off, on purpose

handler = Mangum(app, lifespan="off")

gc.freeze()
gc.enable()
