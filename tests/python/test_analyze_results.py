"""cxsim.analyze equals `cxsim analyze --json`; read_results gives decoded strings and integer dtypes."""
import json
import math

import h5py
import numpy as np
import pandas as pd
import pytest

import cxsim


def same(py, js, where="$"):
    """Exact equality; JSON's null is a non-finite number in Python."""
    if js is None and isinstance(py, float):
        assert not math.isfinite(py), where
    elif isinstance(js, dict):
        assert isinstance(py, dict) and sorted(py) == sorted(js), where
        for k in js:
            same(py[k], js[k], f"{where}.{k}")
    elif isinstance(js, list):
        assert isinstance(py, list) and len(py) == len(js), where
        for i, (p, j) in enumerate(zip(py, js)):
            same(p, j, f"{where}[{i}]")
    elif isinstance(js, float) or isinstance(py, float):
        assert float(py) == float(js), f"{where}: {py!r} != {js!r}"
    else:
        assert py == js, f"{where}: {py!r} != {js!r}"


def test_analyze_equals_cli_json(root, cli):
    # queue_journey: two queues (one with patience), Python gets the same solved waits as the command
    for journey in [
        "journeys/retail.yaml", "journeys/telecom_support.yaml", "journeys/bank_account.yaml",
        "tests/data/exact/queue_journey.yaml",
    ]:
        path = str(root / journey)
        py = cxsim.analyze(path, reduce=0.3)
        assert isinstance(py.pop("warnings"), list)
        js = json.loads(cli("analyze", path, "--json", "--reduce", 0.3).stdout)
        same(py, js)
        assert py["population"]["kind_prob"]  # not vacuous
        assert py["friction_ranking"]["rows"]


def test_read_results_types(tmp_path, root):
    out = tmp_path / "r.h5"
    cxsim.run(str(root / "scenarios" / "retail_whatif.yaml"), str(out), customers=1000, periods=2, seed=3)
    r = cxsim.read_results(str(out))
    assert r["@attrs"]["filetype"] == "cxsim-results"
    assert r["@attrs"]["seed"] == 3 and isinstance(r["@attrs"]["seed"], int)
    assert isinstance(r["@attrs"]["discount_rate"], float)
    base = r["variants"]["baseline"]
    s = base["summary"]
    assert isinstance(s, pd.DataFrame)
    assert list(s.columns) == ["metric", "estimate", "se", "ci_low", "ci_high"]
    assert isinstance(s["metric"][0], str) and s["estimate"].dtype == np.float64
    # counts: int64 in the file, or float64 there and whole (given back as int64)
    assert base["paths"]["count"].dtype == np.int64 and base["survival_ci"]["period"].dtype == np.int64
    outcomes = base["outcomes"]
    assert outcomes["walks"].dtype == np.int64 and outcomes["value"].dtype == np.float64
    assert outcomes["walks"].sum() == r["variants"]["baseline"]["@attrs"]["walks"]
    assert base["segments"]["customers"].dtype == np.int64 and base["segments"]["customers"].sum() == 1000
    assert base["periods"]["active"].dtype == np.int64 and base["periods"]["respondents"].dtype == np.int64
    with h5py.File(out, "r") as f:  # the file itself keeps float64; the values are the same
        assert f["variants/baseline/outcomes"]["walks"].dtype == np.float64
        assert f["variants/baseline/outcomes"]["walks"].tolist() == outcomes["walks"].tolist()
    assert base["nps_histogram"].dtype == np.int64 and base["nps_histogram"].shape == (2, 11)
    assert base["survival"].dtype == np.float64 and base["survival"].shape == (3,)
    assert isinstance(r["model"]["journey_yaml"], str)
    assert "customers" not in base
    # summary() / comparison() agree with the tables
    summ = cxsim.summary(str(out))
    row = s.set_index("metric").loc["nps_true"]
    assert summ["nps_true"]["estimate"] == row["estimate"] and summ["nps_true"]["se"] == row["se"]
    variant = next(k for k in r["comparisons"] if k != "@attrs")
    cmp = cxsim.comparison(str(out), variant)
    table = r["comparisons"][variant].set_index("metric")
    assert cmp["retention_final"]["delta"] == table.loc["retention_final", "delta"]
    # without pandas: dicts of numpy arrays
    d = cxsim.read_table(str(out), "variants/baseline/outcomes", dataframes=False)
    assert d["walks"].dtype == np.int64 and d["outcome"].dtype == object and isinstance(d["outcome"][0], str)


def test_analyze_scenario_equals_cli_json(root, cli):
    # A scenario: every variant's exact expectations, delta and is_exact, as
    # `cxsim analyze SCENARIO --json`, one DataFrame row per (variant, metric).
    for scenario in [
        "scenarios/retail_whatif.yaml", "scenarios/bank_kyc.yaml", "tests/data/exact/recovery.yaml",
        "tests/data/exact/queue_scenario.yaml",
    ]:
        path = str(root / scenario)
        df = cxsim.analyze(path)
        js = json.loads(cli("analyze", path, "--json").stdout)
        assert isinstance(df, pd.DataFrame)
        assert list(df.columns) == ["variant", "metric", "exact", "delta", "is_exact"]
        assert (df["exact"].dtype, df["delta"].dtype, df["is_exact"].dtype) == (np.float64, np.float64, np.bool_)
        assert df.attrs["scenario"] == js["scenario"]
        assert df.attrs["variants"] == list(js["variants"])
        assert df.attrs["variants"][0] == "baseline" and len(df.attrs["variants"]) > 1
        got = {}
        for row in df.itertuples(index=False):
            got.setdefault(row.variant, {})[row.metric] = {"exact": row.exact, "delta": row.delta,
                                                           "is_exact": bool(row.is_exact)}
        for v, d in js["variants"].items():
            if "recovery" in d:
                same(df.attrs["recovery"][v], d.pop("recovery"), f"{scenario}:{v}.recovery")
            else:
                assert v not in df.attrs["recovery"]
            if "note" in d:
                assert df.attrs["notes"][v] == d.pop("note")
            else:
                assert v not in df.attrs["notes"]
            same(got[v], d, f"{scenario}:{v}")
        assert set(got) == set(js["variants"])
        # not vacuous: some variant differs from the baseline
        assert (df.loc[df.variant != "baseline", "delta"].abs() > 0).any()
    # the recovery scenario has a not-exact metric (NaN, is_exact False) and notes
    df = cxsim.analyze(str(root / "tests/data/exact/recovery.yaml"))
    assert not df["is_exact"].all() and df.attrs["notes"] and df.attrs["recovery"]


def test_analyze_scenario_refuses_reduce(root):
    with pytest.raises(cxsim.InputError, match="is a scenario"):
        cxsim.analyze(str(root / "scenarios/retail_whatif.yaml"), reduce=0.3)
