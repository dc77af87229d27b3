"""SFTP destinations against a real OpenSSH server: host-key trust, logins with keys and
passphrases from the keyring, the errors a curator sees, and a server that dies or hangs.
Also the known_hosts rules on their own, and the keyring wrapper."""

from __future__ import annotations

import base64
import os
import socket
import stat
import subprocess
import threading
from pathlib import Path

import keyring
import paramiko
import pytest
from keyring.backends import fail

from luna_desktop.transfer import destinations, host_keys, secrets, sftp
from luna_desktop.transfer.errors import HostKeyChanged, HostKeyUnknown, RemoteError, TransferError
from luna_desktop.transfer.remote import open_remote
from tests import sshd_server
from tests.sshd_server import SshServer, fingerprint_of, make_key

sshd = sshd_server.sshd  # the fixture: a real OpenSSH server per test

BOUND = 30  # seconds a call may take before the test calls it hung


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch):
    # A developer's ssh-agent would offer its keys to the test server: logins must
    # depend only on what the test gives.
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv(host_keys.KNOWN_HOSTS_ENV, raising=False)


def _add(name: str, server: SshServer, folder: Path | str, key_file: Path | None = None):
    url = f"sftp://{server.user}@127.0.0.1:{server.port}{folder}"
    key = server.client_key_path if key_file is None else key_file
    return destinations.add(name, url, key_file=str(key))


def _unknown(dest) -> HostKeyUnknown:
    with pytest.raises(HostKeyUnknown) as caught:
        open_remote(dest)
    return caught.value


def _trusted(dest):
    host_keys.trust(_unknown(dest))
    return open_remote(dest)


def _in_thread(call):
    """Run ``call`` on a thread; (finished, its result or exception) after BOUND s."""
    out = {}

    def run():
        try:
            out["value"] = call()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND)
    return not thread.is_alive(), out.get("error", out.get("value"))


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "published"
    path.mkdir()
    return path


# -- trusting the server -----------------------------------------------------------------


def test_an_unknown_server_shows_the_key_ssh_keygen_shows(catalog, sshd, folder):
    dest = _add("nas", sshd, folder)
    unknown = _unknown(dest)
    assert (unknown.host, unknown.port, unknown.key_type) == ("127.0.0.1", sshd.port, "ED25519")
    assert unknown.fingerprint == sshd.host_key_fingerprint
    assert unknown.key_line == sshd.host_key_line()
    assert not host_keys.luna_known_hosts().exists()  # nothing trusted until confirmed
    fetched = host_keys.fetch_host_key("127.0.0.1", sshd.port)
    assert fetched.fingerprint == unknown.fingerprint
    assert fetched.key_line == unknown.key_line


def test_a_trusted_server_takes_files(catalog, sshd, folder):
    dest = _add("nas", sshd, folder)
    unknown = _unknown(dest)
    host_keys.trust(unknown)
    mode = stat.S_IMODE(host_keys.luna_known_hosts().stat().st_mode)
    assert mode == 0o600
    assert host_keys.fetch_host_key("127.0.0.1", sshd.port) is None

    remote = open_remote(dest)
    try:
        remote.makedirs("K7/2024/trip")
        with remote.open_write("K7/2024/trip/a.jpg.part") as fh:
            fh.write(b"first half ")
        with remote.open_write("K7/2024/trip/a.jpg.part", append=True) as fh:
            fh.write(b"second half")
        assert remote.size("K7/2024/trip/a.jpg.part") == 22
        with remote.open_read("K7/2024/trip/a.jpg.part") as fh:
            assert fh.read() == b"first half second half"
        remote.rename("K7/2024/trip/a.jpg.part", "K7/2024/trip/a.jpg")
        assert remote.size("K7/2024/trip/a.jpg.part") is None
        remote.append_text("manifest-sha256.txt", "abc  data/K7/a.jpg\n")
        remote.write_text_atomically("bag-info.txt", "Payload-Oxum: 22.1\n", tmp_suffix=".tmp")
        assert remote.read_text("bag-info.txt") == "Payload-Oxum: 22.1\n"
        remote.remove("bag-info.txt")
        remote.remove("bag-info.txt")  # removing what is gone is no error
        assert remote.size("bag-info.txt") is None
    finally:
        remote.close()
    # The server writes to this computer's disk: what arrived is there, byte for byte.
    assert (folder / "K7/2024/trip/a.jpg").read_bytes() == b"first half second half"
    assert (folder / "manifest-sha256.txt").read_text() == "abc  data/K7/a.jpg\n"
    assert sorted(p.name for p in folder.iterdir()) == ["K7", "manifest-sha256.txt"]


def test_a_server_in_the_users_known_hosts_is_trusted_hashed_and_unchanged(catalog, sshd, folder):
    user_file = Path.home() / ".ssh" / "known_hosts"
    user_file.parent.mkdir()
    user_file.write_text(sshd.host_key_line() + "\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(user_file)], check=True, capture_output=True)
    hashed = user_file.read_bytes()
    assert b"|1|" in hashed and b"127.0.0.1" not in hashed

    open_remote(_add("nas", sshd, folder)).close()
    assert user_file.read_bytes() == hashed  # read, never written
    assert not host_keys.luna_known_hosts().exists()


def test_a_key_of_another_type_stored_for_the_server_is_the_one_asked_for(
    catalog, tmp_path_factory, folder
):
    # The server has an ed25519 and an ECDSA key; the user's ssh knows only the ECDSA
    # one. Asking for ed25519 first would make the server look changed.
    server = SshServer(tmp_path_factory.mktemp("sshd2"), host_key_types=("ed25519", "ecdsa"))
    server.start()
    try:
        user_file = Path.home() / ".ssh" / "known_hosts"
        user_file.parent.mkdir()
        user_file.write_text(server.host_key_line("ecdsa") + "\n")
        open_remote(_add("nas", server, folder)).close()
        assert host_keys.fetch_host_key("127.0.0.1", server.port) is None
    finally:
        server.stop()


def test_a_changed_host_key_is_refused(catalog, sshd, folder):
    dest = _add("nas", sshd, folder)
    _trusted(dest).close()
    old = sshd.host_key_fingerprint
    sshd.restart(new_host_key=True)
    assert sshd.host_key_fingerprint != old

    with pytest.raises(HostKeyChanged) as caught:
        open_remote(dest)
    message = str(caught.value)
    assert sshd.host_key_fingerprint in message
    assert "in between" in message
    assert f"ssh-keygen -R '[127.0.0.1]:{sshd.port}' -f {host_keys.luna_known_hosts()}" in message
    with pytest.raises(HostKeyChanged):
        host_keys.fetch_host_key("127.0.0.1", sshd.port)
    assert not list(folder.iterdir())


# -- logging in --------------------------------------------------------------------------


def test_an_encrypted_key_opens_with_the_passphrase_in_the_keyring(catalog, sshd, folder):
    key = sshd.add_client_key("locked_key", passphrase="correct horse")
    dest = _add("nas", sshd, folder, key_file=key)
    host_keys.trust(_unknown(dest))

    with pytest.raises(RemoteError) as caught:
        open_remote(dest)  # nothing stored yet
    assert "refused the login of user" in str(caught.value)
    assert "locked with a passphrase and none is stored" in str(caught.value)

    secrets.store("nas", "passphrase", "wrong horse")
    with pytest.raises(RemoteError) as caught:
        open_remote(dest)
    assert "passphrase stored for the key file" in str(caught.value)
    assert "is wrong" in str(caught.value)
    assert "horse" not in str(caught.value)

    secrets.store("nas", "passphrase", "correct horse")
    remote = open_remote(dest)
    remote.append_text("hello.txt", "hi\n")
    remote.close()
    assert (folder / "hello.txt").read_text() == "hi\n"

    # A caller may give its own lookup instead of the keyring.
    given = []
    open_remote(dest, secret_lookup=lambda name, kind: given.append(kind) or "correct horse")
    assert "passphrase" in given


def test_a_key_the_server_does_not_know_is_a_refused_login(catalog, sshd, folder):
    stranger = sshd.add_client_key("stranger", authorize=False)
    dest = _add("nas", sshd, folder, key_file=stranger)
    host_keys.trust(_unknown(dest))
    with pytest.raises(RemoteError) as caught:
        open_remote(dest)
    assert str(caught.value).startswith(
        f"127.0.0.1:{sshd.port} refused the login of user {sshd.user} (tried: the key file "
    )


def test_a_key_file_that_is_missing_or_not_a_key(catalog, sshd, folder):
    missing = _add("gone", sshd, folder, key_file=folder.parent / "no_such_key")
    with pytest.raises(RemoteError, match="no_such_key cannot be read"):
        open_remote(missing)
    public = _add("pub", sshd, folder, key_file=Path(str(sshd.client_key_path) + ".pub"))
    with pytest.raises(RemoteError, match="is not a private key"):
        open_remote(public)


def test_a_broken_keyring_does_not_stop_a_key_login(catalog, sshd, folder):
    def broken(name, kind):
        raise TransferError("the system keyring could not read it: D-Bus is gone")

    dest = _add("nas", sshd, folder)
    host_keys.trust(_unknown(dest))
    open_remote(dest, secret_lookup=broken).close()

    stranger = _add("other", sshd, folder, key_file=sshd.add_client_key("x", authorize=False))
    with pytest.raises(RemoteError, match="D-Bus is gone"):
        open_remote(stranger, secret_lookup=broken)  # and the refusal names it


def test_secrets_stay_out_of_the_catalogue_and_settings(catalog, sshd, folder):
    secret = "pass-phrase-7f3a9c"
    key = sshd.add_client_key("locked_key", passphrase=secret)
    dest = _add("nas", sshd, folder, key_file=key)
    secrets.store("nas", "passphrase", secret)
    secrets.store("nas", "password", secret + "-pw")
    host_keys.trust(_unknown(dest))
    open_remote(dest).close()
    assert secrets.lookup("nas", "passphrase") == secret

    # Every file Luna may have written: the catalogue (and its WAL) and all of HOME,
    # but the keyring's own file.
    keyring_file = Path(keyring.get_keyring().file_path).resolve()
    looked = 0
    for root in (Path(catalog.database).parent, Path.home()):
        for path in root.rglob("*"):
            if path.is_file() and path.resolve() != keyring_file:
                assert secret.encode() not in path.read_bytes(), path
                looked += 1
    assert looked >= 2


# -- a server that is not there ----------------------------------------------------------


def test_a_stopped_server_cannot_be_reached(catalog, sshd, folder):
    dest = _add("nas", sshd, folder)
    host_keys.trust(_unknown(dest))
    sshd.stop()
    finished, error = _in_thread(lambda: open_remote(dest))
    assert finished
    assert isinstance(error, RemoteError)
    assert str(error).startswith(f"cannot reach 127.0.0.1:{sshd.port}: the connection was refused")
    with pytest.raises(RemoteError, match="cannot reach"):
        host_keys.fetch_host_key("127.0.0.1", sshd.port)


def test_a_server_killed_mid_write_raises_instead_of_hanging(catalog, sshd, folder):
    remote = _trusted(_add("nas", sshd, folder))
    started, out = threading.Event(), {}

    def write_until_it_fails():
        try:
            with remote.open_write("big.part") as fh:
                while True:
                    fh.write(b"x" * 65536)
                    started.set()
        except BaseException as exc:
            out["error"] = exc

    try:
        writer = threading.Thread(target=write_until_it_fails, daemon=True)
        writer.start()
        assert started.wait(BOUND)
        sshd.stop()  # sshd and the session serving this connection
        writer.join(BOUND)
        assert not writer.is_alive()
        assert isinstance(out["error"], sftp.CONNECTION_ERRORS), repr(out["error"])
        finished, error = _in_thread(lambda: remote.size("big.part"))
        assert finished
        assert isinstance(error, sftp.CONNECTION_ERRORS), repr(error)
    finally:
        remote.close()


def test_a_hung_server_raises_after_the_io_timeout(catalog, sshd, folder, monkeypatch):
    monkeypatch.setattr(sftp, "IO_TIMEOUT", 2.0)
    remote = _trusted(_add("nas", sshd, folder))
    try:
        sshd.pause()  # connections stay open and never answer
        finished, error = _in_thread(lambda: remote.size("anything"))
        assert finished
        assert isinstance(error, TimeoutError)
        assert isinstance(error, sftp.CONNECTION_ERRORS)
    finally:
        sshd.resume()
        remote.close()


def test_a_host_name_that_does_not_exist(catalog):
    dest = destinations.add("typo", "sftp://someone@no-such-host.invalid/data")
    with pytest.raises(RemoteError, match=r"^cannot reach no-such-host.invalid:22: the name"):
        open_remote(dest)


def test_something_that_is_not_an_ssh_server(catalog, folder):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up():
            conn, _ = listener.accept()
            conn.sendall(b"220 ftp.example.org ready\r\n")
            conn.close()

        threading.Thread(target=hang_up, daemon=True).start()
        dest = destinations.add("ftp", f"sftp://someone@127.0.0.1:{port}{folder}")
        with pytest.raises(RemoteError, match="closed the connection before an SSH session"):
            open_remote(dest)


def test_a_missing_remote_folder(catalog, sshd, folder):
    dest = _add("nas", sshd, folder / "not-made")
    host_keys.trust(_unknown(dest))
    with pytest.raises(RemoteError) as caught:
        open_remote(dest)
    assert str(caught.value) == (
        f"the folder {folder}/not-made on 127.0.0.1:{sshd.port} does not exist: create it, "
        "or correct the destination's URL"
    )
    (folder / "a-file").write_bytes(b"x")
    with pytest.raises(RemoteError, match="is a file, not a folder"):
        open_remote(_add("file", sshd, folder / "a-file"))


# -- known_hosts on their own ------------------------------------------------------------


def _public_key(tmp_path: Path, name: str, key_type: str = "ed25519") -> paramiko.PKey:
    path = make_key(tmp_path / name, key_type=key_type)
    algo, blob = Path(str(path) + ".pub").read_text().split()[:2]
    return paramiko.PKey.from_type_string(algo, base64.b64decode(blob))


def _line(name: str, key: paramiko.PKey) -> str:
    return f"{name} {key.get_name()} {key.get_base64()}\n"


def test_known_hosts_files_are_lunas_then_the_users(monkeypatch, tmp_path):
    lunas, users = host_keys.known_hosts_files()
    assert lunas == Path(os.environ["XDG_DATA_HOME"]) / "luna-desktop" / "known_hosts"
    assert users == Path.home() / ".ssh" / "known_hosts"
    monkeypatch.setenv(host_keys.KNOWN_HOSTS_ENV, str(tmp_path / "mine"))
    assert host_keys.known_hosts_files()[0] == tmp_path / "mine"


@pytest.mark.parametrize("hashed", [False, True], ids=["plain", "hashed"])
def test_a_key_is_stored_per_host_and_port(tmp_path, hashed):
    on_2222, on_22 = _public_key(tmp_path, "a"), _public_key(tmp_path, "b")
    user_file = Path.home() / ".ssh" / "known_hosts"
    user_file.parent.mkdir()
    user_file.write_text(_line("[nas.example.org]:2222", on_2222) + _line("nas.example.org", on_22))
    if hashed:
        subprocess.run(["ssh-keygen", "-H", "-f", str(user_file)], check=True, capture_output=True)
        assert b"nas.example.org" not in user_file.read_bytes()

    assert host_keys.check_host_key("nas.example.org", 2222, on_2222) is None
    assert host_keys.check_host_key("NAS.example.org", 22, on_22) is None
    with pytest.raises(HostKeyChanged, match=r"known_hosts \(line 2\)"):
        host_keys.check_host_key("nas.example.org", 22, on_2222)
    with pytest.raises(HostKeyChanged, match=r"known_hosts \(line 1\)"):
        host_keys.check_host_key("nas.example.org", 2222, on_22)
    unknown = host_keys.check_host_key("nas.example.org", 2200, on_2222)
    assert unknown.key_line == _line("[nas.example.org]:2200", on_2222).strip()
    assert host_keys.check_host_key("other.example.org", 2222, on_2222) is not None


def test_the_fingerprint_is_the_one_openssh_prints(tmp_path):
    key = _public_key(tmp_path, "k", "ecdsa")
    assert host_keys.fingerprint(key) == fingerprint_of(tmp_path / "k.pub")
    assert host_keys.key_label(key) == "ECDSA"


def test_damaged_lines_are_skipped_and_revoked_keys_refused(tmp_path):
    good, bad = _public_key(tmp_path, "good"), _public_key(tmp_path, "bad")
    luna_file = host_keys.luna_known_hosts()
    luna_file.parent.mkdir(parents=True)
    luna_file.write_bytes(
        b"# a comment\n\n"
        b"[h]:2222 ssh-ed25519 !!!not-base64!!!\n"
        b"[h]:2222 ssh-unknown-type AAAAB3Nz\n"
        b"[h]:2222\n"
        b"@cert-authority [h]:2222 " + _line("", bad).strip().encode() + b"\n"
        b"\xff\xfe not utf-8\n"
        + _line("[h]:2222", good).replace(" ", "  \t").encode()
        + b"@revoked "
        + _line("[h]:2222", bad).encode()
    )
    assert host_keys.check_host_key("h", 2222, good) is None
    with pytest.raises(HostKeyChanged, match="revoked"):
        host_keys.check_host_key("h", 2222, bad)


def test_trust_appends_once_to_lunas_file_only(tmp_path):
    first, second = _public_key(tmp_path, "one"), _public_key(tmp_path, "two")
    user_file = Path.home() / ".ssh" / "known_hosts"
    user_file.parent.mkdir()
    user_file.write_text("# the user's own\n")
    luna_file = host_keys.luna_known_hosts()
    luna_file.parent.mkdir(parents=True)
    luna_file.write_text("# kept, with no newline at the end")

    one = host_keys.check_host_key("h", 2222, first)
    host_keys.trust(one)
    host_keys.trust(one)
    host_keys.trust(host_keys.check_host_key("g", 22, second))
    assert luna_file.read_text().splitlines() == [
        "# kept, with no newline at the end",
        _line("[h]:2222", first).strip(),
        _line("g", second).strip(),
    ]
    assert user_file.read_text() == "# the user's own\n"
    assert host_keys.check_host_key("h", 2222, first) is None


def test_a_transport_asks_first_for_the_key_type_stored(tmp_path):
    user_file = Path.home() / ".ssh" / "known_hosts"
    user_file.parent.mkdir()
    user_file.write_text(
        _line("[ec]:2222", _public_key(tmp_path, "e", "ecdsa"))
        + _line("[rsa]:2222", _public_key(tmp_path, "r", "rsa"))
    )
    a, b = socket.socketpair()
    try:
        expected = {
            "ec": ["ecdsa-sha2-nistp256"],
            "rsa": ["rsa-sha2-512", "rsa-sha2-256"],
            "none": ["ssh-ed25519"],  # nothing stored: paramiko's own order
        }
        for host, first in expected.items():
            transport = paramiko.Transport(a)
            default = list(transport.get_security_options().key_types)
            host_keys.prefer_stored_key_types(transport, host, 2222)
            types = list(transport.get_security_options().key_types)
            assert types[: len(first)] == first
            assert sorted(types) == sorted(default)
    finally:
        a.close()
        b.close()


# -- the keyring -------------------------------------------------------------------------


def test_secrets_round_trip_and_are_forgotten():
    assert secrets.keyring_problem() is None
    assert secrets.lookup("nas", "password") is None
    secrets.store("nas", "password", "pw-1")
    secrets.store("nas", "passphrase", "pp-1")
    secrets.store("other", "password", "pw-2")
    assert secrets.lookup("nas", "password") == "pw-1"
    assert keyring.get_password("luna-desktop", "nas:passphrase") == "pp-1"
    secrets.store("nas", "password", "")  # an empty value removes one
    assert secrets.lookup("nas", "password") is None
    secrets.forget("nas")
    secrets.forget("nas")  # nothing left: no error
    assert secrets.lookup("nas", "passphrase") is None
    assert secrets.lookup("other", "password") == "pw-2"
    with pytest.raises(ValueError):
        secrets.store("nas", "token", "x")


def test_without_a_keyring_the_curator_is_told_what_to_do_instead():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        problem = secrets.keyring_problem()
        assert "no system keyring" in problem and "ssh-agent" in problem
        with pytest.raises(TransferError, match="cannot save the key passphrase of the dest"):
            secrets.store("nas", "passphrase", "pp")
        with pytest.raises(TransferError, match="no system keyring"):
            secrets.lookup("nas", "password")
        secrets.forget("nas")  # nothing can have been stored
    finally:
        keyring.set_keyring(previous)
