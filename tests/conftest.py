from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never touch the user's real catalogue or settings, and never need a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Played sound goes nowhere (and needs no sound card): libvlc's null audio output.
os.environ.setdefault("LUNA_AUDIO_OUTPUT", "adummy")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("LUNA_CATALOG", raising=False)
    monkeypatch.delenv("LUNA_DATABASE_URL", raising=False)
    # Secrets go to a keyring file inside this test's home, never the user's keyring.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")


@pytest.fixture
def corpus() -> Path:
    from tests.corpus import require_corpus

    return require_corpus()


@pytest.fixture
def truth() -> list[dict[str, str]]:
    from tests.corpus import truth_rows

    return truth_rows()


@pytest.fixture
def catalog(tmp_path):
    """A fresh catalogue file for one test, bound to the models."""
    from luna_desktop.catalog.database import close_catalog, open_catalog

    path = tmp_path / "catalog.sqlite3"
    db = open_catalog(path)
    yield db
    close_catalog()
