"""Errors a user can cause with a catalogue, each with a message that says what to do."""

from __future__ import annotations


class CatalogError(Exception):
    """A catalogue problem worth one clear line to the user (locked, damaged, newer…)."""
