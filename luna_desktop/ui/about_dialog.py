"""Help → About Luna Desktop…: what Luna is, the versions a bug report needs, and where
its catalogue and settings live, with a button that copies the report.

The report is luna_desktop.versions' (the one `luna-desktop --version` prints), with the
Qt this window runs on. The header and the file locations are shared with the welcome
of the first start (ui.welcome_dialog), and so is the application's icon.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from luna_desktop import __version__
from luna_desktop.catalog.database import catalog_path
from luna_desktop.versions import Row, format_report, version_rows

if TYPE_CHECKING:
    from .main_window import MainWindow

APP_NAME = "Luna Desktop"
DESCRIPTION = (
    "Keyboard-first cataloguing and curation of photo, video and document collections "
    "on external drives."
)
ICON_FILE = "org.lunadesktop.Luna.svg"
COPIED = "Copied to the clipboard: paste it into your bug report."


def app_icon() -> QIcon:
    """The application's icon, the SVG in the package's resources.

    Found through importlib.resources, not next to this file: a PyInstaller build
    collects it at the same place inside the package, and a wheel installs it there.
    The SVG is drawn by Qt's svg image plugin (PySide6-Essentials carries it).
    """
    resource = resources.files("luna_desktop").joinpath("resources", ICON_FILE)
    # A package on disk (a wheel, a source tree, a frozen bundle) gives the file itself;
    # as_file would copy it out of a zip only, which no build of Luna is.
    with resources.as_file(resource) as path:
        return QIcon(str(path))


def window_rows(program: str = "luna-desktop") -> list[Row]:
    """The version report with the Qt this process runs on (and the PySide6 over it)."""
    import PySide6

    return version_rows(f"{qVersion()} (PySide6 {PySide6.__version__})", program)


def header(title: str, subtitle: str = DESCRIPTION) -> QHBoxLayout:
    """The icon, a title in large type and one line under it."""
    icon = QLabel()
    icon.setObjectName("app_icon")
    icon.setPixmap(app_icon().pixmap(64, 64))
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    name = QLabel(title)
    name.setObjectName("app_title")
    font = QFont(name.font())
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setBold(True)
    name.setFont(font)
    line = QLabel(subtitle)
    line.setWordWrap(True)
    column = QVBoxLayout()
    column.setSpacing(4)
    column.addWidget(name)
    column.addWidget(line)
    column.addStretch(1)
    row = QHBoxLayout()
    row.setSpacing(16)
    row.addWidget(icon)
    row.addLayout(column, 1)
    return row


def selectable(text: str, name: str = "") -> QLabel:
    """A label whose text can be selected and copied, by mouse and from the keyboard."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    if name:
        label.setObjectName(name)
    return label


def file_rows(form: QFormLayout, catalog: str, settings_file: str) -> None:
    """Where the catalogue (the curation itself) and the preferences are kept.

    In read-only line edits: a path has no spaces to wrap at, so a long one scrolls
    there instead of stretching the dialog off the screen, and it selects and copies.
    """
    for label, path, name in (
        ("Cata&logue:", catalog, "catalog_path"),
        ("Se&ttings:", settings_file, "settings_path"),
    ):
        field = QLineEdit(path)
        field.setObjectName(name)
        field.setReadOnly(True)
        field.setCursorPosition(0)  # the start of a long path: where it is
        field.setMinimumWidth(360)
        form.addRow(label, field)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return form


class AboutDialog(QDialog):
    """The About box: non-blocking (open()), Escape or Close closes it."""

    def __init__(
        self, rows: list[Row], catalog: str, settings_file: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.rows = list(rows)

        form = _form()
        form.addRow(heading("Versions"))
        for label, value in self.rows:
            form.addRow(f"{label}:", selectable(value, f"version_{label.replace(' ', '_')}"))
        form.addRow(heading("Files"))
        file_rows(form, catalog, settings_file)

        self.copied = QLabel("")
        self.copied.setObjectName("copied_note")
        buttons = QDialogButtonBox()
        self.copy_button = buttons.addButton("Co&py", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("copy_report")
        self.copy_button.setToolTip("Put these versions on the clipboard, as plain text")
        self.copy_button.clicked.connect(self.copy_report)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("close")
        buttons.rejected.connect(self.reject)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(header(APP_NAME, f"Version {__version__}. {DESCRIPTION}"))
        layout.addLayout(form)
        layout.addWidget(self.copied)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        close.setFocus()

    def report(self) -> str:
        """What Copy puts on the clipboard: the lines `luna-desktop --version` prints."""
        return format_report(self.rows)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.copied.setText(COPIED)


def heading(text: str) -> QLabel:
    """A section's title, in bold."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def catalog_text() -> str:
    """The open catalogue's path, as the About box and the welcome show it."""
    path = catalog_path()
    return str(path) if path is not None else "(no catalogue open)"


def show_about(window: MainWindow) -> AboutDialog:
    """Help → About: the versions are read now (under 0.1 s the first time, when
    libvlc and libheif load; nothing grows with the catalogue) and the box opens
    without blocking the window's event loop."""
    dialog = AboutDialog(window_rows(), catalog_text(), window.settings.file_name, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
