#!/usr/bin/python3
"""Digest of a cxsim results file: one line per dataset (path, dtype, shape,
sha256 of the bytes) and per attribute, skipping what legitimately differs
between two runs of the same inputs (creation time, command line, paths).
Comparisons are of bits: two NaNs are equal only with the same bits, and
-0.0 differs from +0.0.

  h5digest.py FILE            print the digest
  h5digest.py FILE1 FILE2     exit 1 and show differences if they differ
"""
import hashlib
import sys

import h5py
import numpy as np

VOLATILE_ATTRS = {"created_utc", "command_line", "journey_path", "scenario_path", "threads", "mpi_ranks"}


CANONICAL_NAN = 0x7FF8000000000000  # std::nan(""), repr "nan"


def exact(x):
    """x with every NaN other than the canonical quiet NaN replaced by its bit
    pattern. Numeric datasets are hashed from their bytes; values that go
    through repr() (tables with string columns, attributes) are then exact
    too: repr() of a float round-trips every value and keeps the sign of
    zero, and "nan" now stands for one bit pattern only (so digests of files
    whose NaNs are all canonical read as before)."""
    if isinstance(x, (float, np.floating)) and x != x:
        bits = int(np.float64(x).view(np.uint64))
        return x if bits == CANONICAL_NAN else "nan:0x%016x" % bits
    if isinstance(x, (list, tuple)):
        return type(x)(exact(v) for v in x)
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and np.isnan(x).any():
        return exact(x.tolist())
    return x


def digest(path):
    lines = []

    def attrs(name, obj):
        for k in sorted(obj.attrs.keys()):
            if k in VOLATILE_ATTRS:
                continue
            v = obj.attrs[k]
            if isinstance(v, bytes):
                v = v.decode()
            lines.append(f"attr {name}@{k} = {exact(v)!r}")

    def visit(name, obj):
        attrs(name, obj)
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            if obj.dtype.kind == "O" or (obj.dtype.names and any(obj.dtype[n].kind == "O" for n in obj.dtype.names)):
                h = hashlib.sha256(repr(exact(data.tolist() if hasattr(data, "tolist") else data)).encode()).hexdigest()
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
