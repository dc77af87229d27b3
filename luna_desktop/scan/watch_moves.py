"""Moves on a watched drive: a moved or renamed file keeps its row.

Its UUID, curation, tags, albums and history stay with it; only the path columns change.
A moved folder takes every row below it along, a bounded chunk of rows per
transaction, so a curator's save never waits behind the renaming of a whole drive.
Names are matched by their exact bytes (scan.folder_rows), so names that are not valid
UTF-8 move like any other; their exact bytes stay in raw_path.

Moves the observer could not pair (a file moved off the drive and back, or copied and
then deleted) are found by content afterwards, as a scan finds them (scan.relink).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from luna_desktop.catalog.models import DB
from luna_desktop.catalog.paths import join_folder, relpath_bytes, to_text

from .folder_rows import FolderRows, folder_rows
from .relink import relink_in_chunks
from .transactions import write_transaction
from .walk import FolderListing
from .watch_events import Move

IDS_PER_QUERY = 500  # ids bound into one IN (…) list


@dataclass
class Moved:
    """What the moves of a batch did."""

    lines: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # rows of files moved on their own
    count: int = 0  # rows that took a new path, also those moved with their folder
    folders: set[str] = field(default_factory=set)  # where they were and where they are
    # Folders whose rows could not all take their new path (rows were already there):
    # to be compared with the catalogue like a folder created or deleted.
    recheck: list[bytes] = field(default_factory=list)


class Mover:
    """Applies a batch's moves in the order they happened."""

    def __init__(self, drive_id: int, chunk: int) -> None:
        self.drive_id = drive_id
        self.chunk = chunk
        self._rows: dict[bytes, FolderRows] = {}
        self._pending: list[tuple[str, str, bytes | None, int]] = []

    def apply(self, moves: Iterable[Move]) -> Moved:
        done = Moved()
        self._rows.clear()
        for move in moves:
            if move.is_folder:
                self._write_file_moves()
                self._move_folder(move, done)
                self._rows.clear()  # their rows have moved
            else:
                self._move_file(move, done)
        self._write_file_moves()
        self._rows.clear()
        return done

    def _folder(self, rel: bytes) -> FolderRows:
        """A folder's rows as the moves so far left them (written in chunks later)."""
        rows = self._rows.get(rel)
        if rows is None:
            text, exact = to_text(rel)
            rows = self._rows[rel] = folder_rows(self.drive_id, FolderListing(rel, text, exact))
        return rows

    def _move_file(self, move: Move, done: Moved) -> None:
        src_dir, _, src_name = move.src.rpartition(b"/")
        dst_dir, _, dst_name = move.dst.rpartition(b"/")
        src_rows = self._folder(src_dir)
        row = src_rows.known.get(src_name)
        dst_rows = self._folder(dst_dir)
        if row is None or dst_name in dst_rows.known:
            # Not catalogued yet, or it replaced a catalogued file, which keeps its row
            # (an editor saving through a temporary file): both folders are compared
            # with the catalogue afterwards anyway.
            return
        del src_rows.known[src_name]
        src_rows.taken.discard(row.text)
        folder_text, folder_exact = to_text(dst_dir)
        name_text, name_exact = to_text(dst_name)
        text = dst_rows.text_for(name_text)
        raw = None if folder_exact and name_exact and text == name_text else move.dst
        dst_rows.known[dst_name] = replace(row, text=text)
        self._pending.append((folder_text, text, raw, row.id))
        src_text = to_text(src_dir)[0]
        verb = "renamed" if src_dir == dst_dir else "moved"
        done.lines.append(
            f"{verb} {join_folder(src_text, row.text)} → {join_folder(folder_text, text)}"
        )
        done.ids.append(row.id)
        done.count += 1
        done.folders.update((src_text, folder_text))

    def _write_file_moves(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self.chunk):
            with write_transaction():
                # OR IGNORE: a row another writer put at the new path meanwhile keeps it;
                # this one stays, and its folder's comparison marks it missing.
                DB.connection().executemany(
                    "UPDATE OR IGNORE file_entry SET folder = ?, filename = ?, raw_path = ? "
                    "WHERE id = ?",
                    pending[start : start + self.chunk],
                )

    def _move_folder(self, move: Move, done: Moved) -> None:
        """Every row below the folder takes the new path, a chunk per transaction. The
        rows are read a chunk at a time too: a top folder may hold a million files."""
        src_text, src_exact = to_text(move.src)
        dst_text, dst_exact = to_text(move.dst)
        below, below_params = subtree_sql(src_text)
        moved = seen = 0
        after = 0
        while True:
            rows = DB.execute_sql(
                f"SELECT id, folder, filename, raw_path FROM file_entry "
                f"WHERE drive_id = ? AND {below} AND id > ? ORDER BY id LIMIT ?",
                (self.drive_id, *below_params, after, self.chunk),
            ).fetchall()
            if not rows:
                break
            after = rows[-1][0]
            seen += len(rows)
            moved += self._move_rows(move, rows, (src_text, src_exact), (dst_text, dst_exact))
            for _id, folder, _name, _raw in rows:
                done.folders.update((folder, dst_text + folder[len(src_text) :]))
        if moved < seen:
            done.recheck += [move.src, move.dst]
        if not moved:
            return
        same_parent = move.src.rpartition(b"/")[0] == move.dst.rpartition(b"/")[0]
        files = "file" if moved == 1 else "files"
        done.lines.append(
            f"{'renamed' if same_parent else 'moved'} folder {src_text} → {dst_text} "
            f"({moved:,} {files})"
        )
        done.count += moved

    def _move_rows(self, move: Move, rows: list, src: tuple, dst: tuple) -> int:
        """One chunk of a folder move, in one transaction; returns how many moved.
        Rows whose path is plain text move by rewriting the folder's beginning; rows
        kept by their exact bytes (raw_path) get their new bytes one by one."""
        (src_text, src_exact), (dst_text, dst_exact) = src, dst
        below, below_params = subtree_sql(src_text)
        if src_exact and dst_exact:
            plain = [r[0] for r in rows if r[3] is None]
            by_bytes = [r for r in rows if r[3] is not None]
        else:
            plain, by_bytes = [], rows
        updates = []
        for file_id, folder, filename, raw_path in by_bytes:
            old = relpath_bytes(folder, filename, raw_path)
            if not old.startswith(move.src + b"/"):
                continue  # a folder whose name only reads the same
            new = move.dst + old[len(move.src) :]
            new_folder = to_text(new.rpartition(b"/")[0])[0]
            as_text = relpath_bytes(new_folder, filename, None) == new
            updates.append((new_folder, None if as_text else new, file_id))
        moved = 0
        with write_transaction():
            if plain:
                marks = ", ".join("?" * len(plain))
                moved += DB.execute_sql(
                    "UPDATE OR IGNORE file_entry SET folder = ? || substr(folder, ?) "
                    f"WHERE id IN ({marks}) AND {below}",
                    (dst_text, len(src_text) + 1, *plain, *below_params),
                ).rowcount
            if updates:
                cursor = DB.connection().executemany(
                    "UPDATE OR IGNORE file_entry SET folder = ?, raw_path = ? WHERE id = ?",
                    updates,
                )
                moved += max(cursor.rowcount, 0)
        return moved


def found_again(
    drive_id: int, run_id: int, chunk: int, added: dict[int, str], gone: dict[int, str]
) -> Moved:
    """Pair files that went and came back elsewhere with the same size and oshash (moved
    off the drive and on again, copied then deleted), as after a scan: the old row takes
    the new path, the new row goes. `added` and `gone` ({id: path}, this batch's new and
    newly missing rows) lose the rows paired."""
    done = Moved()
    twins = _twins(drive_id, run_id, added, gone)
    if not twins:
        return done
    # Rows this watch added (and any scan since) may be paired; a chunk per transaction.
    for _ in relink_in_chunks(drive_id, run_id - 1, chunk):
        pass
    for ids in chunks(list(twins)):
        marks = ", ".join("?" * len(ids))
        back = DB.execute_sql(
            f"SELECT id, folder, filename FROM file_entry WHERE id IN ({marks}) AND present = 1",
            ids,
        ).fetchall()
        for file_id, folder, filename in back:
            done.lines.append(f"moved {twins[file_id]} → {join_folder(folder, filename)}")
            done.ids.append(file_id)
            done.count += 1
            done.folders.update((twins[file_id].rpartition("/")[0], folder))
            gone.pop(file_id, None)
    still: set[int] = set()
    for ids in chunks(list(added)):
        marks = ", ".join("?" * len(ids))
        still.update(
            r[0] for r in DB.execute_sql(f"SELECT id FROM file_entry WHERE id IN ({marks})", ids)
        )
    for file_id in [i for i in added if i not in still]:
        del added[file_id]
    return done


def _twins(
    drive_id: int, run_id: int, added: dict[int, str], gone: dict[int, str]
) -> dict[int, str]:
    """Missing rows of the drive with the size and oshash of a row in `added`, and rows
    in `gone` with those of a present row this watch added: {id: path}. Driven from the
    batch's few rows, so a drive with many missing files costs nothing until a pair is
    likely; empty files all share one oshash and never pair."""
    out: dict[int, str] = {}
    for ids in chunks(list(added)):
        marks = ", ".join("?" * len(ids))
        out.update(
            (i, join_folder(f, n))
            for i, f, n in DB.execute_sql(
                "SELECT o.id, o.folder, o.filename FROM file_entry n JOIN file_entry o "
                "ON o.size = n.size AND o.oshash = n.oshash "
                f"WHERE n.id IN ({marks}) AND n.size > 0 AND n.version = 1 "
                "AND o.drive_id = ? AND o.present = 0",
                (*ids, drive_id),
            )
        )
    for ids in chunks(list(gone)):
        marks = ", ".join("?" * len(ids))
        out.update(
            (i, join_folder(f, n))
            for i, f, n in DB.execute_sql(
                "SELECT DISTINCT o.id, o.folder, o.filename "
                "FROM file_entry o JOIN file_entry n ON n.size = o.size AND n.oshash = o.oshash "
                f"WHERE o.id IN ({marks}) AND o.size > 0 AND o.present = 0 AND n.drive_id = ? "
                "AND n.present = 1 AND n.added_scan >= ? AND n.version = 1",
                (*ids, drive_id, run_id),
            )
        )
    return out


def subtree_sql(text: str) -> tuple[str, tuple[str, str, str]]:
    """A folder and every folder below it, as a range the (drive, folder) index answers
    ('0' follows '/')."""
    return "(folder = ? OR (folder > ? AND folder < ?))", (text, text + "/", text + "0")


def chunks(ids: list, size: int = IDS_PER_QUERY) -> Iterable[list]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
