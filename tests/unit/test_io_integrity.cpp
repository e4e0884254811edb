// Integrity and bounded reading of results files (cxsim/io/open_results.h,
// docs/results-format.md "Integrity"; issue 12 items 3 and 16). Hostile files
// are crafted with the HDF5 C API (tests may include hdf5.h); the structural
// cases are also run through `cxsim inspect` and `cxsim report`, which must
// both exit 2 with the same one-line message.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/open_results.h"

namespace fs = std::filesystem;
using cxsim::core::InputError;
using cxsim::core::RuntimeError;
using namespace cxsim::io;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A scalar attribute written with the C API (legacy files).
void c_attr_string(hid_t obj, const char* name, const char* value) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, &value);
  H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
}
void c_attr_int(hid_t obj, const char* name, std::int64_t value) {
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT64, &value);
  H5Aclose(a);
  H5Sclose(s);
}

// A file without integrity block, as cxsim wrote before format 1.2, with
// the root attributes of a results file; `build` adds the rest.
void legacy_file(const fs::path& p, const char* version, const std::function<void(hid_t)>& build) {
  hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  c_attr_string(f, "filetype", "cxsim-results");
  c_attr_string(f, "format_version", version);
  c_attr_int(f, "format_version_major", 1);
  build(f);
  H5Fclose(f);
}

// A dataset that declares `n` elements but stores none (allocated late and
// never written): a tiny file claiming gigabytes.
void huge_dataset(hid_t loc, const char* name, hid_t type, hsize_t n) {
  hid_t s = H5Screate_simple(1, &n, nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
  hid_t d = H5Dcreate2(loc, name, type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Dclose(d);
  H5Pclose(dcpl);
  H5Sclose(s);
}

struct CliRun {
  int code = -1;  // exit code, or 128 + signal
  std::string err;
};

CliRun cxsim(const std::string& args, const fs::path& dir) {
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = std::string("'") + CXSIM_BINARY + "' " + args + " >/dev/null 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = slurp(err);
  return r;
}

class IntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ =
        fs::temp_directory_path() / ("cxsim_io_integrity_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    EXPECT_EQ(open_object_count(), 0u) << "an HDF5 handle leaked";
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

  // A small sealed results file written through the layer.
  fs::path sealed(const std::string& name) {
    const fs::path p = path(name);
    AtomicFile f(p);
    f.file().set_attribute("filetype", "cxsim-results");
    f.file().set_attribute("format_version", "1.2");
    f.file().set_attribute("format_version_major", static_cast<std::int64_t>(1));
    Table t;
    t.add_column("metric", std::vector<std::string>{"nps_true", "clv_mean"});
    t.add_column("estimate", std::vector<double>{12.5, 3.25});
    write_table(f.file(), "variants/baseline/summary", t);
    write_string(f.file(), "model/journey_yaml", "journey: x\n");
    f.commit();
    return p;
  }

  // `inspect` and `report` both exit 2 with the same message, containing `want`.
  void both_refuse(const fs::path& p, const std::string& want) {
    const CliRun i = cxsim("inspect '" + p.string() + "'", dir_);
    const CliRun r = cxsim("report '" + p.string() + "' -o '" + path("out.html").string() + "'", dir_);
    EXPECT_EQ(i.code, 2) << p << ": inspect: " << i.err;
    EXPECT_EQ(r.code, 2) << p << ": report: " << r.err;
    EXPECT_TRUE(has(i.err, want)) << p << ": inspect says: " << i.err << "expected: " << want;
    EXPECT_EQ(i.err, r.err) << "inspect and report differ";
    EXPECT_EQ(std::count(i.err.begin(), i.err.end(), '\n'), 1) << "not one line: " << i.err;
    EXPECT_FALSE(has(i.err, "HDF5-DIAG")) << "HDF5's error stack reached the user: " << i.err;
  }

  fs::path dir_;
};

TEST_F(IntegrityTest, SealedFileIsVerifiedAndReads) {
  const fs::path p = sealed("ok.h5");
  EXPECT_TRUE(slurp(p).starts_with("cxsim-integrity 1\ncrc32 "));
  EXPECT_EQ(check_integrity(p), Integrity::verified);
  OpenedResults r = open_results(p, {"cxsim-results"});
  EXPECT_EQ(r.integrity, Integrity::verified);
  EXPECT_EQ(r.filetype, "cxsim-results");
  EXPECT_EQ(read_table(r.file, "variants/baseline/summary").get_double("estimate")[1], 3.25);
  EXPECT_EQ(read_string(r.file, "model/journey_yaml"), "journey: x\n");
}

TEST_F(IntegrityTest, EveryFlippedByteOfASealedFileIsRefused) {
  const fs::path p = sealed("ok.h5");
  const std::string good = slurp(p);
  std::mt19937_64 rng(20261201);
  std::vector<std::size_t> offsets = {0, 17, 100, 511, 512, 520, good.size() - 1};
  for (int i = 0; i < 60; ++i) offsets.push_back(rng() % good.size());
  for (const std::size_t off : offsets) {
    std::string bad = good;
    bad[off] = static_cast<char>(bad[off] ^ (1 + rng() % 255));
    spit(path("bad.h5"), bad);
    EXPECT_THROW(check_integrity(path("bad.h5")), InputError) << "byte " << off;
  }
  spit(path("short.h5"), good.substr(0, good.size() - 1));
  try {
    check_integrity(path("short.h5"));
    ADD_FAILURE() << "a truncated file was accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(has(e.what(), "truncated or extended")) << e.what();
  }
}

TEST_F(IntegrityTest, LegacyFileReadsWithBoundedReads) {
  const fs::path p = path("old.h5");
  legacy_file(p, "1.1", [](hid_t) {});
  EXPECT_EQ(check_integrity(p), Integrity::absent);
  EXPECT_EQ(open_results(p, {"cxsim-results"}).integrity, Integrity::absent);
  const fs::path fixture = fs::path(CXSIM_TEST_DATA_DIR) / "results" / "legacy_format_1_1.h5";
  OpenedResults r = open_results(fixture, {"cxsim-results"});
  EXPECT_EQ(r.format_version, "1.1");
  EXPECT_GT(read_table(r.file, "variants/baseline/summary").rows(), 10u);
}

TEST_F(IntegrityTest, FileClaimingFormat12WithoutBlockIsRefused) {
  const fs::path p = path("stripped.h5");
  legacy_file(p, "1.2", [](hid_t) {});
  EXPECT_THROW(open_results(p, {"cxsim-results"}), InputError);
}

TEST_F(IntegrityTest, GigaDatasetInATinyFileIsRefusedBeforeAllocating) {
  const fs::path p = path("giga.h5");
  legacy_file(p, "1.1", [](hid_t f) {
    huge_dataset(f, "survival", H5T_IEEE_F64LE, hsize_t{1} << 30);
    hid_t c = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(c, "a", 0, H5T_IEEE_F64LE);
    H5Tinsert(c, "b", 8, H5T_STD_I64LE);
    huge_dataset(f, "table", c, hsize_t{1} << 30);
    H5Tclose(c);
  });
  ASSERT_LT(fs::file_size(p), 64u * 1024);
  File f = File::open(p);
  try {
    read_array_double(f, "survival");
    ADD_FAILURE() << "a 2^30-element dataset was read";
  } catch (const RuntimeError& e) {
    EXPECT_TRUE(has(e.what(), "declares 1073741824 elements")) << e.what();
    EXPECT_TRUE(has(e.what(), "refused before reading")) << e.what();
  }
  EXPECT_THROW(read_table(f, "table"), RuntimeError);
}

TEST_F(IntegrityTest, DamagedHeapReferenceOfALegacyFileIsRefused) {
  // A table with a string column whose heap id points elsewhere: libhdf5
  // 1.10 would follow it (and crashed in H5HG_read on such files).
  const fs::path p = path("heap.h5");
  legacy_file(p, "1.1", [](hid_t f) {
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    hid_t c = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(c, "metric", 0, str);
    H5Tinsert(c, "estimate", 8, H5T_NATIVE_DOUBLE);
    struct Row {
      const char* metric;
      double estimate;
    } rows[2] = {{"nps_true", 1.0}, {"clv_mean", 2.0}};
    hsize_t n = 2;
    hid_t s = H5Screate_simple(1, &n, nullptr);
    hid_t d = H5Dcreate2(f, "summary", c, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, c, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(c);
    H5Tclose(str);
  });
  {
    File f = File::open(p);
    EXPECT_EQ(read_table(f, "summary").get_string("metric")[1], "clv_mean");
  }
  // On disk a record is the string's heap id (length 4 bytes, collection
  // address 8, object index 4) then the double: 24 bytes. Point the second
  // record's string at an object index the heap does not hold.
  haddr_t data = HADDR_UNDEF;
  {
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "summary", H5P_DEFAULT);
    data = H5Dget_offset(d);
    H5Dclose(d);
    H5Fclose(f);
  }
  ASSERT_NE(data, HADDR_UNDEF);
  std::string bytes = slurp(p);
  const std::size_t id = data + 24;
  ASSERT_EQ(bytes[id], 8) << "not the length of 'clv_mean'";
  bytes[id + 13] = 0x40;  // object 0x40xx
  spit(p, bytes);
  File f = File::open(p);
  try {
    read_table(f, "summary");
    ADD_FAILURE() << "a damaged heap reference was read";
  } catch (const RuntimeError& e) {
    EXPECT_TRUE(has(e.what(), "heap object")) << e.what();
  }
}

TEST_F(IntegrityTest, DamagedHeapOfALegacyFileIsRefusedBeforeAnyAttributeIsRead) {
  // The first global heap collection of the 1.1 fixture holds the root's
  // first string attributes (HDF5 checksums attribute messages, not the
  // heap). Its first object now claims 1 MB: libhdf5 copied that much out
  // of the collection (SIGSEGV in H5HG_read from H5Aread of 'filetype', seen
  // in the sweep of e2e_integrity.sh); open_results checks every dataset's
  // strings, and so the shared collections, first.
  std::string bytes = slurp(fs::path(CXSIM_TEST_DATA_DIR) / "results" / "legacy_format_1_1.h5");
  const std::size_t gcol = bytes.find("GCOL\x01");
  ASSERT_NE(gcol, std::string::npos);
  ASSERT_NE(bytes[gcol + 16], 0) << "no first object";
  bytes[gcol + 16 + 8 + 2] = 0x10;  // object size |= 0x100000
  spit(path("heap.h5"), bytes);
  try {
    open_results(path("heap.h5"), {"cxsim-results"});
    ADD_FAILURE() << "a damaged heap was accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(has(e.what(), "runs past the heap")) << e.what();
  }
}

// ---------------------------------------------------------------- structural cases, through the CLI

TEST_F(IntegrityTest, NotFilesAtAll) {
  both_refuse("/dev/zero", "/dev/zero: is a character device, not a results file");
  spit(path("empty.h5"), "");
  both_refuse(path("empty.h5"), "is empty (0 bytes)");
  spit(path("text.h5"), "metric,estimate\nnps_true,1\n");
  both_refuse(path("text.h5"), "is a text file, not an HDF5 results file");
  spit(path("binary.h5"), std::string("\x01\x02\x03\x00garbage", 11));
  both_refuse(path("binary.h5"), "is not an HDF5 file");
}

TEST_F(IntegrityTest, DamagedSealedFile) {
  const fs::path p = sealed("ok.h5");
  std::string bytes = slurp(p);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  spit(p, bytes);
  both_refuse(p, "is damaged: its checksum does not match");
}

TEST_F(IntegrityTest, IntegerWhereTheSummaryTableBelongs) {
  const fs::path p = path("int_summary.h5");
  {
    AtomicFile f(p);
    f.file().set_attribute("filetype", "cxsim-results");
    f.file().set_attribute("format_version", "1.2");
    f.file().set_attribute("format_version_major", static_cast<std::int64_t>(1));
    write_array(f.file(), "variants/baseline/summary", std::vector<std::int64_t>{1, 2, 3});
    f.file().open_group("variants/baseline").set_attribute("order", static_cast<std::int64_t>(0));
    f.commit();
  }
  both_refuse(p, "/variants/baseline/summary: is an integer array, not a table");
}

TEST_F(IntegrityTest, VersionAttributeOfTheWrongType) {
  const fs::path p = path("version_string.h5");
  {
    AtomicFile f(p);
    f.file().set_attribute("filetype", "cxsim-results");
    f.file().set_attribute("format_version_major", "1");
    f.commit();
  }
  both_refuse(p, "its 'format_version_major' attribute is a string, not an integer");
  const fs::path q = path("filetype_int.h5");
  {
    AtomicFile f(q);
    f.file().set_attribute("filetype", static_cast<std::int64_t>(7));
    f.commit();
  }
  both_refuse(q, "its 'filetype' attribute is an integer, not a string");
}

TEST_F(IntegrityTest, LinkLoopsAndExternalLinks) {
  const fs::path loop = path("loop.h5");
  legacy_file(loop, "1.1", [](hid_t f) {
    hid_t g = H5Gcreate2(f, "variants", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_soft("/variants/baseline", g, "baseline", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
  });
  both_refuse(loop, "'/variants/baseline' is a soft link");
  const fs::path ext = path("external.h5");
  legacy_file(ext, "1.1", [](hid_t f) {
    hid_t g = H5Gcreate2(f, "variants", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_external("/etc/other.h5", "/", g, "baseline", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
  });
  both_refuse(ext, "'/variants/baseline' is an external link");
  // A hard link back to the root: a cycle of groups. Readers only follow
  // named paths, so this is read (and finds no summary table).
  const fs::path cycle = path("cycle.h5");
  legacy_file(cycle, "1.1", [](hid_t f) {
    hid_t g = H5Gcreate2(f, "variants", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_hard(f, "/", g, "baseline", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
  });
  const CliRun r = cxsim("report '" + cycle.string() + "' -o '" + path("out.html").string() + "'", dir_);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "no variant with a summary table")) << r.err;
}

TEST_F(IntegrityTest, GigaDatasetThroughTheCli) {
  const fs::path p = path("giga.h5");
  legacy_file(p, "1.1", [](hid_t f) {
    hid_t v = H5Gcreate2(f, "variants", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(v, "baseline", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    c_attr_int(g, "order", 0);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    hid_t c = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(c, "metric", 0, str);
    H5Tinsert(c, "estimate", 8, H5T_IEEE_F64LE);
    huge_dataset(g, "summary", c, hsize_t{1} << 30);
    H5Tclose(c);
    H5Tclose(str);
    H5Gclose(g);
    H5Gclose(v);
  });
  both_refuse(p, "/variants/baseline/summary: declares 1073741824 elements");
}

TEST_F(IntegrityTest, AnalyzeSaysItWasGivenAResultsFile) {
  const fs::path p = sealed("ok.h5");
  const CliRun r = cxsim("analyze '" + p.string() + "'", dir_);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "is an HDF5 (results) file, not a journey or scenario")) << r.err;
  const fs::path legacy = fs::path(CXSIM_TEST_DATA_DIR) / "results" / "legacy_format_1_1.h5";
  EXPECT_TRUE(has(cxsim("analyze '" + legacy.string() + "'", dir_).err, "is an HDF5 (results) file"));
  EXPECT_FALSE(looks_like_hdf5("/dev/zero"));
  EXPECT_FALSE(looks_like_hdf5(path("missing.yaml")));
}

}  // namespace
