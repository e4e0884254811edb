"""Fixtures of the Python module's tests (docs/python.md).

Run by scripts/test.sh as `python3 -m pytest -q tests/python` with PYTHONPATH
holding the built module (build/python) and CXSIM naming the CLI to compare
with (default build/bin/cxsim).
"""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def cli():
    path = pathlib.Path(os.environ.get("CXSIM", ROOT / "build" / "bin" / "cxsim"))
    if not path.is_file():
        pytest.fail(f"the cxsim command is not built: {path} (set CXSIM)")

    def run(*args, check=True):
        return subprocess.run([str(path), *map(str, args)], cwd=ROOT, capture_output=True, text=True, check=check)

    return run
