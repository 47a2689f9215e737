"""The seed's server, rebuilt from the seed document, as the benchmark's reference.

The project grew from a blog post (../shared/seed) that served a scikit-learn SVC with
FastAPI. ``bench.seed.app`` is that backend as the post prints it; ``bench.seed.model``
trains the SVC it loads (the post names the script but does not print it). Nothing
here ships or is imported by the function: it exists so ``make benchmark`` can put
the seed's figures beside ours, measured in the same run on the same machine.
"""
