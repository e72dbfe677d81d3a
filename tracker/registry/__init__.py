"""The write side: opening a registry, the Writer (every change and its audit event in one
transaction), the audit chain, bulk inserts, and one module per kind of record."""

from tracker.registry.writer import Registry, Writer

__all__ = ["Registry", "Writer"]
