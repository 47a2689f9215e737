"""One drawing read: request bytes decoded, preprocessed to 28x28, read by the model."""
