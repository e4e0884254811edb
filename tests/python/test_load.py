"""Loading and validating inputs: diagnostics as objects, exceptions with file:line:column."""
import pytest

import cxsim


def write_variant(tmp_path, root, old, new, name="bad.yaml"):
    text = (root / "journeys" / "telecom_support.yaml").read_text()
    assert text.count(old) == 1
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if new.strip() in s)
    return path, line


def test_load_journey(root):
    j = cxsim.load_journey(str(root / "journeys" / "telecom_support.yaml"))
    assert j.name == "telecom_support"
    assert j.touchpoints == ["app_diagnostics", "ivr", "agent", "technician_visit"]
    assert [o["id"] for o in j.outcomes] == ["fixed", "gave_up"]
    assert j.time_unit == "minutes"


def test_input_error_carries_place_and_key(tmp_path, root):
    # ivr's friction (the second `friction: 0.35`-style line) out of range
    path, line = write_variant(tmp_path, root, "friction: 0.35", "friction: 1.35")
    with pytest.raises(cxsim.InputError) as info:
        cxsim.load_journey(str(path))
    e = info.value
    assert e.file == str(path)
    assert e.line == line
    assert e.column > 0
    assert e.key_path == "ivr.friction"
    assert "1.35" in e.message or "[0, 1]" in e.message or "between" in e.message
    assert f"{path}:{line}:{e.column}:" in str(e)
    assert len(e.diagnostics) >= 1 and e.diagnostics[0].severity == "error"


def test_validate_returns_diagnostics_with_suggestion(tmp_path, root):
    path, line = write_variant(tmp_path, root, "    cost: 45\n", "    csot: 45\n")
    v = cxsim.validate(str(path))
    assert not v.valid and not v
    assert v.type == "journey"
    (d,) = v.errors
    assert (d.file, d.line) == (str(path), line)
    assert d.key_path == "technician_visit.csot"
    assert d.suggestion == "cost"
    assert str(d).startswith(f"{path}:{d.line}:{d.column}: error:")
    good = cxsim.validate(str(root / "scenarios" / "retail_whatif.yaml"))
    assert good.valid and good.type == "scenario" and good.errors == []


def test_load_scenario(root):
    s = cxsim.load_scenario(str(root / "scenarios" / "retail_whatif.yaml"))
    assert s.variants and s.journey_path.endswith("retail.yaml")


def test_exception_types(tmp_path, root):
    assert issubclass(cxsim.InputError, cxsim.Error) and issubclass(cxsim.InputError, ValueError)
    assert issubclass(cxsim.RuntimeError, cxsim.Error) and issubclass(cxsim.RuntimeError, RuntimeError)
    assert not issubclass(cxsim.InputError, RuntimeError)
    assert not issubclass(cxsim.RuntimeError, cxsim.InputError)
    # Bad input: a missing journey, a friction cut for a scenario, a damaged results file.
    with pytest.raises(cxsim.InputError):
        cxsim.load_journey(str(tmp_path / "missing.yaml"))
    with pytest.raises(cxsim.InputError):
        cxsim.analyze(str(root / "scenarios" / "retail_whatif.yaml"), reduce=0.5)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(cxsim.InputError):
        cxsim.read_results(str(junk))
    with pytest.raises(cxsim.InputError):
        cxsim.run(str(root / "journeys" / "telecom_support.yaml"), str(tmp_path / "x.h5"), chunk_size=0)


def test_exception_types_match_cli_exit_codes(tmp_path, root, cli):
    journey = root / "journeys" / "telecom_support.yaml"
    # Runtime failure (exit 1): no temporary file can be made in /proc.
    with pytest.raises(cxsim.RuntimeError) as info:
        cxsim.run(str(journey), "/proc/cxsim-test.h5", customers=100, threads=1)
    assert not isinstance(info.value, cxsim.InputError)
    assert cli("run", journey, "-q", "-n", 100, "-o", "/proc/cxsim-test.h5", check=False).returncode == 1
    # Bad input (exit 2): an output that is a device.
    with pytest.raises(cxsim.InputError):
        cxsim.run(str(journey), "/dev/full", customers=100, threads=1)
    assert cli("run", journey, "-q", "-n", 100, "-o", "/dev/full", check=False).returncode == 2


def test_run_bad_file_message_equals_cli(tmp_path, root, cli):
    # A bad journey given to run (not only load_journey): the message the command prints, with file:line:col.
    path, line = write_variant(tmp_path, root, "friction: 0.35", "friction: 1.35")
    with pytest.raises(cxsim.InputError) as info:
        cxsim.run(str(path), str(tmp_path / "r.h5"), customers=100, threads=1)
    e = info.value
    assert (e.file, e.line) == (str(path), line) and e.column > 0
    assert f"{path}:{line}:{e.column}:" in str(e)
    c = cli("run", path, "-q", "-n", 100, "-o", tmp_path / "c.h5", check=False)
    assert c.returncode == 2
    for d in e.diagnostics:
        if d.severity == "error":
            assert str(d) in c.stderr
    assert not (tmp_path / "r.h5").exists() and not (tmp_path / "c.h5").exists()
