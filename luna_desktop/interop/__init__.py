"""Exchanging catalogues with the world (empty for now; the issue "Duplicates across
drives, drive-listing import and export…" fills it).

What will live here: drive-listing JSON import and export (the contract in DESIGN.md),
repeats files, CSV, and XMP sidecars. Qt-free; imports catalog and media only.
"""
