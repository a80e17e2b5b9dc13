"""Serves the API's OpenAPI document, generated from the routes by scripts/generate.py."""
