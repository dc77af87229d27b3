"""Destinations: where curated files are published, and where on them each file goes.

A destination is a folder (a local disk or a mounted network share, given as a path or a
``file://`` URL) or an SFTP server (``sftp://user@host:port/path``). Its layout is a
template of the remote path, ``{drive}/{path}/{filename}`` unless set; fields:

- ``{drive}``: the drive's name; ``{path}``: the folder on the drive (may be empty);
- ``{filename}``, ``{stem}``, ``{ext}`` (without the dot);
- ``{oshash}``; ``{year}``, ``{month}`` of the curator's date, else the date taken, else
  ``undated``; ``{project_group}`` (``ungrouped`` when none).

Empty path segments are dropped, so a file at a drive's root goes to ``drive/name.jpg``.
Secrets never come here: see `secrets`.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import Destination, TransferJob

from .errors import TransferError

DEFAULT_LAYOUT = "{drive}/{path}/{filename}"
LAYOUT_FIELDS = frozenset(
    {"drive", "path", "filename", "stem", "ext", "oshash", "year", "month", "project_group"}
)
_NAME = re.compile(r"^[\w][\w .@+-]{0,63}$")
SCHEMES = ("file", "sftp")


@dataclass(frozen=True)
class Where:
    """A destination's URL taken apart."""

    scheme: str  # "file" or "sftp"
    path: str  # the root folder (absolute for "file"; as given for "sftp")
    host: str | None = None
    port: int = 22
    user: str | None = None

    def describe(self) -> str:
        if self.scheme == "file":
            return self.path
        who = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port != 22 else ""
        return f"sftp://{who}{self.host}{port}{self.path}"


def parse_url(url: str) -> Where:
    """A path, ``file:///path`` or ``sftp://[user@]host[:port]/path``; anything else is a
    TransferError that says what is accepted."""
    url = url.strip()
    if not url:
        raise TransferError("a destination needs a folder or an sftp:// URL")
    if "://" not in url:
        path = os.path.abspath(os.path.expanduser(url))
        return Where("file", path)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise TransferError(f"{url}: a file:// URL names a folder on this computer")
        return Where("file", os.path.abspath(unquote(parts.path) or "/"))
    if scheme in ("sftp", "ssh"):
        if not parts.hostname:
            raise TransferError(f"{url}: an sftp:// URL needs a host (sftp://user@host/path)")
        if parts.password:
            raise TransferError(
                "do not put a password in the URL: Luna asks for it and keeps it in the "
                "system keyring"
            )
        try:
            port = parts.port or 22
        except ValueError:
            raise TransferError(f"{url}: the port is not a number from 1 to 65535") from None
        path = unquote(parts.path) or "/"
        return Where("sftp", path, parts.hostname, port, unquote(parts.username or "") or None)
    raise TransferError(f"{url}: Luna publishes to a folder or to sftp:// (not {scheme}://)")


def check_layout(layout: str) -> str:
    """The layout as given, or a TransferError naming what is wrong with it."""
    layout = layout.strip()
    if not layout:
        raise TransferError("the layout is empty; the default is " + DEFAULT_LAYOUT)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(layout) if f is not None]
    except ValueError as exc:
        raise TransferError(f"the layout {layout!r} is not a template: {exc}") from None
    unknown = sorted({f for f in fields if f not in LAYOUT_FIELDS})
    if unknown:
        known = ", ".join("{" + f + "}" for f in sorted(LAYOUT_FIELDS))
        raise TransferError(f"the layout uses {', '.join(unknown)!s}; it may use {known}")
    if "filename" not in fields and not {"stem", "ext"} <= set(fields):
        raise TransferError("the layout must contain {filename} (or {stem} and {ext})")
    if layout.startswith("/") or ".." in PurePosixPath(layout).parts:
        raise TransferError("the layout is a path inside the destination (no leading / or ..)")
    return layout


def _check_numbers(max_attempts: int, retry_delay: float) -> None:
    if max_attempts < 1:
        raise TransferError("a job is tried at least once")
    if retry_delay < 0:
        raise TransferError("the retry delay cannot be negative")


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise TransferError(
            f"{name!r} is not a usable destination name: letters, digits, space, . @ + - _ "
            "(up to 64, starting with a letter or digit)"
        )
    return name


def remote_path(layout: str, fields: dict[str, str]) -> str:
    """The path inside the destination for one file; segments are cleaned of what no
    filesystem takes ('/' inside a value, NUL) and empty segments dropped."""
    safe = {k: _segment_safe(v) for k, v in fields.items()}
    rendered = layout.format_map(safe)
    parts = [p for p in rendered.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise TransferError(f"the layout {layout!r} gives no usable path for this file")
    return "/".join(parts)


def _segment_safe(value: str) -> str:
    # {path} is a folder path and keeps its slashes; a value's own '..' segments are
    # defused so that no file can be written outside the destination.
    value = value.replace("\x00", "")
    return "/".join("_" if seg == ".." else seg for seg in value.split("/"))


# -- the catalogue's list ----------------------------------------------------------------


def add(
    name: str,
    url: str,
    *,
    layout: str = DEFAULT_LAYOUT,
    delayed: bool = False,
    key_file: str | None = None,
    remove_local: bool = False,
    max_attempts: int = 6,  # the first try and 5 retries
    retry_delay: float = 60.0,
) -> Destination:
    name = check_name(name)
    where = parse_url(url)
    layout = check_layout(layout)
    _check_numbers(max_attempts, retry_delay)
    if key_file is not None and where.scheme != "sftp":
        raise TransferError("a key file is for sftp:// destinations")
    with write_transaction():
        if Destination.select().where(Destination.name == name).exists():
            raise TransferError(f"there is already a destination called {name}")
        return Destination.create(
            name=name,
            url=where.describe(),
            layout=layout,
            delayed=delayed,
            key_file=os.path.expanduser(key_file) if key_file else None,
            remove_local=remove_local,
            max_attempts=max_attempts,
            retry_delay=retry_delay,
        )


def get(name: str) -> Destination:
    dest = Destination.get_or_none(Destination.name == name)
    if dest is None:
        known = ", ".join(d.name for d in Destination.select().order_by(Destination.name))
        raise TransferError(
            f"there is no destination called {name}"
            + (f" (known: {known})" if known else " (add one with `luna destination add`)")
        )
    return dest


def all_destinations() -> list[Destination]:
    return list(Destination.select().order_by(Destination.name))


def update(name: str, **fields) -> Destination:
    """Change a destination's settings. Turning remove_local on (again) clears its
    confirmation, so it is asked for again before the first local copy goes."""
    dest = get(name)
    if "layout" in fields:
        fields["layout"] = check_layout(fields["layout"])
    if "url" in fields:
        fields["url"] = parse_url(fields["url"]).describe()
    _check_numbers(fields.get("max_attempts", dest.max_attempts),
                   fields.get("retry_delay", dest.retry_delay))  # fmt: skip
    if fields.get("key_file") and parse_url(fields.get("url", dest.url)).scheme != "sftp":
        raise TransferError("a key file is for sftp:// destinations")
    if fields.get("remove_local") and not dest.remove_local:
        fields["remove_local_confirmed_at"] = None
    moved = any(k in fields and fields[k] != getattr(dest, k) for k in ("url", "layout"))
    with write_transaction():
        Destination.update(**fields).where(Destination.id == dest.id).execute()
        if moved:
            # Published to the old place (or paths): everything goes to the new one. A
            # copy already there is checked and adopted, not sent again.
            TransferJob.update(
                state="queued", attempts=0, next_try=None, finished_at=None, remote_path=None
            ).where(TransferJob.destination == dest.id, TransferJob.state == "done").execute()
            Destination.update(manifest_dirty=True).where(Destination.id == dest.id).execute()
    return Destination.get_by_id(dest.id)


def remove(name: str) -> int:
    """Forget a destination and its jobs (its log rows stay, by name). Returns the number
    of jobs that were not done yet. Files already published stay where they are."""
    dest = get(name)
    with write_transaction():
        pending = (
            TransferJob.select()
            .where(TransferJob.destination == dest, TransferJob.state != "done")
            .count()
        )
        dest.delete_instance()
    return pending
