"""The model: its numpy forward pass, where its file comes from, and loading it once."""
