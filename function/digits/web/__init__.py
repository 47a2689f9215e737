"""The HTTP layer: routes, their JSON shapes, and what runs around every request."""
