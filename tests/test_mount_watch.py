"""Mount checks off the GUI thread: a hung mount is 'not responding', never a frozen window."""

import threading

import pytest

from luna_desktop.ui import mount_watch
from luna_desktop.ui.mount_watch import Mount, MountWatch


@pytest.fixture
def hanging(monkeypatch):
    """isdir() that hangs on paths under /stale until released, as a dead NFS mount does."""
    release = threading.Event()
    calls: list[str] = []
    real = mount_watch.is_folder

    def is_folder(path):
        calls.append(path)
        if path.startswith("/stale"):
            release.wait(30)
            return False
        return real(path)

    monkeypatch.setattr(mount_watch, "is_folder", is_folder)
    monkeypatch.setattr(mount_watch, "CHECK_TIMEOUT_S", 0.2)
    yield calls
    release.set()


def test_a_hung_mount_does_not_hold_up_the_others(qtbot, tmp_path, hanging):
    (tmp_path / "a file").write_bytes(b"x")  # a drive with something on it
    watch = MountWatch()
    gone = str(tmp_path / "unplugged")
    watch.watch(["/stale/nfs", str(tmp_path), gone])
    qtbot.waitUntil(lambda: watch.state(str(tmp_path)) is Mount.MOUNTED, timeout=5000)
    assert watch.state("/stale/nfs") is Mount.NOT_RESPONDING
    assert watch.state(gone) is Mount.ABSENT
    assert not watch.usable("/stale/nfs") and watch.usable(str(tmp_path))
    for _ in range(10):  # rechecks: the hung path is not asked again while it hangs
        with qtbot.waitSignal(watch._result.done, timeout=5000):
            watch.check()
    assert hanging.count("/stale/nfs") == 1
    assert hanging.count(str(tmp_path)) == 11
    assert watch.state(str(tmp_path)) is Mount.MOUNTED
    watch.shutdown()


def test_unknown_until_checked(qtbot):
    watch = MountWatch()
    assert watch.state("/somewhere") is Mount.UNKNOWN and watch.usable("/somewhere")
    assert watch.state(None) is Mount.ABSENT
    watch.shutdown()


def test_an_empty_mount_point_left_behind_is_not_the_drive(tmp_path):
    # An fstab drive unplugged leaves its mount point, an empty folder.
    from luna_desktop.scan.volumes import holds_something

    empty, full = tmp_path / "archive", tmp_path / "card"
    empty.mkdir()
    (full / "DCIM").mkdir(parents=True)
    assert not holds_something(str(empty)) and holds_something(str(full))
    assert not holds_something(str(tmp_path / "gone"))
    assert mount_watch.is_folder is holds_something
