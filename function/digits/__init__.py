"""digit-lambda: a handwritten-digit recognizer served from AWS Lambda.

Data flow: canvas PNG -> API Gateway event -> Mangum -> FastAPI route -> decode
-> preprocess (28x28, MNIST-style) -> model -> JSON.
"""
