"""cxsim.run writes the file `cxsim run` writes: every dataset and attribute bit for bit."""
import h5py
import numpy as np
import pytest

import cxsim

# Root attributes that name the call or the moment, not the results.
VOLATILE = {"command_line", "created_utc", "threads", "mpi_ranks"}  # run-time attributes


def same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.names:
            return all(same_value(a[n], b[n]) for n in a.dtype.names)
        if a.dtype.kind == "O":
            return a.tolist() == b.tolist()
        return a.tobytes() == b.tobytes()  # bits: NaN == NaN, -0.0 != 0.0
    if isinstance(a, float) and isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return type(a) is type(b) and a == b


def contents(path):
    """Every object of the file: path -> (attributes, data)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs = {k: v for k, v in obj.attrs.items() if not (name == "" and k in VOLATILE)}
            data = obj[()] if isinstance(obj, h5py.Dataset) else None
            out[name] = (attrs, data, obj.dtype if isinstance(obj, h5py.Dataset) else None)
        visit("", f)
        f.visititems(visit)
    return out


def assert_same_file(a, b):
    ca, cb = contents(a), contents(b)
    assert sorted(ca) == sorted(cb)
    for name in ca:
        (aa, da, ta), (ab, db, tb) = ca[name], cb[name]
        assert sorted(aa) == sorted(ab), name
        for k in aa:
            assert same_value(aa[k], ab[k]), f"{name}@{k}: {aa[k]!r} != {ab[k]!r}"
        assert ta == tb, name
        assert same_value(da, db), name


@pytest.mark.parametrize("input_, args", [
    ("journeys/telecom_support.yaml", dict(customers=3000, periods=3, seed=11)),
    ("scenarios/retail_whatif.yaml", dict(customers=1500, periods=2, seed=5)),
])
def test_run_equals_cli_bits(tmp_path, root, cli, input_, args):
    py_out, cli_out = tmp_path / "py.h5", tmp_path / "cli.h5"
    r = cxsim.run(str(root / input_), str(py_out), threads=2, **args)
    cli("run", root / input_, "-q", "-t", 1, "-o", cli_out, "-n", args["customers"], "-p", args["periods"],
        "-s", args["seed"])
    assert r["output"] == str(py_out)
    assert (r["customers"], r["periods"], r["seed"], r["threads"]) == (
        args["customers"], args["periods"], args["seed"], 2)
    assert r["walks"] > 0 and r["variants"][0] == "baseline"
    assert_same_file(py_out, cli_out)
    with h5py.File(py_out, "r") as f:
        assert f.attrs["command_line"].startswith("cxsim.run(")
        assert (f.attrs["threads"], f.attrs["mpi_ranks"]) == (2, 1)  # as `cxsim run` records them


def test_run_seed_changes_bits(tmp_path, root):
    # The comparison above can fail: another seed gives other bits.
    j = str(root / "journeys" / "telecom_support.yaml")
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    cxsim.run(j, str(a), customers=500, seed=1, threads=1)
    cxsim.run(j, str(b), customers=500, seed=2, threads=1)
    with pytest.raises(AssertionError):
        assert_same_file(a, b)


def test_ctrl_c_stops_the_run_and_writes_nothing(tmp_path, root):
    # SIGINT while the (GIL-free) simulation runs: KeyboardInterrupt at the
    # next chunk boundary, no results file and no temporary left behind.
    import os
    import signal
    import threading

    out = tmp_path / "never.h5"
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            cxsim.run(str(root / "journeys" / "telecom_support.yaml"), str(out), customers=10**8, threads=1)
    finally:
        timer.cancel()
    assert list(tmp_path.iterdir()) == []


def test_events_out_equals_cli_files(tmp_path, root, cli):
    # run(..., events_out=DIR): events.csv, surveys.csv and cohorts.csv byte for
    # byte as `cxsim run --events-out DIR`, and the results file as well.
    j = root / "journeys" / "telecom_support.yaml"
    py_dir, cli_dir = tmp_path / "py_events", tmp_path / "cli_events"
    r = cxsim.run(str(j), str(tmp_path / "py.h5"), customers=700, periods=3, seed=4, threads=2,
                  events_out=str(py_dir))
    cli("run", j, "-q", "-t", 1, "-o", tmp_path / "cli.h5", "-n", 700, "-p", 3, "-s", 4, "--events-out", cli_dir)
    assert r["events_out"] == str(py_dir) and r["partial"] is False
    for name in ("events.csv", "surveys.csv", "cohorts.csv"):
        a, b = (py_dir / name).read_bytes(), (cli_dir / name).read_bytes()
        assert len(a.splitlines()) > 1, name
        assert a == b, name
    assert_same_file(tmp_path / "py.h5", tmp_path / "cli.h5")
    # ... and the comparison can fail: another seed, another log.
    cxsim.run(str(j), str(tmp_path / "other.h5"), customers=700, periods=3, seed=5, events_out=str(tmp_path / "o"))
    assert (tmp_path / "o" / "events.csv").read_bytes() != (cli_dir / "events.csv").read_bytes()


def test_chunks_and_merge_equal_cli(tmp_path, root, cli):
    # run(..., chunks=...) writes the partial files of `cxsim run --chunks A:B`;
    # cxsim.merge joins them (any order) into the whole run's file, the same
    # bits as `cxsim merge` of the command's parts and as the one-process run.
    s = root / "scenarios" / "retail_whatif.yaml"
    common = dict(customers=1000, periods=2, seed=9, chunk_size=128)  # 8 chunks
    flags = ["-n", 1000, "-p", 2, "-s", 9, "--chunk-size", 128]
    p1 = cxsim.run(str(s), str(tmp_path / "p1.h5"), chunks="0:3", threads=2, **common)
    p2 = cxsim.run(str(s), str(tmp_path / "p2.h5"), chunks=(3, 8), threads=1, **common)
    assert (p1["partial"], p1["chunk_first"], p1["chunk_last"], p1["chunks_total"]) == (True, 0, 3, 8)
    assert (p2["chunk_first"], p2["chunk_last"], p2["chunks"]) == (3, 8, 5)
    cli("run", s, "-q", "-o", tmp_path / "c1.h5", "--chunks", "0:3", *flags)
    cli("run", s, "-q", "-o", tmp_path / "c2.h5", "--chunks", "3:8", *flags)
    assert_same_file(tmp_path / "p1.h5", tmp_path / "c1.h5")
    assert_same_file(tmp_path / "p2.h5", tmp_path / "c2.h5")

    m = cxsim.merge([str(tmp_path / "p2.h5"), str(tmp_path / "p1.h5")], str(tmp_path / "merged.h5"))
    assert (m["parts"], m["chunks"], m["customers"]) == (2, 8, 1000)
    cli("merge", "-q", tmp_path / "c1.h5", tmp_path / "c2.h5", "-o", tmp_path / "cli_merged.h5")
    cli("run", s, "-q", "-o", tmp_path / "whole.h5", *flags)
    assert_same_file(tmp_path / "merged.h5", tmp_path / "cli_merged.h5")
    assert_same_file(tmp_path / "merged.h5", tmp_path / "whole.h5")
    with h5py.File(tmp_path / "merged.h5", "r") as f:
        assert f.attrs["command_line"].startswith("cxsim.merge([")

    # A missing chunk is the command's exit 2: InputError.
    with pytest.raises(cxsim.InputError, match="chunk"):
        cxsim.merge([str(tmp_path / "p1.h5")], str(tmp_path / "never.h5"))
    assert not (tmp_path / "never.h5").exists()


def test_chunks_refusals(tmp_path, root):
    j = str(root / "journeys" / "telecom_support.yaml")
    with pytest.raises(cxsim.InputError, match="--events-out is not available"):
        cxsim.run(j, str(tmp_path / "x.h5"), customers=500, chunks="0:1", events_out=str(tmp_path / "e"))
    with pytest.raises(cxsim.InputError, match="chunks"):
        cxsim.run(j, str(tmp_path / "x.h5"), customers=500, chunks="2:1")
    with pytest.raises(cxsim.InputError, match="chunks: expected 'A:B'"):
        cxsim.run(j, str(tmp_path / "x.h5"), customers=500, chunks=3)
    assert list(tmp_path.iterdir()) == []


def test_customer_periods_equals_cli_and_reads_back(tmp_path, root, cli):
    # retail.yaml has two segments: the file also has /segments/<v>/{periods,touchpoints,outcomes} (format 1.6).
    j = root / "journeys" / "retail.yaml"
    py_out, cli_out, plain = tmp_path / "py.h5", tmp_path / "cli.h5", tmp_path / "plain.h5"
    r = cxsim.run(str(j), str(py_out), customers=700, periods=3, seed=4, threads=2, customer_periods=True)
    assert "customer_periods=True" in r["command_line"]
    cli("run", j, "-q", "-t", 1, "-o", cli_out, "-n", 700, "-p", 3, "-s", 4, "--customer-periods")
    assert_same_file(py_out, cli_out)
    with h5py.File(py_out, "r") as f:
        assert "variants/baseline/customer_periods" in f and "variants/baseline/customers" in f  # implied
    cxsim.run(str(j), str(plain), customers=700, periods=3, seed=4, customers_out=True)
    with h5py.File(plain, "r") as f:
        assert "variants/baseline/customer_periods" not in f  # only when asked for

    res = cxsim.read_results(str(py_out))
    assert "customer_periods" not in res["variants"]["baseline"]  # large: only with customers=True
    cp = cxsim.read_results(str(py_out), customers=True)["variants"]["baseline"]["customer_periods"]
    assert list(cp.columns) == ["customer", "period", "walked", "satisfaction", "nps", "nps_measured", "value",
                                "cost", "churned"]
    for c in ("customer", "period", "walked", "nps", "nps_measured", "churned"):
        assert cp[c].dtype == np.int64, c
    assert cp["satisfaction"].dtype == np.float64
    assert cp["period"].between(1, 3).all() and set(cp["churned"]) <= {0, 1}
    customers = cxsim.read_table(str(py_out), "variants/baseline/customers")
    assert cp["customer"].nunique() == len(customers) == 700
    # the per-customer sums of the trajectory are the customer table's value (docs/results-format.md)
    sums = cp.groupby("customer")["value"].sum().sort_index().to_numpy()
    assert np.allclose(sums, customers.sort_values("customer")["clv"].to_numpy(), rtol=1e-9, atol=1e-9)

    seg = res["segments"]
    assert seg, "a two-segment journey has /segments"
    for v, g in seg.items():
        if v == "@attrs":
            continue
        for table in ("periods", "touchpoints", "outcomes"):
            assert table in g, (v, table)
        assert g["periods"]["active"].dtype == np.int64
        assert g["outcomes"]["walks"].dtype == np.int64
        assert g["touchpoints"].select_dtypes(object).apply(lambda s: s.map(type).eq(str).all()).all()


def test_customer_periods_refused_with_chunks(tmp_path, root, cli):
    j = root / "journeys" / "retail.yaml"
    with pytest.raises(cxsim.InputError) as e:
        cxsim.run(str(j), str(tmp_path / "p.h5"), customers=100, customer_periods=True, chunks="0:1")
    c = cli("run", j, "-q", "-o", tmp_path / "c.h5", "-n", 100, "--customer-periods", "--chunks", "0:1", check=False)
    assert c.returncode == 2
    assert e.value.message in c.stderr
    assert not (tmp_path / "p.h5").exists()


def test_greedy_portfolio_chunks_equal_cli(tmp_path, root, cli):
    # A greedy portfolio (more candidates than max_exhaustive) searches before the chunks run, in every part as
    # in `cxsim run --chunks`: the part holds the chosen combinations as variants (without it, fewer variants).
    text = (root / "scenarios" / "portfolio.yaml").read_text()
    journey = root / "journeys" / "retail.yaml"
    text = text.replace("portfolio:\n", "portfolio:\n  max_exhaustive: 2\n", 1)
    s = tmp_path / "greedy.yaml"
    s.write_text(text.replace("journey: ../journeys/retail.yaml", f"journey: {journey}"))
    assert cxsim.validate(str(s)).valid, cxsim.validate(str(s)).diagnostics
    common = dict(customers=400, periods=1, seed=2, chunk_size=128)
    cxsim.run(str(s), str(tmp_path / "p.h5"), chunks="1:3", threads=1, **common)
    cli("run", s, "-q", "-o", tmp_path / "c.h5", "--chunks", "1:3", "-n", 400, "-p", 1, "-s", 2, "--chunk-size", 128)
    assert_same_file(tmp_path / "p.h5", tmp_path / "c.h5")


def test_run_releases_the_gil(tmp_path, root):
    # The results file's temporary (.<name>.tmp-*) exists only inside run's C++ call; this thread can see it
    # only if the GIL is released meanwhile (held, it would wait until run has renamed the file).
    import threading
    j = str(root / "journeys" / "telecom_support.yaml")
    out = tmp_path / "big.h5"
    t = threading.Thread(target=cxsim.run, args=(j, str(out)), kwargs=dict(customers=100_000, periods=4, threads=1))
    t.start()
    saw_tmp = False
    while t.is_alive() and not saw_tmp:
        saw_tmp = any(tmp_path.glob(".big.h5.tmp-*"))
    t.join()
    assert out.exists()
    assert saw_tmp
