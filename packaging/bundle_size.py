"""Print a built bundle's size against its target, and what takes the room.

    python packaging/bundle_size.py BUNDLE_DIR [TARGET_MB]

Groups the files by what they belong to (Qt, ICU, numpy, Pillow, libheif…) so that a
change in size says where it came from. A bundle over its target (250 MB by default)
is reported, and the command exits 1 so that a build notices.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

TARGET_MB = 250
# (what a reader calls it, a path fragment that marks it); first match wins.
GROUPS = (
    ("ICU data (Qt's Unicode tables)", "libicu"),
    ("Qt libraries", "PySide6/Qt/lib/"),
    ("Qt plugins", "PySide6/Qt/plugins/"),
    ("PySide6 bindings", "PySide6/"),
    ("libheif and its codecs (HEIC)", "pillow_heif"),
    ("numpy and OpenBLAS", "numpy"),
    ("Pillow and its codecs", "pillow.libs"),
    ("Pillow and its codecs", "PIL/"),
    ("cryptography, PyNaCl, bcrypt (SFTP)", "cryptography"),
    ("cryptography, PyNaCl, bcrypt (SFTP)", "nacl/"),
    ("cryptography, PyNaCl, bcrypt (SFTP)", "bcrypt/"),
    ("Python (libpython, standard library)", "python3"),
    ("Python (libpython, standard library)", "libpython"),
    ("Python (libpython, standard library)", "base_library.zip"),
)


def group_of(relative: str) -> str:
    if "/" not in relative:
        return "the executable and its compressed modules"
    for name, mark in GROUPS:
        if mark in relative:
            return name
    if relative.startswith("_internal/lib") and ".so" in relative:
        return "system libraries (X11/xcb, fontconfig, OpenSSL, D-Bus…)"
    return "other Python packages and data"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: bundle_size.py BUNDLE_DIR [TARGET_MB]", file=sys.stderr)
        return 2
    bundle = Path(argv[1])
    target = float(argv[2]) if len(argv) == 3 else TARGET_MB
    sizes: Counter[str] = Counter()
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            sizes[group_of(path.relative_to(bundle).as_posix())] += path.stat().st_size
    total = sum(sizes.values()) / 1e6
    verdict = "within" if total <= target else "OVER"
    print(f"bundle: {total:.0f} MB ({verdict} the {target:.0f} MB target), {bundle}")
    for name, size in sizes.most_common():
        print(f"  {size / 1e6:6.1f} MB  {name}")
    return 0 if total <= target else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
