"""The Debian packages a built bundle needs from the system: the .deb's Depends field.

    python3 packaging/linux/deb_depends.py BUNDLE_DIR

Asks the dynamic loader (ldd) what every executable and shared library in the bundle
links to, keeps what resolves outside the bundle, and asks dpkg which package owns each
of those files: what dpkg-shlibdeps does for a package built from source, done on
PyInstaller's output. libc6 gets the build machine's version as a floor, since the
bundle's own libraries were linked against it. What is needed but not linked (libvlc,
opened with ctypes, and data the bundled libraries read) is added by name. A library
that does not resolve on the build machine stops the build, naming the file needing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

# Needed at run time but not linked: python-vlc opens libvlc with ctypes, and its plugins
# are the demuxers and decoders that read durations and draw video frames; the bundled
# fontconfig and xkbcommon read the system's font configuration (which brings a font)
# and keyboard layouts, which their own Debian packages would have pulled in.
RUNTIME = ("libvlc5", "vlc-plugin-base", "fontconfig-config", "xkb-data")
# ldd's own dependencies of the dynamic loader, always present.
ALWAYS = {"linux-vdso.so.1"}


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def linked(path: Path, internal: Path) -> list[tuple[str, str | None]]:
    """(soname, resolved path or None) for each library `path` links to."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}  # as the bootloader sets it
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
    pairs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" not in parts:
            continue
        name, target = parts[0], parts[parts.index("=>") + 1]
        pairs.append((name, None if target == "not" else target))
    return pairs


@cache
def owner(path: str) -> str | None:
    # usrmerge: dpkg may know /lib/x/libc.so.6 while ldd says /usr/lib/x/… or the reverse.
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    for p in candidates:
        result = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        for line in result.stdout.splitlines() if result.returncode == 0 else ():
            # "diversion by glx-diversions from: …" lines name no owner (NVIDIA's GL).
            if not line.startswith("diversion by"):
                return line.split(":", 1)[0].split(",")[0].strip()
    return None


def installed_version(package: str) -> str:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
    )
    return out.stdout.strip()


def depends(bundle: Path) -> list[str]:
    bundle = bundle.resolve()
    internal = bundle / "_internal"
    packages: set[str] = set()
    missing: list[str] = []
    unowned: set[str] = set()
    for path in sorted(p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()):
        if not is_elf(path):
            continue
        for name, target in linked(path, internal):
            if name in ALWAYS:
                continue
            if target is None:
                missing.append(f"{path.relative_to(bundle)} needs {name}")
            elif not os.path.realpath(target).startswith(str(bundle) + os.sep):
                package = owner(target)
                if package is None:
                    unowned.add(target)
                else:
                    packages.add(package)
    if missing or unowned:
        for line in missing:
            print(f"deb_depends: not found on this machine: {line}", file=sys.stderr)
        for target in sorted(unowned):
            print(f"deb_depends: no package owns {target}", file=sys.stderr)
        raise SystemExit(1)
    fields = []
    for package in sorted(packages | set(RUNTIME)):
        if package == "libc6":
            upstream = installed_version("libc6").split("-")[0]
            fields.append(f"libc6 (>= {upstream})")
        else:
            fields.append(package)
    return fields


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1], "_internal").is_dir():
        print("usage: deb_depends.py BUNDLE_DIR (a PyInstaller onedir bundle)", file=sys.stderr)
        return 2
    print(", ".join(depends(Path(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
