"""Provenance, licensing, consent and cost registry for AI training data."""

__version__ = "0.1.0"
