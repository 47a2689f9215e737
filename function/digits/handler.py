"""The Lambda entry point (CMD digits.handler.handler): the app behind Mangum.

lifespan="off": Mangum would otherwise run the app's startup on every invocation;
the model is loaded once, when digits.app is imported (the container's init).
"""

from mangum import Mangum

from digits.app import app

handler = Mangum(app, lifespan="off")
