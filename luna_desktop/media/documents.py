"""Document metadata: a PDF's page count, title, author and creation date, with pypdf.

Only the PDF's structure is read (trailer, cross-reference table, catalogue, page tree
root and the document information dictionary), never its page contents, so even a
large PDF costs a few reads. pypdf is imported on the first PDF: the command line
does not pay for it at start.

What goes where: the page count in extra["pages"], the title in extra["title"] (where
`media.descriptive` puts a file's own title), the author in extra["author"], the
CreationDate in `taken_at` (ISO 8601, "D:20240102030405+01'00'" ->
"2024-01-02T03:04:05+01:00", an offset only when the file states one) and as written
in `taken_at_raw`, and extra["encrypted"] = True for an encrypted PDF.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from luna_desktop.media.info import MediaInfo

_T = TypeVar("_T")

# A PDF's structure is read in milliseconds; a file that takes longer is pathological
# (or a drive that stalls), and a scan must not wait on it for ever.
TIMEOUT_S = 10.0
_MAX_REPAIRS = 3  # pypdf's repair messages kept as a note, at most


def read_pdf(path: bytes | str, info: MediaInfo, timeout_s: float = TIMEOUT_S) -> None:
    """Fill the page count, title, author and creation date of a PDF into info.

    Never raises, never waits longer than about `timeout_s`: an unreadable, empty,
    truncated or corrupt file adds a message with `info.add_error` and keeps whatever
    could be read. Encryption is a note ("encrypted…"): the pages, title and author are
    still read when the PDF opens without a password. What pypdf had to repair to read
    the file (a wrong cross-reference offset…) is a note too. `path` may be bytes.
    """
    try:
        _read_pdf(path, info, timeout_s)
    except Exception as exc:  # a scan must survive any one file
        info.add_error(f"PDF metadata could not be read ({type(exc).__name__}: {exc})")


def _read_pdf(path: bytes | str, info: MediaInfo, timeout_s: float) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        info.add_error(f"cannot read the file ({exc.strerror or exc})")
        return
    if not stat.S_ISREG(st.st_mode):
        info.add_error("not a regular file")
        return
    if st.st_size == 0:
        info.add_error("empty file (0 bytes)")
        return
    info.extractor = "+".join(filter(None, [info.extractor, "pypdf"]))
    repairs: list[str] = []
    try:
        found = _with_deadline(lambda: _read_structure(path, repairs), timeout_s)
    except TimeoutError:
        info.add_error(
            f"reading the PDF took longer than {timeout_s:g} s and was given up "
            "(a damaged or pathological file?)"
        )
        return
    except OSError as exc:
        info.add_error(f"cannot read the file ({exc.strerror or exc})")
        return
    except Exception as exc:
        info.add_error(_damage(path, exc))
        return
    _apply(info, found)
    if repairs and not info.error:
        info.add_note("the PDF was read after repairing it: " + "; ".join(repairs))


def _apply(info: MediaInfo, found: dict[str, Any]) -> None:
    if found.get("pages") is not None:
        info.extra["pages"] = found["pages"]
    for key in ("title", "author"):
        if found.get(key):
            # A title from XMP (descriptive metadata) would be the better one: kept.
            info.extra.setdefault(key, found[key])
    raw = found.get("created")
    if raw:
        info.taken_at_raw = raw
        info.taken_at = pdf_date(raw)
    if found.get("encrypted"):
        info.extra["encrypted"] = True
        if found.get("locked"):
            info.add_note(
                f"encrypted: {found['locked']}, so its pages, title, author and date were not read"
            )
        elif found.get("needs_aes"):
            unread = [k for k in ("pages", "title", "author") if k not in info.extra]
            if not info.taken_at_raw:
                unread.append("date")
            info.add_note(
                "encrypted with AES, which needs the Python package cryptography to read "
                f"({', '.join(unread) or 'some of it'} not read); once it is installed, "
                "`luna scan --full` reads the files again"
            )
        else:
            info.add_note("encrypted (it opens without a password)")
    if found.get("problem"):
        info.add_error(found["problem"])


def _read_structure(path: bytes | str, repairs: list[str]) -> dict[str, Any]:
    """Runs on a thread of its own (see _with_deadline); raises for a damaged file."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    _quiet_pypdf()
    found: dict[str, Any] = {}
    with _collect_repairs(repairs), open(path, "rb") as fh:
        # A file object, not the path: pypdf would read the whole file into memory.
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            found["encrypted"] = True
            try:
                opened = reader.decrypt("")  # the empty user password, if that is all
            except DependencyError:
                found["needs_aes"] = True
                return found
            except Exception as exc:  # a security handler pypdf does not know…
                found["locked"] = f"its encryption cannot be opened ({_reason(exc)})"
                return found
            if not opened:
                found["locked"] = "opening it needs a password"
                return found
        try:
            # Each part on its own: a broken page tree leaves the title readable.
            try:
                found["pages"] = _page_count(reader)
            except DependencyError:
                raise
            except Exception as exc:
                found["problem"] = f"the PDF's page tree is damaged ({_reason(exc)})"
            info = reader.trailer.get("/Info")
            info = info.get_object() if info is not None else None
            if isinstance(info, dict):
                found["title"] = _text(info.get("/Title"))
                found["author"] = _text(info.get("/Author"))
                found["created"] = _text(info.get("/CreationDate"))
        except DependencyError:  # AES-encrypted strings or object streams
            found["needs_aes"] = True
    return found


def _page_count(reader: Any) -> int:
    """The page tree's /Count (one object, as exiftool reads it), or counting the pages
    when it states no plausible number (pypdf bounds that walk and finds cycles)."""
    pages = reader.root_object.get("/Pages")
    pages = pages.get_object() if pages is not None else None
    count = pages.get("/Count") if isinstance(pages, dict) else None
    count = count.get_object() if count is not None else None
    if isinstance(count, int) and not isinstance(count, bool) and 0 < count < 10_000_000:
        return int(count)
    return len(reader.pages)


def _text(value: Any) -> str | None:
    """An information dictionary's string as text; None for none, blank or not a string."""
    if value is None:
        return None
    value = value.get_object()
    if isinstance(value, bytes):  # pypdf could not decode it: most likely Latin-1
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    return str(value).strip(" \0\t\r\n") or None


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _damage(path: bytes | str, exc: BaseException) -> str:
    """What to say about a PDF pypdf could not open: cut short, or damaged."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - 1024))
            tail = fh.read()
    except OSError:
        tail = b"%%EOF"
    if b"%%EOF" not in tail:
        return (
            "the PDF ends early (truncated or damaged: no end-of-file marker); "
            f"it could not be read ({_reason(exc)})"
        )
    return f"the PDF is damaged and could not be read ({_reason(exc)})"


# CreationDate: D:YYYYMMDDHHmmSSOHH'mm' where everything after the year is optional,
# O is +, - or Z, and the apostrophes are often left out (or written as plain quotes).
_PDF_DATE = re.compile(
    r"(?:D:)?\s*(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?"
    r"\s*(?:(Z)|([+-])(\d\d)(?:['’]?(\d\d))?)?"
)


def pdf_date(raw: str) -> str | None:
    """A PDF date as ISO 8601, with the precision it states; None when it is no date.

    "D:20240102030405+01'00'" -> "2024-01-02T03:04:05+01:00"; "D:20240102030405Z" ->
    "2024-01-02T03:04:05+00:00"; "D:20240102030405" -> "2024-01-02T03:04:05" (no
    offset when none is stated); "D:20240102" -> "2024-01-02"; "D:2024" -> "2024";
    all zeros, an impossible day or text that is not a date -> None.
    """
    match = _PDF_DATE.match(raw.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zulu, sign, off_h, off_m = match.groups()
    try:
        if month is None or day is None:
            if int(year) == 0 or (month is not None and not 1 <= int(month) <= 12):
                return None
            return f"{year}-{month}" if month else year
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:  # year 0, month 00, 31 February, hour 25…
        return None
    if hour is None:
        return moment.date().isoformat()
    text = moment.isoformat()
    if zulu:
        return text + "+00:00"
    if sign and int(off_h) <= 14 and int(off_m or 0) < 60:
        return f"{text}{sign}{off_h}:{off_m or '00'}"
    return text


def _with_deadline(work: Callable[[], _T], seconds: float) -> _T:
    """work() on a thread of its own; TimeoutError if it has not ended within `seconds`.

    A read that overruns is abandoned (its result is never used) and interrupted with an
    exception at its next Python instruction, so a pathological file costs one thread
    for a moment, not a worker for ever.
    """
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # handed to the caller, or dropped with the thread
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="luna-pdf", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident or 0), ctypes.py_object(_Abandoned)
        )
        raise TimeoutError
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


class _Abandoned(Exception):
    """Raised into a reader thread that overran its time (see _with_deadline)."""


# pypdf logs what it repairs as warnings (Python's last-resort handler would print them
# on the terminal in the middle of a scan's progress bar). They are kept, per reading
# thread, for the file's note instead.
_repairs_by_thread: dict[int, list[str]] = {}
_quiet_lock = threading.Lock()
_quieted = False


class _RepairLog(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        repairs = _repairs_by_thread.get(threading.get_ident())
        if repairs is None or len(repairs) >= _MAX_REPAIRS:
            return
        try:
            message = record.getMessage().strip()
        except Exception:
            return
        if message and message not in repairs:
            repairs.append(message)


def _quiet_pypdf() -> None:
    global _quieted
    with _quiet_lock:
        if not _quieted:
            log = logging.getLogger("pypdf")
            log.addHandler(_RepairLog(logging.WARNING))
            log.propagate = False
            _quieted = True


@contextmanager
def _collect_repairs(repairs: list[str]) -> Iterator[None]:
    """pypdf's repair messages on this thread go to `repairs` meanwhile."""
    _repairs_by_thread[threading.get_ident()] = repairs
    try:
        yield
    finally:
        _repairs_by_thread.pop(threading.get_ident(), None)
