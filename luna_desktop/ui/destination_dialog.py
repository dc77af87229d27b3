"""Adding or editing one destination: where it is, how files are laid out there, its
password or key passphrase (kept in the system keyring only), and how it behaves.

OK checks what can be checked at once (the name, the URL, the layout) and says what is
wrong under the field; then, off the GUI thread, an SFTP server's host key is read (an
unknown key is shown for confirmation once) and the destination is written to the
catalogue and its secret to the keyring.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.transfer import destinations
from luna_desktop.transfer.destinations import LAYOUT_FIELDS, TransferError

from .background import LatestOnly
from .destination_saving import (
    DestinationFields,
    KeyFileMissing,
    SecretNotKept,
    keyring_words,
    look_at_server,
    write_destination,
)
from .form_rows import add_row
from .serial_writes import SerialWrites
from .transfer_support import trust_host_key

URL_HELP = (
    "A folder (a local disk or a mounted network share), or an SFTP server as "
    "sftp://user@host:port/path"
)
LAYOUT_HELP = "Where each file goes inside the destination. Fields: " + " ".join(
    "{" + f + "}" for f in sorted(LAYOUT_FIELDS)
)
REMOVE_LOCAL_WARNING = (
    "Deletes each file from its archive drive once its copy here has been read back and "
    "matched, and never a file that is the only copy Luna knows of. Luna asks once more "
    "before the first file goes. Off unless you need the space."
)
RETRY_HELP = "A failed transfer is tried again after the delay, each retry waiting twice as long."
_EXAMPLE = {
    "drive": "K7",
    "path": "2024/Harbour",
    "filename": "IMG_0042.jpg",
    "stem": "IMG_0042",
    "ext": "jpg",
    "oshash": "8e245d9679d31e12",
    "year": "2024",
    "month": "05",
    "project_group": "Harbour survey",
}


class DestinationDialog(QDialog):
    saved = Signal(str)  # the destination's name, once written

    def __init__(
        self,
        parent: QWidget | None = None,
        existing: DestinationFields | None = None,
        taken: frozenset[str] = frozenset(),
    ):
        super().__init__(parent)
        self.setObjectName("destination_dialog")
        self.existing = existing
        self.taken = taken  # names of the other destinations, said at once under the name
        self.setWindowTitle(f"Edit {existing.name}" if existing else "Add destination")
        self._checked_url: str | None = None  # the server check failed: OK again skips it
        self._writes = SerialWrites(self)
        self._keyring = LatestOnly(self)
        self._build(existing or DestinationFields("", ""))
        self._url_changed()
        self._layout_changed()
        self._keyring.request(lambda _stale: keyring_words(), self._keyring_said)

    # -- building ------------------------------------------------------------------------

    def _build(self, fields: DestinationFields) -> None:
        self.name_edit = QLineEdit(fields.name)
        self.name_edit.setPlaceholderText("e.g. Archive")
        if self.existing is not None:
            self.name_edit.setReadOnly(True)
            self.name_edit.setToolTip("A destination keeps its name: its secret is kept under it")
        self.name_error = _error()

        self.url_edit = QLineEdit(fields.url)
        self.url_edit.setPlaceholderText("/mnt/archive or sftp://ada@example.org/photos")
        self.folder_button = QPushButton("&Folder…")
        self.url_error = _error()
        url_row = _row(self.url_edit, self.folder_button)

        self.key_edit = QLineEdit(fields.key_file or "")
        self.key_edit.setPlaceholderText("optional: ~/.ssh/id_ed25519 (else ssh-agent, ~/.ssh)")
        self.key_button = QPushButton("C&hoose…")
        self.key_error = _error()
        key_row = _row(self.key_edit, self.key_button)

        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText(
            "leave empty to keep what is stored" if self.existing else "optional"
        )
        self.forget_box = QCheckBox("F&orget the stored password or passphrase")
        self.forget_box.setVisible(self.existing is not None)
        self.keyring_note = _hint("Looking for the system keyring…")

        self.layout_edit = QLineEdit(fields.layout)
        self.layout_example = _hint("")
        self.layout_error = _error()

        self.delayed_box = QCheckBox("&Delayed: transfers wait until you press Start Transfers")
        self.delayed_box.setChecked(fields.delayed)
        self.remove_box = QCheckBox("Remove the local &copy after a verified transfer")
        self.remove_box.setChecked(fields.remove_local)
        self.remove_warning = _hint("Warning: " + REMOVE_LOCAL_WARNING)

        # Shown as retries, as the issue and `--retries` count them; stored as attempts.
        self.attempts_spin = QSpinBox()
        self.attempts_spin.setRange(0, 99)
        self.attempts_spin.setValue(fields.max_attempts - 1)
        self.attempts_spin.setSuffix(" retries")
        self.delay_spin = QSpinBox()
        self.delay_spin.setRange(0, 7 * 86_400)
        self.delay_spin.setValue(int(fields.retry_delay))
        self.delay_spin.setSuffix(" s")
        retry_row = QHBoxLayout()
        retry_row.addWidget(self.attempts_spin)
        delay_label = QLabel("first &retry after")
        delay_label.setBuddy(self.delay_spin)
        retry_row.addSpacing(12)
        retry_row.addWidget(delay_label)
        retry_row.addWidget(self.delay_spin)
        retry_row.addStretch(1)

        self.error = _error()
        self.error.setObjectName("destination_error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        for button in (self.folder_button, self.key_button):
            button.setAutoDefault(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        add_row(form, "&Name:", self.name_edit, self.name_error)
        add_row(form, "&Where:", url_row, _hint(URL_HELP), self.url_error, buddy=self.url_edit)
        add_row(form, "SSH &key file:", key_row, self.key_error, buddy=self.key_edit)
        add_row(
            form, "&Password or\nkey passphrase:", self.secret_edit, self.forget_box,
            self.keyring_note,
        )  # fmt: skip
        add_row(
            form, "&Layout:", self.layout_edit, self.layout_example, _hint(LAYOUT_HELP),
            self.layout_error,
        )  # fmt: skip
        add_row(form, "Starting:", self.delayed_box)
        add_row(form, "Local copies:", self.remove_box, self.remove_warning)
        add_row(form, "&Retries:", retry_row, _hint(RETRY_HELP), buddy=self.attempts_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)

        self.url_edit.textChanged.connect(self._url_changed)
        self.layout_edit.textChanged.connect(self._layout_changed)
        self.remove_box.toggled.connect(self._remove_toggled)
        self.folder_button.clicked.connect(self._choose_folder)
        self.key_button.clicked.connect(self._choose_key)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._remove_toggled(fields.remove_local)

    # -- live hints ----------------------------------------------------------------------

    def _is_sftp(self) -> bool:
        return self.url_edit.text().strip().lower().startswith(("sftp://", "ssh://"))

    def _url_changed(self) -> None:
        sftp = self._is_sftp()
        for widget in (self.key_edit, self.key_button, self.secret_edit):
            widget.setEnabled(sftp and (widget is not self.secret_edit or self._keyring_ok()))
        self.url_error.hide()

    def _keyring_ok(self) -> bool:
        return getattr(self, "_keyring_problem", None) is None

    def _keyring_said(self, said: tuple[str | None, str]) -> None:
        problem, where = said
        self._keyring_problem = problem
        if problem:
            self.keyring_note.setText(f"Cannot keep a password here: {problem}")
            self.keyring_note.setForegroundRole(QPalette.ColorRole.WindowText)
        else:
            self.keyring_note.setText(
                f"Kept only in the system keyring ({where}), under “luna-desktop”: never in "
                "the catalogue or a settings file. For sftp:// destinations."
            )
        self._url_changed()

    def _layout_changed(self) -> None:
        self.layout_error.hide()
        try:
            layout = destinations.check_layout(self.layout_edit.text())
            example = destinations.remote_path(layout, _EXAMPLE)
        except TransferError:
            self.layout_example.hide()
            return
        self.layout_example.setText(f"e.g. {example}")
        self.layout_example.show()

    def _remove_toggled(self, on: bool) -> None:
        # In words as well as in weight: the warning reads the same in any colour.
        font = self.remove_warning.font()
        font.setBold(on)
        self.remove_warning.setFont(font)
        role = QPalette.ColorRole.WindowText if on else QPalette.ColorRole.PlaceholderText
        self.remove_warning.setForegroundRole(role)

    def _choose_folder(self) -> None:
        start = self.url_edit.text().strip()
        folder = QFileDialog.getExistingDirectory(
            self, "Destination folder", "" if "://" in start else start
        )
        if folder:
            self.url_edit.setText(folder)

    def _choose_key(self) -> None:
        start = os.path.expanduser("~/.ssh")
        path, _ = QFileDialog.getOpenFileName(self, "SSH private key", start)
        if path:
            self.key_edit.setText(path)

    # -- OK ----------------------------------------------------------------------------------

    def fields(self) -> DestinationFields:
        key = self.key_edit.text().strip() if self._is_sftp() else ""
        return DestinationFields(
            name=self.name_edit.text().strip(),
            url=self.url_edit.text().strip(),
            layout=self.layout_edit.text().strip(),
            delayed=self.delayed_box.isChecked(),
            key_file=os.path.expanduser(key) if key else None,
            remove_local=self.remove_box.isChecked(),
            max_attempts=self.attempts_spin.value() + 1,
            retry_delay=float(self.delay_spin.value()),
        )

    def accept(self) -> None:
        """Check, then (off the GUI thread) look at the server and save."""
        if not self.ok_button.isEnabled():
            return
        fields = self.fields()
        where = self._validate(fields)
        if where is None:
            return
        self._busy("Checking…")
        if where.scheme == "sftp" and self._checked_url != fields.url:
            self._writes.submit(
                lambda: look_at_server(where, fields.key_file),
                lambda unknown: self._server_seen(fields, unknown),
                lambda exc: self._server_unseen(fields, exc),
            )
        else:
            self._save(fields)

    def _validate(self, fields: DestinationFields):
        """The URL taken apart, or None with the errors shown under their fields."""
        for label in (self.name_error, self.url_error, self.key_error, self.layout_error):
            label.hide()
        self.error.hide()
        where = None
        if self.existing is None:
            _check(self.name_error, lambda: _new_name(fields.name, self.taken))
        where = _check(self.url_error, lambda: destinations.parse_url(fields.url))
        _check(self.layout_error, lambda: destinations.check_layout(fields.layout))
        bad = any(
            label.isVisibleTo(self)
            for label in (self.name_error, self.url_error, self.layout_error)
        )
        self._fit()
        return None if bad else where

    def _server_seen(self, fields: DestinationFields, unknown) -> None:
        if unknown is not None:
            if not trust_host_key(self, unknown):
                self._idle(
                    "Not saved: the server's key was not trusted. Compare its fingerprint "
                    "with the one the server's administrator gives you."
                )
                return
            from luna_desktop.transfer import host_keys

            self._writes.submit(
                lambda: host_keys.trust(unknown),
                lambda _r: self._save(fields),
                lambda exc: self._idle(f"Not saved: {exc}"),
            )
            return
        self._save(fields)

    def _server_unseen(self, fields: DestinationFields, exc: Exception) -> None:
        if isinstance(exc, KeyFileMissing):
            self.key_error.setText(str(exc))
            self.key_error.show()
            self._idle("")
            return
        self._checked_url = fields.url  # OK once more saves without the check
        self._idle(
            f"Could not check the server's host key: {exc}. Press OK again to save anyway; "
            "the key is then checked, and shown to you, before the first transfer."
        )

    def _save(self, fields: DestinationFields) -> None:
        secret = self.secret_edit.text()
        forget = self.forget_box.isChecked()
        existing = self.existing
        self._busy("Saving…")
        self._writes.submit(
            lambda: write_destination(fields, existing is not None, secret, forget),
            lambda _r: self._saved(fields.name),
            lambda exc: self._not_saved(fields, exc),
        )

    def _saved(self, name: str) -> None:
        self.secret_edit.clear()
        self.saved.emit(name)
        super().accept()

    def _not_saved(self, fields: DestinationFields, exc: Exception) -> None:
        if isinstance(exc, SecretNotKept):
            # The destination is in the catalogue: from here on this dialog edits it.
            self.existing = fields
            self.name_edit.setReadOnly(True)
            self.saved.emit(fields.name)
            self._idle(f"Saved, but {exc}. Press OK to try again, or Cancel.")
            return
        self._idle(f"Not saved: {exc}")

    def _busy(self, text: str) -> None:
        self.ok_button.setEnabled(False)
        self.error.setText(text)
        self.error.show()

    def _idle(self, text: str) -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self._fit()

    def _fit(self) -> None:
        # Room for the messages shown: wrapped labels only know their height once the
        # layout has run, so the dialog grows a moment later.
        QTimer.singleShot(0, lambda: self.resize(self.width(), self.sizeHint().height()))

    def reject(self) -> None:
        self.secret_edit.clear()
        super().reject()


def _new_name(name: str, taken: frozenset[str]) -> str:
    name = destinations.check_name(name)
    if name in taken:
        raise TransferError(f"there is already a destination called {name}")
    return name


def _check(label: QLabel, check):
    try:
        return check()
    except TransferError as exc:
        label.setText(_sentence(str(exc)))
        label.show()
        return None


def _sentence(text: str) -> str:
    """Capitalised, unless it starts with a URL or a path (which keep their case)."""
    first = text.split(" ", 1)[0]
    return text if "/" in first or ":" in first[:-1] else text[:1].upper() + text[1:]


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(widgets[0], 1)
    for widget in widgets[1:]:
        row.addWidget(widget)
    return row


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    label.setFont(font)
    return label


def _error() -> QLabel:
    """A message under a field: hidden until something is wrong; in words and in bold,
    never by colour alone."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.hide()
    return label
