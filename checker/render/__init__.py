"""Renderers: turn check results into text and JSON. They consume results, never produce them."""
