"""Publishing the curated set (empty for now; the issue "Publishing the curated set"
fills it).

What will live here: destinations, the persistent queue of transfer jobs, one worker per
destination, retries with a growing delay, verification by full-content hash, and the
transfer log. Qt-free; imports catalog and media only.
"""
