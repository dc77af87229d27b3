"""`luna destination`: where curated files are published.

luna destination add NAME URL [--delayed] [--layout TEMPLATE] [--key-file PATH]
                              [--password | --passphrase] [--remove-local]
                              [--retries N] [--retry-delay SECONDS] [--accept-host-key FP]
luna destination list [--json]
luna destination set NAME [--layout …] [--delayed | --immediate] [--remove-local | --keep-local] …
luna destination trust NAME [--accept-host-key FP]
luna destination remove NAME
"""

from __future__ import annotations

import argparse
import getpass
import sys

from .common import open_from_args, print_json_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "destination",
        help="where curated files are published: add, list, set, trust, remove",
        description=(
            "A destination is a folder (a local disk or a mounted network share) or an SFTP "
            "server (sftp://user@host:port/path). Files marked upload are queued for every "
            "destination and sent with `luna transfer run`. Passwords and key passphrases "
            "are kept in the system keyring, never in the catalogue."
        ),
    )
    actions = p.add_subparsers(dest="destination_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a destination")
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "url", metavar="URL", help="a folder, file:///path or sftp://user@host:port/path"
    )
    _settings(add)
    add.add_argument("--key-file", metavar="PATH", help="an SSH private key for sftp://")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument(
        "--password", action="store_true", help="ask for the SFTP password (kept in the keyring)"
    )
    secret.add_argument(
        "--passphrase",
        action="store_true",
        help="ask for the key file's passphrase (kept in the keyring)",
    )
    add.add_argument(
        "--accept-host-key",
        metavar="FINGERPRINT",
        help="trust the SFTP server's host key if it is this one (SHA256:…), without asking",
    )
    add.set_defaults(run=run_add)

    ls = actions.add_parser("list", help="the destinations and their settings")
    ls.add_argument("--json", action="store_true", help="one JSON object per destination")
    ls.set_defaults(run=run_list)

    change = actions.add_parser("set", help="change a destination's settings")
    change.add_argument("name", metavar="NAME")
    _settings(change, changing=True)
    change.set_defaults(run=run_set)

    trust = actions.add_parser(
        "trust",
        help="check an SFTP server's host key and trust it",
        description="Shows the server's host key fingerprint and asks whether to trust it; "
        "compare it with what the server's administrator gives you.",
    )
    trust.add_argument("name", metavar="NAME")
    trust.add_argument("--accept-host-key", metavar="FINGERPRINT")
    trust.set_defaults(run=run_trust)

    rm = actions.add_parser(
        "remove", help="forget a destination (its published files stay where they are)"
    )
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(run=run_remove)


def _settings(p: argparse.ArgumentParser, changing: bool = False) -> None:
    default = None if changing else argparse.SUPPRESS
    p.add_argument(
        "--layout",
        metavar="TEMPLATE",
        default=default,
        help="the path of each file inside the destination "
        "(default {drive}/{path}/{filename}; also {stem} {ext} {oshash} "
        "{year} {month} {project_group})",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--delayed",
        action="store_const",
        const=True,
        dest="delayed",
        default=default,
        help="jobs wait for `luna transfer run` or Start transfers",
    )
    if changing:
        mode.add_argument(
            "--immediate",
            action="store_const",
            const=False,
            dest="delayed",
            help="jobs start as soon as files are queued (in the window)",
        )
    local = p.add_mutually_exclusive_group()
    local.add_argument(
        "--remove-local",
        action="store_const",
        const=True,
        dest="remove_local",
        default=default,
        help="remove a file from its drive after a verified transfer, when "
        "another copy is known (asked again at first use)",
    )
    if changing:
        local.add_argument(
            "--keep-local",
            action="store_const",
            const=False,
            dest="remove_local",
            help="never remove local copies (the default)",
        )
    p.add_argument(
        "--retries",
        type=int,
        metavar="N",
        default=default,
        dest="retries",
        help="times a failed job is tried again before it is failed (default 5)",
    )
    p.add_argument(
        "--retry-delay",
        type=float,
        metavar="SECONDS",
        default=default,
        help="wait before the first retry (default 60; doubles each time)",
    )


def run_add(args: argparse.Namespace) -> int:
    open_from_args(args, create=True)
    from luna_desktop.transfer import destinations, secrets
    from luna_desktop.transfer.errors import TransferError

    from .main import UserError

    options = {
        k: getattr(args, k)
        for k in ("layout", "delayed", "remove_local", "retry_delay")
        if hasattr(args, k)
    }
    if hasattr(args, "retries"):
        options["max_attempts"] = _attempts(args.retries)
    try:
        where = destinations.parse_url(args.url)
        secret = None
        if args.password or args.passphrase:
            if where.scheme != "sftp":
                raise UserError("a password or passphrase is for sftp:// destinations")
            problem = secrets.keyring_problem()
            if problem:
                raise UserError(problem)
            kind = "password" if args.password else "passphrase"
            secret = (kind, _ask_secret(kind))
        dest = destinations.add(args.name, args.url, key_file=args.key_file, **options)
        if secret is not None:
            secrets.store(dest.name, *secret)
    except TransferError as exc:
        raise UserError(str(exc)) from None
    print(
        f"added {dest.name}: {dest.url} (layout {dest.layout}"
        f"{', delayed' if dest.delayed else ''}"
        f"{', removes local copies after verification' if dest.remove_local else ''})"
    )
    if where.scheme == "sftp":
        _check_host_key(dest, args.accept_host_key)
    else:
        _check_reachable(dest)
    return 0


def _attempts(retries: int) -> int:
    from .main import UserError

    if retries < 0:
        raise UserError("--retries counts the tries after the first one: 0 or more")
    return retries + 1


def _ask_secret(kind: str) -> str:
    if not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\n")  # piped in: one line
    else:
        value = getpass.getpass(f"{'Password' if kind == 'password' else 'Key passphrase'}: ")
    if not value:
        from .main import UserError

        raise UserError(f"no {kind} given")
    return value


def _check_host_key(dest, accept: str | None) -> None:
    from luna_desktop.transfer import host_keys
    from luna_desktop.transfer.destinations import parse_url
    from luna_desktop.transfer.errors import HostKeyChanged, RemoteError, TransferError

    from .main import UserError

    where = parse_url(dest.url)
    try:
        unknown = host_keys.fetch_host_key(where.host, where.port)
    except HostKeyChanged as exc:
        raise UserError(f"WARNING: {exc}") from None
    except RemoteError as exc:
        print(f"luna: could not check the server yet: {exc}", file=sys.stderr)
        print(
            f"luna: run `luna destination trust {dest.name}` when it can be reached",
            file=sys.stderr,
        )
        return
    if unknown is None:
        print(f"the server's host key is known ({where.host}:{where.port})")
        return
    print(f"the server {where.host}:{where.port} is not known yet.")
    print(f"its {unknown.key_type} host key fingerprint is {unknown.fingerprint}")
    if accept is not None:
        if accept.strip() != unknown.fingerprint:
            raise UserError(
                f"the server's key is {unknown.fingerprint}, not {accept.strip()}: not trusted"
            )
    elif not sys.stdin.isatty():
        raise UserError(
            "not trusted: compare the fingerprint with the server's, then run "
            f"`luna destination trust {dest.name} --accept-host-key {unknown.fingerprint}`"
        )
    else:
        answer = input("trust it? (compare with the server administrator's) [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print(f"not trusted; `luna destination trust {dest.name}` asks again")
            return
    try:
        host_keys.trust(unknown)
    except TransferError as exc:
        raise UserError(str(exc)) from None
    print("trusted")


def _check_reachable(dest) -> None:
    from luna_desktop.transfer.errors import RemoteError
    from luna_desktop.transfer.remote import open_remote

    try:
        open_remote(dest).close()
    except RemoteError as exc:
        print(f"luna: warning: {exc}", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer import destinations

    rows = destinations.all_destinations()
    for d in rows:
        info = {
            "name": d.name,
            "url": d.url,
            "layout": d.layout,
            "delayed": d.delayed,
            "paused": d.paused,
            "remove_local": d.remove_local,
            "remove_local_confirmed": d.remove_local_confirmed_at is not None,
            "key_file": d.key_file,
            "retries": d.max_attempts - 1,
            "retry_delay": d.retry_delay,
        }
        if args.json:
            print_json_line(info)
            continue
        flags = [
            f
            for f, on in (
                ("delayed", d.delayed),
                ("paused", d.paused),
                ("removes local copies", d.remove_local),
            )
            if on
        ]
        print(f"{d.name}\t{d.url}\t{d.layout}" + (f"\t{', '.join(flags)}" if flags else ""))
    if not rows and not args.json:
        print("no destinations yet (add one with `luna destination add NAME URL`)")
    return 0


def run_set(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer import destinations
    from luna_desktop.transfer.errors import TransferError

    from .main import UserError

    fields = {
        k: getattr(args, k)
        for k in ("layout", "delayed", "remove_local", "retry_delay")
        if getattr(args, k, None) is not None
    }
    if args.retries is not None:
        fields["max_attempts"] = _attempts(args.retries)
    if not fields:
        raise UserError("nothing to change (see `luna destination set --help`)")
    try:
        dest = destinations.update(args.name, **fields)
    except TransferError as exc:
        raise UserError(str(exc)) from None
    print(
        f"{dest.name}: "
        + ", ".join(
            f"retries = {dest.max_attempts - 1}"
            if k == "max_attempts"
            else f"{k} = {getattr(dest, k)}"
            for k in fields
        )
    )
    return 0


def run_trust(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer import destinations
    from luna_desktop.transfer.errors import TransferError

    from .main import UserError

    try:
        dest = destinations.get(args.name)
        if destinations.parse_url(dest.url).scheme != "sftp":
            raise UserError(f"{dest.name} is a folder; host keys are for sftp:// destinations")
    except TransferError as exc:
        raise UserError(str(exc)) from None
    _check_host_key(dest, args.accept_host_key)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer import destinations, secrets
    from luna_desktop.transfer.errors import TransferError

    from .main import UserError

    try:
        pending = destinations.remove(args.name)
        secrets.forget(args.name)
    except TransferError as exc:
        raise UserError(str(exc)) from None
    extra = f"; {pending} unfinished job(s) dropped" if pending else ""
    print(f"removed {args.name}{extra}; files already published stay where they are")
    return 0
