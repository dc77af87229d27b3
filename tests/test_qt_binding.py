"""Guards against a Qt binding that corrupts the interpreter over a long session.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call of a method
that returns void; a curator's day of j and Ctrl+Enter then crashes the window with
"deallocating None". pyproject.toml keeps that release out; this test fails if a
binding with the same fault comes back.
"""

import sys

from PySide6.QtCore import QStringListModel
from PySide6.QtWidgets import QComboBox, QLineEdit


def test_void_calls_do_not_release_none(qapp):
    line, combo, model = QLineEdit(), QComboBox(), QStringListModel()
    before = sys.getrefcount(None)
    for _ in range(2000):
        line.setText("x")
        combo.clear()
        model.setStringList([])
    # Other code may create or drop a few references meanwhile; 6000 lost ones is the bug.
    assert sys.getrefcount(None) - before > -100
