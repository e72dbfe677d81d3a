"""Importers and exporters for the formats of the field (HF cards, Croissant, DPI, tables)."""
