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


def _local_log(src, dst, zone, with_name):
    """The log with its UTC timestamps written as wall-clock times in `zone`
    (with the zone's name, or bare for --timezone); a time in a DST overlap's
    second pass (which reads back as the first) keeps its Z form."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    lines = src.read_text().splitlines()
    out, local_rows = [lines[0]], 0
    for line in lines[1:]:
        f = line.split(",")
        t = datetime.fromisoformat(f[2].replace("Z", "+00:00"))
        wall = t.astimezone(tz)
        if wall.fold == 0 and wall.replace(fold=1).utcoffset() == wall.utcoffset():
            f[2] = wall.strftime("%Y-%m-%d %H:%M:%S.%f") + (" " + zone if with_name else "")
            local_rows += 1
        out.append(",".join(f))
    dst.write_text("\n".join(out) + "\n")
    return local_rows


def test_calibrate_zone_names_and_timezone(tmp_path, root, cli):
    # The same instants written as Amsterdam wall-clock times (named, or bare
    # with timezone=) fit the same journey as the UTC log.
    src = root / "tests" / "data" / "calibrate" / "shop_events.csv"
    for d in ("utc", "named", "bare"):
        (tmp_path / d).mkdir()
    (tmp_path / "utc" / "events.csv").write_text(src.read_text())
    assert _local_log(src, tmp_path / "named" / "events.csv", "Europe/Amsterdam", True) > 1000
    _local_log(src, tmp_path / "bare" / "events.csv", "Europe/Amsterdam", False)

    def fit(d, **kw):
        r = cxsim.calibrate(events=str(tmp_path / d / "events.csv"), seed=3, **kw)
        return r, [line.replace(f"/{d}/", "/X/") for line in body(r["yaml"])]

    utc, utc_body = fit("utc")
    named, named_body = fit("named")
    bare, bare_body = fit("bare", timezone="Europe/Amsterdam")
    assert named_body == utc_body and bare_body == utc_body
    assert "with a zone name" in named["summary"]
    assert "without zone (read in Europe/Amsterdam)" in bare["summary"]
    assert "read as UTC" in fit("bare")[0]["summary"]  # without timezone=

    # Across the spring change the zone decides the durations: 01:xx CET to
    # 03:xx CEST is one hour less than the wall clocks say. Named zones equal
    # the explicit offsets; the bare times read as UTC do not (so the
    # comparisons above can fail).
    def dst_log(d, stamp):
        (tmp_path / d).mkdir()
        rows = ["journey_id,timestamp,touchpoint"]
        for i in range(40):
            rows += [f"j{i},{stamp(1, 10 + i % 30)},a", f"j{i},{stamp(3, 20 + i % 25)},b"]
        (tmp_path / d / "events.csv").write_text("\n".join(rows) + "\n")

    dst_log("dst_offsets", lambda h, m: f"2024-03-31T{h:02}:{m:02}:00" + ("+01:00" if h < 2 else "+02:00"))
    dst_log("dst_named", lambda h, m: f"2024-03-31 {h:02}:{m:02}:00 Europe/Amsterdam")
    dst_log("dst_bare", lambda h, m: f"2024-03-31 {h:02}:{m:02}:00")
    offsets_body = fit("dst_offsets", time_unit="minutes")[1]
    assert fit("dst_named", time_unit="minutes")[1] == offsets_body
    assert fit("dst_bare", time_unit="minutes", timezone="Europe/Amsterdam")[1] == offsets_body
    assert fit("dst_bare", time_unit="minutes")[1] != offsets_body
    # A time in the gap and one in the overlap: read, and counted in the report.
    gap = tmp_path / "gap.csv"
    gap.write_text("journey_id,timestamp,touchpoint\nj1,2024-03-31 02:30 Europe/Amsterdam,a\n"
                   "j1,2024-03-31 04:00 Europe/Amsterdam,b\nj2,2024-10-27 02:30 Europe/Amsterdam,a\n"
                   "j2,2024-10-27 04:00 Europe/Amsterdam,b\n")
    r = cxsim.calibrate(events=str(gap))
    dq = r["report"]["calibration/data_quality"].set_index("item")["count"]
    assert dq["timestamps_in_dst_gap"] == 1 and dq["timestamps_in_dst_overlap"] == 1
    assert "1 in a DST gap" in r["summary"] and "read as the earlier instant" in r["summary"]

    # An unknown zone: exit 2 with a did-you-mean, from the command and from Python.
    bad = cli("calibrate", "--events", tmp_path / "bare" / "events.csv", "--timezone", "Europe/Amsterdm",
              "-o", tmp_path / "x.yaml", check=False)
    assert bad.returncode == 2 and "did you mean 'Europe/Amsterdam'?" in bad.stderr, bad.stderr
    with pytest.raises(cxsim.InputError, match="did you mean 'Europe/Amsterdam'"):
        cxsim.calibrate(events=str(tmp_path / "bare" / "events.csv"), timezone="Europe/Amsterdm")
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text((tmp_path / "named" / "events.csv").read_text().replace("Europe/Amsterdam",
                                                                                   "Europe/Amsterdm"))
    r = cli("calibrate", "--events", misspelt, "--on-bad-row", "skip", "-o", tmp_path / "x.yaml", check=False)
    assert r.returncode == 2 and ":2" in r.stderr and "did you mean 'Europe/Amsterdam'?" in r.stderr, r.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_calibrate_distributions_equals_cli_and_feeds_uncertainty(tmp_path, root, cli):
    # distributions=True is --distributions: every fitted parameter with its distribution, for run(uncertainty=N).
    data = root / "tests" / "data" / "calibrate"
    ev = data / "shop_events.csv"
    plain = cxsim.calibrate(events=str(ev), seed=3)
    r = cxsim.calibrate(events=str(ev), seed=3, distributions=True, output=str(tmp_path / "d.yaml"))
    cli("calibrate", "--events", ev, "--seed", 3, "--distributions", "-o", tmp_path / "cli.yaml", "-q")
    assert body(r["yaml"]) == body((tmp_path / "cli.yaml").read_text())
    assert body(r["yaml"]) != body(plain["yaml"])
    info = cxsim.run(str(tmp_path / "d.yaml"), str(tmp_path / "u.h5"), customers=300, seed=1, threads=1,
                     uncertainty=3)
    assert info["uncertainty_draws"] == 3


def test_calibrate_bad_file_message_equals_cli(tmp_path, cli):
    # A bad timestamp on line 3: the InputError's text is what the command prints (file:line first; the CSV
    # reader names the column, 'timestamp', instead of a column number: column is 0).
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,journey_id,timestamp,touchpoint\nc1,j1,2024-01-01T00:00:00,a\nc1,j1,not a time,b\n")
    with pytest.raises(cxsim.InputError) as info:
        cxsim.calibrate(events=str(bad), output=str(tmp_path / "py.yaml"))
    e = info.value
    assert e.file == str(bad) and e.line == 3 and "column 'timestamp'" in e.message
    assert str(e).startswith(f"{bad}:3:")
    c = cli("calibrate", "--events", bad, "-o", tmp_path / "cli.yaml", "-q", check=False)
    assert c.returncode == 2
    for d in e.diagnostics:
        assert str(d) in c.stderr, (str(d), c.stderr)
    assert not (tmp_path / "py.yaml").exists() and not (tmp_path / "cli.yaml").exists()
