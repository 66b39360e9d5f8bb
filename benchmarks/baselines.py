"""The floors pinless is measured against, run as their own process by ``run.py``.

    python benchmarks/baselines.py hash ROOT    # find, read and sha256 every .py file
    python benchmarks/baselines.py parse ROOT   # find, read and ast.parse every .py file

Each prints ``files=N lines=N`` on success. Imports are kept to the standard modules the work
needs, so the process costs what an interpreter that does this work at least costs.
"""

import os
import sys


def python_files(root):
    """Every .py file under root in a stable order; hidden folders (tool caches, .git) are skipped."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return out


def hash_all(root):
    import hashlib

    lines = 0
    paths = python_files(root)
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        hashlib.sha256(data).digest()
        lines += data.count(b"\n")
    return len(paths), lines


def parse_all(root):
    import ast
    import warnings

    # invalid escape sequences in old code warn on every parse; the warning text is not the work
    warnings.simplefilter("ignore")
    lines = 0
    paths = python_files(root)
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        ast.parse(data, path)
        lines += data.count(b"\n")
    return len(paths), lines


def main():
    mode, root = sys.argv[1], sys.argv[2]
    files, lines = {"hash": hash_all, "parse": parse_all}[mode](root)
    print(f"files={files} lines={lines}")


if __name__ == "__main__":
    main()
