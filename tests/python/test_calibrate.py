"""cxsim.calibrate fits what `cxsim calibrate` fits: the same YAML text (but the command line in its header)."""
import pandas as pd
import pytest

import cxsim


def body(yaml_text):
    # The header names the command that wrote it; everything else must match.
    return [line for line in yaml_text.splitlines() if "cxsim calibrate" not in line and "cxsim.calibrate" not in line]


def test_calibrate_equals_cli(tmp_path, root, cli):
    data = root / "tests" / "data" / "calibrate"
    args = dict(events=data / "shop_events.csv", surveys=data / "shop_surveys.csv", cohorts=data / "shop_cohorts.csv")
    out = tmp_path / "py.yaml"
    r = cxsim.calibrate(**{k: str(v) for k, v in args.items()}, output=str(out), seed=3)
    cli("calibrate", "--events", args["events"], "--surveys", args["surveys"], "--cohorts", args["cohorts"],
        "--seed", 3, "-o", tmp_path / "cli.yaml", "-q")
    assert out.read_text() == r["yaml"]
    assert body(r["yaml"]) == body((tmp_path / "cli.yaml").read_text())
    assert len(body(r["yaml"])) > 20
    assert cxsim.load_journey(str(out)).touchpoints  # loads
    tables = {k: v for k, v in r["report"].items() if k != "@attrs"}
    assert tables and all(isinstance(t, pd.DataFrame) for t in tables.values())


def test_calibrate_repeat_and_bad_data(tmp_path, root):
    # ../shared next to the worktree, as the other tests find it
    r = cxsim.calibrate(repeat=str(root.parent / "shared" / "data" / "fhs2010_donations.csv"))
    assert "engagement: {alpha: 1.20" in r["yaml"]
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,journey_id,timestamp,touchpoint\nc1,j1,2024-01-01T00:00:00,a\nc1,j1,not a time,b\n")
    with pytest.raises(cxsim.InputError) as info:
        cxsim.calibrate(events=str(bad))
    assert info.value.line == 3 or ":3:" in str(info.value)
