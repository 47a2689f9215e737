"""digit-lambda: a handwritten-digit recognizer served from AWS Lambda.

Data flow: canvas PNG -> API Gateway event -> Mangum -> FastAPI route -> decode
-> preprocess (28x28, MNIST-style) -> model -> JSON.

By layer: web/ (HTTP), reading/ (one drawing: decode, preprocess, reader),
segmentation/ (a number cut into digits), inference/ (the model); here, the Lambda
entry point (handler), the app, its settings and the domain errors.
"""
