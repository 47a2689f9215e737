"""The Lambda entry point (CMD digits.handler.handler): the app behind Mangum.

lifespan="off": Mangum would otherwise run the app's startup on every invocation;
the model is loaded once, when digits.app is imported (the container's init).
"""

import os

# One BLAS thread for the model's products of one 784-vector: too little work to share,
# and when the cores are not all ours (Lambda gives 1769 MB one vCPU's worth of time) a
# second thread waits for one; on a shared machine that cost 5-7x the requests per second
# (docs/RELIABILITY.md). Set before numpy is first imported (by digits.app); an explicit
# OPENBLAS_NUM_THREADS in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mangum import Mangum

from digits.app import app

handler = Mangum(app, lifespan="off")
