"""Descriptive metadata (keywords, title, description, rating…) from IPTC, XMP and XMP
sidecars, merged by one precedence rule whatever order the blocks are read in.

A file often says the same thing twice: IPTC-IIM (the 1990s press standard) and XMP,
and a raw file may have an XMP sidecar beside it. Where they disagree, the newer
standard was edited last: the Metadata Working Group's rule is that XMP wins over
IPTC, and a sidecar, written by the catalogue program after the camera, wins over
both. The rule applies field by field: a sidecar with keywords but no title leaves the
title to the embedded XMP, or else to IPTC.

Every source's own values are kept, so a curator can see what lost:

    extra["xmp_sidecar"]  the XMP sidecar (IMG_1234.xmp beside IMG_1234.CR2)
    extra["xmp"]          the XMP packets embedded in the file
    extra["iptc"]         the IPTC-IIM blocks embedded in the file

each a dict with any of: keywords (list), title, description, creator (list), city,
country, rating (number; -1 means rejected, XMP only) and date (ISO 8601, recorded
only: the date taken goes through `dates.take_date`, where EXIF comes first). The
winning values are `info.keywords` and extra["title"], ["description"], ["creator"],
["city"], ["country"] and ["rating"].
"""

from __future__ import annotations

from typing import Any

from luna_desktop.media.info import MediaInfo

# Best first.
SOURCES = ("xmp_sidecar", "xmp", "iptc")
# Fields whose winning value goes to the top level of info.extra.
_TOP_LEVEL = ("title", "description", "creator", "city", "country", "rating")


def add_source(info: MediaInfo, source: str, values: dict[str, Any]) -> None:
    """Record what one block of `source` says, then settle the winning values.

    A file may hold several blocks of one kind (a PNG with both an iTXt XMP and
    ImageMagick's raw XMP profile): lists are merged, and for a single value the
    first block read keeps it.
    """
    values = {k: v for k, v in values.items() if v is not None and v != "" and v != []}
    if not values:
        return
    layer = info.extra.setdefault(source, {})
    for key, value in values.items():
        if isinstance(value, list):
            merged = layer.setdefault(key, [])
            merged.extend(v for v in value if v not in merged)
        else:
            layer.setdefault(key, value)
    _settle(info)


def _settle(info: MediaInfo) -> None:
    """Put the best source's value of every field where Luna reads it.

    Sources are only ever added to, so a winner is only ever replaced by a better one:
    the result does not depend on the order the blocks were read in.
    """
    layers = [info.extra[s] for s in SOURCES if isinstance(info.extra.get(s), dict)]
    for field in _TOP_LEVEL:
        value = next((layer[field] for layer in layers if field in layer), None)
        if value is not None:
            info.extra[field] = list(value) if isinstance(value, list) else value
    winner = next((layer["keywords"] for layer in layers if layer.get("keywords")), None)
    if winner is not None:
        # Keywords from elsewhere (a video container) stay; those of a losing source go.
        layered = {k for layer in layers for k in layer.get("keywords", ())}
        info.keywords = [k for k in info.keywords if k not in layered] + list(winner)
