"""A number on a canvas: its ink cut into one piece per digit, left to right."""
