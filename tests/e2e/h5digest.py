#!/usr/bin/python3
"""Digest of a cxsim results file: one line per dataset (path, dtype, shape,
sha256 of the bytes) and per attribute, skipping what legitimately differs
between two runs of the same inputs (creation time, command line, paths).

  h5digest.py FILE            print the digest
  h5digest.py FILE1 FILE2     exit 1 and show differences if they differ
"""
import hashlib
import sys

import h5py
import numpy as np

VOLATILE_ATTRS = {"created_utc", "command_line", "journey_path", "scenario_path"}


def digest(path):
    lines = []

    def attrs(name, obj):
        for k in sorted(obj.attrs.keys()):
            if k in VOLATILE_ATTRS:
                continue
            v = obj.attrs[k]
            if isinstance(v, bytes):
                v = v.decode()
            lines.append(f"attr {name}@{k} = {v!r}")

    def visit(name, obj):
        attrs(name, obj)
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            if obj.dtype.kind == "O" or (obj.dtype.names and any(obj.dtype[n].kind == "O" for n in obj.dtype.names)):
                h = hashlib.sha256(repr(data.tolist() if hasattr(data, "tolist") else data).encode()).hexdigest()
            else:
                h = hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()
            lines.append(f"data {name} {obj.dtype} {obj.shape} {h}")

    with h5py.File(path, "r") as f:
        attrs("/", f)
        f.visititems(visit)
    return lines


def main(argv):
    if len(argv) == 2:
        print("\n".join(digest(argv[1])))
        return 0
    a, b = digest(argv[1]), digest(argv[2])
    if a == b:
        return 0
    sa, sb = set(a), set(b)
    for line in sorted(sa - sb):
        print("only in", argv[1], ":", line)
    for line in sorted(sb - sa):
        print("only in", argv[2], ":", line)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
