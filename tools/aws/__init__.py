"""Deploying and tearing down the stack (make deploy / make destroy)."""
