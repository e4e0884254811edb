// Tests of the HDF5 layer (cxsim/io/h5.h) and Table (cxsim/io/table.h).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/table.h"

namespace fs = std::filesystem;
using cxsim::core::RuntimeError;
using namespace cxsim::io;

namespace {

class H5Test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("cxsim_io_h5_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    EXPECT_EQ(open_object_count(), 0u) << "an HDF5 handle leaked";
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

  // Files in the temp dir whose name contains ".tmp-".
  std::vector<std::string> temp_files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const auto n = e.path().filename().string();
      if (n.find(".tmp-") != std::string::npos) out.push_back(n);
    }
    return out;
  }

  fs::path dir_;
};

// Message of the RuntimeError thrown by f (fails the test if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const RuntimeError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception thrown";
  return {};
}

Table summary_table() {
  Table t;
  t.add_column("metric", std::vector<std::string>{"nps", "conversion", "revenue", "ünïcödé €"});
  t.add_column("estimate", std::vector<double>{31.5, 0.125, 1234.5, -0.0});
  t.add_column("n", std::vector<std::int64_t>{10, -20, 9'000'000'000'000'000'000LL, 0});
  t.add_column("note", std::vector<std::string>{"", "a", std::string(5000, 'x'), "line1\nline2"});
  return t;
}

// The fixture file used by both the writer test and the Python test.
void write_sample_file(const fs::path& p) {
  AtomicFile out(p);
  File& f = out.file();
  f.set_attribute("format_version", std::int64_t{1});
  f.set_attribute("tool_version", "0.1.0");
  f.set_attribute("seed", 42);
  write_string(f, "model/journey_yaml", "name: shop\nstages: [a, b]\n");
  Group v = f.require_group("variants/baseline");
  write_table(v, "summary", summary_table(), {.description = "headline metrics", .units = ""});
  write_array(v, "nps_histogram", std::vector<std::int64_t>(22, 3), {2, 11},
              {.description = "true and measured", .units = "customers"});
  write_array(v, "survival", std::vector<double>{1.0, 0.9, 0.81});
  Table empty;
  empty.add_column("period", std::vector<std::int64_t>{}).add_column("x", std::vector<double>{});
  write_table(v, "periods", empty);
  TableAppender app(v, "customers", {{"id", ColumnType::int64}, {"segment", ColumnType::string}}, 1000, 4);
  for (int b = 0; b < 5; ++b) {
    Table rows;
    std::vector<std::int64_t> ids;
    std::vector<std::string> seg;
    for (int i = 0; i < 700; ++i) {
      ids.push_back(b * 700 + i);
      seg.push_back(i % 2 ? "new" : "loyal");
    }
    rows.add_column("segment", std::move(seg)).add_column("id", std::move(ids));  // other order is fine
    app.append(rows);
  }
  out.commit();
}

}  // namespace

// ------------------------------------------------------------------ Table

TEST(IoTable, ColumnsAndAccessors) {
  Table t = summary_table();
  EXPECT_EQ(t.rows(), 4u);
  EXPECT_EQ(t.num_columns(), 4u);
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"metric", "estimate", "n", "note"}));
  EXPECT_EQ(t.column_type("estimate"), ColumnType::float64);
  EXPECT_EQ(t.column_type("n"), ColumnType::int64);
  EXPECT_EQ(t.column_type("metric"), ColumnType::string);
  EXPECT_DOUBLE_EQ(t.get_double("estimate")[1], 0.125);
  EXPECT_TRUE(t.has_column("note"));
  EXPECT_FALSE(t.has_column("nope"));
}

TEST(IoTable, ChecksLengthsNamesAndTypes) {
  Table t;
  t.add_column("a", std::vector<double>{1, 2});
  EXPECT_NE(error_of([&] { t.add_column("b", std::vector<double>{1}); }).find("'b' has 1 rows"), std::string::npos);
  EXPECT_NE(error_of([&] { t.add_column("a", std::vector<double>{1, 2}); }).find("duplicate"), std::string::npos);
  EXPECT_NE(error_of([&] { t.add_column("", std::vector<double>{1, 2}); }).find("empty"), std::string::npos);
  const auto msg = error_of([&] { (void)t.get_int64("a"); });
  EXPECT_NE(msg.find("'a' is float64, not int64"), std::string::npos) << msg;
  const auto missing = error_of([&] { (void)t.get_double("b"); });
  EXPECT_NE(missing.find("did you mean 'a'"), std::string::npos) << missing;
  t.add_column("c", std::vector<std::string>{"x", "y"});
  t.validate();
  t.doubles("a").push_back(3);  // building row by row: lengths now differ
  const auto uneven = error_of([&] { t.validate(); });
  EXPECT_NE(uneven.find("column 'c' has 2 rows but column 'a' has 3"), std::string::npos) << uneven;
}

TEST(IoTable, AppendAndClear) {
  Table a(Schema{{"x", ColumnType::int64}, {"s", ColumnType::string}});
  Table b;
  b.add_column("s", std::vector<std::string>{"p", "q"}).add_column("x", std::vector<std::int64_t>{1, 2});
  a.append(b);
  a.append(a);
  EXPECT_EQ(a.rows(), 4u);
  EXPECT_EQ(a.get_string("s"), (std::vector<std::string>{"p", "q", "p", "q"}));
  Table c;
  c.add_column("x", std::vector<double>{1.0}).add_column("s", std::vector<std::string>{"z"});
  EXPECT_THROW(a.append(c), RuntimeError);
  EXPECT_EQ(a.rows(), 4u);  // unchanged after a failed append
  a.clear_rows();
  EXPECT_EQ(a.rows(), 0u);
  EXPECT_EQ(a.num_columns(), 2u);
}

// ------------------------------------------------------------------ round trips

TEST_F(H5Test, TableRoundTrip) {
  const auto p = path("t.h5");
  {
    AtomicFile out(p);
    write_table(out.file(), "summary", summary_table(), {.description = "d", .units = "u"});
    out.commit();
  }
  File f = File::open(p);
  Table back = read_table(f, "summary");
  EXPECT_EQ(back, summary_table());
  EXPECT_EQ(back.get_int64("n")[2], 9'000'000'000'000'000'000LL);
  EXPECT_EQ(back.get_string("metric")[3], "ünïcödé €");
  Dataset ds = f.open_dataset("summary");
  EXPECT_EQ(ds.kind(), DatasetKind::table);
  EXPECT_EQ(ds.dims(), (std::vector<std::size_t>{4}));
  EXPECT_EQ(ds.table_schema(), summary_table().schema());
  EXPECT_EQ(ds.attribute_string("description"), "d");
  EXPECT_EQ(ds.attribute_string("units"), "u");
  EXPECT_EQ(ds.path(), "/summary");
  EXPECT_EQ(fs::path(ds.file_path()), p);

  Table slice = read_table(f, "summary", 1, 2);
  EXPECT_EQ(slice.rows(), 2u);
  EXPECT_EQ(slice.get_string("metric"), (std::vector<std::string>{"conversion", "revenue"}));
  EXPECT_EQ(read_table(f, "summary", 3, 100).rows(), 1u);
  EXPECT_EQ(read_table(f, "summary", 10, 5).rows(), 0u);
}

TEST_F(H5Test, EmptyTable) {
  const auto p = path("e.h5");
  Table empty(Schema{{"metric", ColumnType::string}, {"estimate", ColumnType::float64}, {"n", ColumnType::int64}});
  {
    AtomicFile out(p);
    write_table(out.file(), "empty", empty);
    out.commit();
  }
  File f = File::open(p);
  Table back = read_table(f, "empty");
  EXPECT_EQ(back.rows(), 0u);
  EXPECT_EQ(back.schema(), empty.schema());
  EXPECT_EQ(f.open_dataset("empty").dims(), (std::vector<std::size_t>{0}));
}

TEST_F(H5Test, TableWithoutColumnsIsAnError) {
  AtomicFile out(path("x.h5"));
  const auto msg = error_of([&] { write_table(out.file(), "t", Table{}); });
  EXPECT_NE(msg.find("at least one column"), std::string::npos) << msg;
  EXPECT_NE(msg.find(":/t"), std::string::npos) << msg;
}

TEST_F(H5Test, StringsAndArrays) {
  const auto p = path("a.h5");
  const std::string yaml = "name: shop\n# ünïcödé\nstages:\n  - a\n" + std::string(100000, 'y');
  std::vector<std::int64_t> hist(22);
  for (std::size_t i = 0; i < hist.size(); ++i) hist[i] = static_cast<std::int64_t>(i * i) - 50;
  {
    AtomicFile out(p);
    Group m = out.file().create_group("model");
    write_string(m, "journey_yaml", yaml, {.description = "journey as loaded"});
    write_string(m, "empty", "");
    write_array(out.file(), "v/nps_histogram", hist, {2, 11}, {.description = "counts", .units = "customers"});
    write_array(out.file(), "v/survival", std::vector<double>{1.0, 0.5, 0.25, 1e-300});
    write_array(out.file(), "v/none", std::vector<double>{});
    write_array(out.file(), "v/cube", std::vector<double>(24, 2.5), {2, 3, 4});
    out.commit();
  }
  File f = File::open(p);
  EXPECT_EQ(read_string(f, "model/journey_yaml"), yaml);
  EXPECT_EQ(read_string(f, "model/empty"), "");
  EXPECT_EQ(f.open_dataset("model/journey_yaml").kind(), DatasetKind::string);
  EXPECT_EQ(f.open_dataset("model/journey_yaml").dims(), std::vector<std::size_t>{});

  auto h = read_array_int64(f, "v/nps_histogram");
  EXPECT_EQ(h.values, hist);
  EXPECT_EQ(h.dims, (std::vector<std::size_t>{2, 11}));
  Dataset hd = f.open_dataset("v/nps_histogram");
  EXPECT_EQ(hd.kind(), DatasetKind::int_array);
  EXPECT_EQ(hd.attribute_string("units"), "customers");

  auto s = read_array_double(f, "v/survival");
  EXPECT_EQ(s.values, (std::vector<double>{1.0, 0.5, 0.25, 1e-300}));
  EXPECT_EQ(s.dims, (std::vector<std::size_t>{4}));
  EXPECT_TRUE(read_array_double(f, "v/none").values.empty());
  auto c = read_array_double(f, "v/cube");
  EXPECT_EQ(c.dims, (std::vector<std::size_t>{2, 3, 4}));
  EXPECT_EQ(c.values.size(), 24u);
}

TEST_F(H5Test, ArrayDimsMustMatch) {
  AtomicFile out(path("x.h5"));
  const auto msg = error_of([&] { write_array(out.file(), "h", std::vector<double>(21), {2, 11}); });
  EXPECT_NE(msg.find("[2][11] do not match 21 values"), std::string::npos) << msg;
  EXPECT_FALSE(out.file().exists("h"));
}

TEST_F(H5Test, NestedGroupsAndListing) {
  const auto p = path("g.h5");
  {
    AtomicFile out(p);
    File& f = out.file();
    Group c = f.create_group("variants/baseline/deep");
    EXPECT_EQ(c.path(), "/variants/baseline/deep");
    f.require_group("variants/zeta");
    f.require_group("variants/alpha");
    Group again = f.require_group("variants/baseline");  // idempotent
    EXPECT_EQ(again.path(), "/variants/baseline");
    EXPECT_NE(error_of([&] { f.create_group("variants/baseline"); }).find("already exists"), std::string::npos);
    write_array(again, "survival", std::vector<double>{1.0});
    EXPECT_NE(error_of([&] { write_array(again, "survival", std::vector<double>{1.0}); }).find("already exists"),
              std::string::npos);
    Group abs = c.open_group("/variants");  // absolute path from any group
    EXPECT_EQ(abs.path(), "/variants");
    out.commit();
  }
  File f = File::open(p);
  EXPECT_TRUE(f.exists("variants/baseline/deep"));
  EXPECT_TRUE(f.exists("/variants/baseline"));
  EXPECT_TRUE(f.exists(""));
  EXPECT_FALSE(f.exists("variants/missing"));
  EXPECT_FALSE(f.exists("variants/missing/more/levels"));
  EXPECT_FALSE(f.exists("variants/baseline/survival/x"));  // through a dataset
  EXPECT_TRUE(f.is_group("variants/baseline"));
  EXPECT_FALSE(f.is_dataset("variants/baseline"));
  EXPECT_TRUE(f.is_dataset("variants/baseline/survival"));
  EXPECT_FALSE(f.is_group("variants/baseline/survival"));
  EXPECT_FALSE(f.is_group("nope"));
  // Creation order, not alphabetical.
  EXPECT_EQ(f.open_group("variants").list(), (std::vector<std::string>{"baseline", "zeta", "alpha"}));
  EXPECT_EQ(f.open_group("variants/baseline").list(), (std::vector<std::string>{"deep", "survival"}));
  EXPECT_EQ(f.list(), std::vector<std::string>{"variants"});

  const auto msg = error_of([&] { f.open_group("variants/basline"); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("/variants/basline: no such group (did you mean 'baseline'?)"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { f.open_group("variants/baseline/survival"); }).find("is a dataset, not a group"),
            std::string::npos);
  EXPECT_NE(error_of([&] { f.open_dataset("variants/baseline"); }).find("is a group, not a dataset"),
            std::string::npos);
}

TEST_F(H5Test, Attributes) {
  const auto p = path("attr.h5");
  {
    AtomicFile out(p);
    File& f = out.file();
    f.set_attribute("format_version", std::int64_t{1});
    f.set_attribute("tool_version", "0.1.0");
    f.set_attribute("seed", 18446744073709551615ull);  // stored as int64 (wraps to -1)
    f.set_attribute("customers", 100000);
    f.set_attribute("share", 0.25);
    f.set_attribute("command_line", std::string("cxsim run --seed 1 'ünï'"));
    f.set_attribute("share", 0.5);  // replaces
    Group g = f.create_group("variants/b");
    g.set_attribute("label", std::string_view("Baseline"));
    Dataset d = write_array(g, "x", std::vector<double>{1});
    d.set_attribute("units", "share");
    d.set_attribute("n", std::size_t{7});
    out.commit();
  }
  File f = File::open(p);
  EXPECT_EQ(f.attribute_int64("format_version"), 1);
  EXPECT_EQ(f.attribute_string("tool_version"), "0.1.0");
  EXPECT_EQ(f.attribute_int64("seed"), -1);
  EXPECT_EQ(f.attribute_int64("customers"), 100000);
  EXPECT_DOUBLE_EQ(f.attribute_double("share"), 0.5);
  EXPECT_EQ(f.attribute_string("command_line"), "cxsim run --seed 1 'ünï'");
  EXPECT_EQ(f.attribute_names(),
            (std::vector<std::string>{"format_version", "tool_version", "seed", "customers", "command_line", "share"}));
  EXPECT_EQ(f.attribute_type("share"), AttributeType::float64);
  EXPECT_EQ(f.attribute_type("seed"), AttributeType::int64);
  EXPECT_EQ(f.attribute_type("tool_version"), AttributeType::string);
  EXPECT_TRUE(f.has_attribute("seed"));
  EXPECT_FALSE(f.has_attribute("nope"));
  EXPECT_EQ(f.open_group("variants/b").attribute_string("label"), "Baseline");
  Dataset d = f.open_dataset("variants/b/x");
  EXPECT_EQ(d.attribute_string("units"), "share");
  EXPECT_EQ(d.attribute_int64("n"), 7);

  const auto wrong = error_of([&] { (void)f.attribute_double("seed"); });
  EXPECT_NE(wrong.find("attribute 'seed' is int64, not float64"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find(p.string()), std::string::npos) << wrong;
  const auto missing = error_of([&] { (void)f.attribute_string("nope"); });
  EXPECT_NE(missing.find("no attribute 'nope'"), std::string::npos) << missing;
}

TEST_F(H5Test, ReadWriteModeAddsToAFile) {
  const auto p = path("rw.h5");
  {
    AtomicFile out(p);
    write_array(out.file(), "a", std::vector<double>{1});
    out.commit();
  }
  {
    File f = File::open(p, Mode::read_write);
    write_array(f, "b", std::vector<double>{2});
    f.set_attribute("note", "added");
    f.close();
  }
  File f = File::open(p);
  EXPECT_EQ(f.list(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.attribute_string("note"), "added");
  const auto msg = error_of([&] { write_array(f, "c", std::vector<double>{3}); });  // read-only
  EXPECT_NE(msg.find(":/c: cannot create dataset"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[HDF5:"), std::string::npos) << msg;
}

// ------------------------------------------------------------------ wrong types

TEST_F(H5Test, WrongDatasetTypeErrorsClearly) {
  const auto p = path("w.h5");
  {
    AtomicFile out(p);
    write_table(out.file(), "tbl", summary_table());
    write_array(out.file(), "ints", std::vector<std::int64_t>{1, 2});
    write_array(out.file(), "dbl", std::vector<double>{1, 2});
    write_string(out.file(), "str", "x");
    out.commit();
  }
  File f = File::open(p);
  auto expect = [&](auto fn, const std::string& fragment) {
    const auto msg = error_of(fn);
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  };
  expect([&] { read_array_double(f, "tbl"); }, ":/tbl: is a table (compound dataset), not a float array");
  expect([&] { read_array_double(f, "ints"); }, ":/ints: is an integer array, not a float array");
  expect([&] { read_array_int64(f, "dbl"); }, ":/dbl: is a float array, not an integer array");
  expect([&] { read_table(f, "dbl"); }, ":/dbl: is a float array, not a table");
  expect([&] { read_string(f, "ints"); }, ":/ints: is an integer array, not a string");
  expect([&] { read_table(f, "str"); }, ":/str: is a string, not a table");
  expect([&] { read_table(f, "summry"); }, ":/summry: no such dataset");
  expect([&] { read_table(f, "tbll"); }, "(did you mean 'tbl'?)");
  expect([&] { (void)f.open_dataset("ints").table_schema(); }, "not a table");
  // Reading a table column with the wrong accessor.
  Table t = read_table(f, "tbl");
  const auto msg = error_of([&] { (void)t.get_double("n"); });
  EXPECT_NE(msg.find("column 'n' is int64, not float64"), std::string::npos) << msg;
}

// ------------------------------------------------------------------ atomic files

TEST_F(H5Test, AtomicCommitRenamesAndLeavesNoTemp) {
  const auto p = path("results.h5");
  AtomicFile out(p);
  EXPECT_EQ(out.path(), p);
  EXPECT_EQ(out.temp_path().parent_path(), p.parent_path());
  EXPECT_TRUE(std::regex_match(out.temp_path().filename().string(), std::regex(R"(\.results\.h5\.tmp-[0-9a-f]{16})")))
      << out.temp_path();
  EXPECT_TRUE(fs::exists(out.temp_path()));
  EXPECT_FALSE(fs::exists(p));
  Group g = out.file().create_group("variants/baseline");  // still open at commit
  TableAppender app(g, "customers", {{"id", ColumnType::int64}}, 16);
  Table rows;
  rows.add_column("id", std::vector<std::int64_t>{1, 2, 3});
  app.append(rows);
  write_array(g, "survival", std::vector<double>{1.0, 0.5});
  out.commit();
  EXPECT_TRUE(out.committed());
  EXPECT_TRUE(fs::exists(p));
  EXPECT_TRUE(temp_files().empty());
  // Handles from the committed file are closed; using them throws (no crash).
  EXPECT_THROW((void)g.list(), RuntimeError);
  EXPECT_THROW(out.file(), RuntimeError);
  EXPECT_THROW(out.commit(), RuntimeError);

  File f = File::open(p);
  EXPECT_EQ(read_array_double(f, "variants/baseline/survival").values, (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(read_table(f, "variants/baseline/customers").get_int64("id"), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(H5Test, AtomicAbandonedOnExceptionLeavesNothing) {
  const auto p = path("results.h5");
  fs::path temp;
  EXPECT_THROW(
      {
        AtomicFile out(p);
        temp = out.temp_path();
        write_table(out.file(), "summary", summary_table());
        out.file().flush();
        EXPECT_TRUE(fs::exists(temp));
        throw std::runtime_error("engine failed");
      },
      std::runtime_error);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_TRUE(temp_files().empty());
}

TEST_F(H5Test, AtomicAbandonKeepsThePreviousFile) {
  const auto p = path("results.h5");
  {
    AtomicFile out(p);
    out.file().set_attribute("run", 1);
    out.commit();
  }
  {
    AtomicFile out(p);
    out.file().set_attribute("run", 2);
    out.discard();
    EXPECT_FALSE(fs::exists(out.temp_path()));
  }
  EXPECT_EQ(File::open(p).attribute_int64("run"), 1);
  {
    AtomicFile out(p);
    out.file().set_attribute("run", 3);
    AtomicFile moved = std::move(out);  // ownership moves; no double delete
    moved.commit();
  }
  EXPECT_EQ(File::open(p).attribute_int64("run"), 3);  // commit replaces
  EXPECT_TRUE(temp_files().empty());
}

TEST_F(H5Test, AtomicTempNamesAreUnique) {
  AtomicFile a(path("same.h5"));
  AtomicFile b(path("same.h5"));
  EXPECT_NE(a.temp_path(), b.temp_path());
}

TEST_F(H5Test, AtomicFileInMissingDirectory) {
  // Created, as for every output (cxsim/core/atomic_output.h) ...
  const auto p = path("no/such/dir/results.h5");
  {
    AtomicFile out(p);
    out.commit();
  }
  EXPECT_TRUE(fs::is_regular_file(p));
  // ... unless it cannot be: bad input, naming the output.
  try {
    AtomicFile out(p / "results.h5");
    ADD_FAILURE() << "no exception";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("output folder"), std::string::npos) << e.what();
  }
}

TEST_F(H5Test, AtomicFileNeverReplacesANonRegularFile) {
  const auto fifo = path("results.h5");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fs::create_symlink("results.h5", path("link.h5"));
  EXPECT_THROW(AtomicFile{fifo}, cxsim::core::InputError);
  EXPECT_THROW(AtomicFile{path("link.h5")}, cxsim::core::InputError);
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_TRUE(fs::is_symlink(path("link.h5")));
  EXPECT_TRUE(temp_files().empty());
}

// ------------------------------------------------------------------ bad files

TEST_F(H5Test, OpeningAMissingFile) {
  const auto p = path("missing.h5");
  const auto msg = error_of([&] { File::open(p); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
}

TEST_F(H5Test, OpeningACorruptFile) {
  const auto p = path("corrupt.h5");
  std::ofstream(p) << "this is not an HDF5 file, just some text\n";
  const auto msg = error_of([&] { File::open(p); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not an HDF5 file"), std::string::npos) << msg;
}

TEST_F(H5Test, OpeningATruncatedFile) {
  const auto good = path("good.h5");
  {
    AtomicFile out(good);
    write_array(out.file(), "big", std::vector<double>(100000, 1.0));
    out.commit();
  }
  const auto p = path("truncated.h5");
  fs::copy_file(good, p);
  fs::resize_file(p, fs::file_size(p) / 2);
  const auto msg = error_of([&] {
    File f = File::open(p);
    (void)read_array_double(f, "big");
  });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
}

// ------------------------------------------------------------------ streaming

TEST_F(H5Test, AppenderMillionRowsRoundTrip) {
  const auto p = path("big.h5");
  const std::size_t total = 1'000'000, batch = 10'000;
  const Schema schema{{"customer", ColumnType::int64},
                      {"value", ColumnType::float64},
                      {"segment", ColumnType::string},
                      {"periods", ColumnType::int64}};
  const std::vector<std::string> segments{"loyal", "new", "", "at-risk ünï"};
  auto value_of = [](std::size_t i) { return static_cast<double>(i) * 0.5 - 1e6 / static_cast<double>(i + 1); };
  {
    AtomicFile out(p);
    TableAppender app(out.file().require_group("variants/baseline"), "customers", schema);
    app.dataset().set_attribute("description", "one row per simulated customer");
    Table rows(schema);
    for (std::size_t b = 0; b < total / batch; ++b) {
      rows.clear_rows();
      for (std::size_t k = 0; k < batch; ++k) {
        const std::size_t i = b * batch + k;
        rows.int64s("customer").push_back(static_cast<std::int64_t>(i));
        rows.doubles("value").push_back(value_of(i));
        rows.strings("segment").push_back(segments[i % segments.size()]);
        rows.int64s("periods").push_back(static_cast<std::int64_t>(i % 37));
      }
      app.append(rows);
    }
    EXPECT_EQ(app.rows(), total);
    out.commit();
  }
  File f = File::open(p);
  Dataset ds = f.open_dataset("variants/baseline/customers");
  EXPECT_EQ(ds.dims(), (std::vector<std::size_t>{total}));
  EXPECT_EQ(ds.chunk_dims(), (std::vector<std::size_t>{65536}));
  EXPECT_EQ(ds.filters(), (std::vector<std::string>{"shuffle", "deflate"}));
  EXPECT_EQ(ds.attribute_string("description"), "one row per simulated customer");
  Table back = read_table(f, "variants/baseline/customers");
  ASSERT_EQ(back.rows(), total);
  EXPECT_EQ(back.schema(), schema);
  const auto& c = back.get_int64("customer");
  const auto& v = back.get_double("value");
  const auto& s = back.get_string("segment");
  const auto& n = back.get_int64("periods");
  std::size_t bad = 0;
  for (std::size_t i = 0; i < total; ++i) {
    if (c[i] != static_cast<std::int64_t>(i) || v[i] != value_of(i) || s[i] != segments[i % segments.size()] ||
        n[i] != static_cast<std::int64_t>(i % 37)) {
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0u);
  Table mid = read_table(f, "variants/baseline/customers", 654'321, 3);
  EXPECT_EQ(mid.get_int64("customer"), (std::vector<std::int64_t>{654'321, 654'322, 654'323}));
}

TEST_F(H5Test, AppenderChecksSchemaAndArguments) {
  AtomicFile out(path("x.h5"));
  TableAppender app(out.file(), "t", {{"a", ColumnType::int64}, {"b", ColumnType::string}}, 4, 0);
  Table wrong;
  wrong.add_column("a", std::vector<double>{1.0}).add_column("b", std::vector<std::string>{"x"});
  const auto msg = error_of([&] { app.append(wrong); });
  EXPECT_NE(msg.find("do not match the dataset's (a:int64, b:string)"), std::string::npos) << msg;
  EXPECT_NE(msg.find(":/t"), std::string::npos) << msg;
  Table empty(app.schema());
  app.append(empty);
  EXPECT_EQ(app.rows(), 0u);
  Table ok(app.schema());
  for (int i = 0; i < 10; ++i) {  // crosses chunk boundaries (chunk 4)
    ok.int64s("a").push_back(i);
    ok.strings("b").push_back(std::to_string(i));
  }
  app.append(ok);
  EXPECT_EQ(app.rows(), 10u);
  EXPECT_EQ(app.dataset().filters(), std::vector<std::string>{});  // level 0: no filters
  EXPECT_EQ(read_table(out.file(), "t").get_string("b")[9], "9");
  EXPECT_THROW(TableAppender(out.file(), "u", {{"a", ColumnType::int64}}, 0), RuntimeError);
  EXPECT_THROW(TableAppender(out.file(), "u", {{"a", ColumnType::int64}}, 10, 12), RuntimeError);
  EXPECT_THROW(TableAppender(out.file(), "u", {}, 10), RuntimeError);
  EXPECT_THROW(TableAppender(out.file(), "u", {{"a", ColumnType::int64}, {"a", ColumnType::string}}), RuntimeError);
  EXPECT_THROW(TableAppender(out.file(), "t", {{"a", ColumnType::int64}}), RuntimeError);  // exists
}

// ------------------------------------------------------------------ Python interop

TEST_F(H5Test, WritesSampleFileForPython) {
  const auto p = path("sample.h5");
  write_sample_file(p);
  File f = File::open(p);
  EXPECT_EQ(f.list(), (std::vector<std::string>{"model", "variants"}));
  EXPECT_EQ(read_table(f, "variants/baseline/customers").rows(), 3500u);
  EXPECT_EQ(read_table(f, "variants/baseline/summary"), summary_table());
}

TEST_F(H5Test, PythonH5pyAndPandasReadTheFile) {
  if (std::system("/usr/bin/python3 -c 'import h5py, pandas' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with h5py and pandas is not available";
  }
  const auto p = path("sample.h5");
  write_sample_file(p);
  const auto script = path("check.py");
  std::ofstream(script) << R"PY(
import sys
import h5py, numpy as np, pandas as pd
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format_version"] == 1, f.attrs["format_version"]
    assert f.attrs["tool_version"] == "0.1.0", repr(f.attrs["tool_version"])
    assert f.attrs["seed"] == 42
    assert f["model/journey_yaml"].asstr()[()].startswith("name: shop\n")
    df = pd.DataFrame(f["variants/baseline/summary"][()])
    assert list(df.columns) == ["metric", "estimate", "n", "note"], list(df.columns)
    metric = df["metric"].str.decode("utf-8")
    assert list(metric) == ["nps", "conversion", "revenue", "ünïcödé €"], list(metric)
    row = df[metric == "conversion"].iloc[0]
    assert row["estimate"] == 0.125 and row["n"] == -20, row
    assert df["n"].dtype == np.int64 and df["estimate"].dtype == np.float64
    assert f["variants/baseline/summary"].attrs["description"] == "headline metrics"
    h = f["variants/baseline/nps_histogram"]
    assert h.shape == (2, 11) and h.dtype == np.int64 and int(h[1, 10]) == 3
    assert h.attrs["units"] == "customers"
    assert list(f["variants/baseline/survival"][()]) == [1.0, 0.9, 0.81]
    empty = pd.DataFrame(f["variants/baseline/periods"][()])
    assert len(empty) == 0 and list(empty.columns) == ["period", "x"]
    c = f["variants/baseline/customers"]
    assert c.compression == "gzip" and c.shuffle and c.chunks == (1000,) and c.maxshape == (None,)
    cdf = pd.DataFrame(c[()])
    assert len(cdf) == 3500 and cdf["id"].iloc[-1] == 3499
    assert cdf["segment"].str.decode("utf-8").iloc[1] == "new"
print("python ok")
)PY";
  const auto log = path("python.log");
  const std::string cmd =
      "/usr/bin/python3 '" + script.string() + "' '" + p.string() + "' >'" + log.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("python ok"), std::string::npos) << output;
}

// Reading files written by h5py: fixed-length strings, other int/float
// widths, tables without creation-order tracking.
TEST_F(H5Test, ReadsTablesWrittenByH5py) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with h5py is not available";
  }
  const auto p = path("from_py.h5");
  const auto script = path("make.py");
  std::ofstream(script) << R"PY(
import sys
import h5py, numpy as np
dt = np.dtype([("name", "S8"), ("count", "<i4"), ("share", "<f4"), ("label", h5py.string_dtype())])
rows = np.array([(b"ab", 1, 0.5, "x"), (b"cdefghij", -2, 0.25, "yy")], dtype=dt)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("grp/t", data=rows)
    f.create_dataset("grp/a", data=np.arange(6, dtype="<i2").reshape(2, 3))
    f.create_dataset("s", data="hello", dtype=h5py.string_dtype())
    f.create_dataset("fixed", data=np.bytes_("fixed text"))
    f.attrs["fx"] = np.bytes_("fixed attr")
    f.attrs["i32"] = np.int32(7)
)PY";
  ASSERT_EQ(std::system(("/usr/bin/python3 '" + script.string() + "' '" + p.string() + "'").c_str()), 0);
  File f = File::open(p);
  Table t = read_table(f, "grp/t");
  EXPECT_EQ(t.get_string("name"), (std::vector<std::string>{"ab", "cdefghij"}));
  EXPECT_EQ(t.get_int64("count"), (std::vector<std::int64_t>{1, -2}));
  EXPECT_EQ(t.get_double("share"), (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ(t.get_string("label"), (std::vector<std::string>{"x", "yy"}));
  auto a = read_array_int64(f, "grp/a");
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.values, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(read_string(f, "s"), "hello");
  EXPECT_EQ(read_string(f, "fixed"), "fixed text");
  EXPECT_EQ(f.attribute_string("fx"), "fixed attr");
  EXPECT_EQ(f.attribute_int64("i32"), 7);
  EXPECT_EQ(f.list(), (std::vector<std::string>{"fixed", "grp", "s"}));  // by name
}

// ------------------------------------------------------------------ the one-file rule

// Only files under sim/src/io/ (the layer's sources and its internal,
// uninstalled h5_internal.h) include an HDF5 header.
TEST(IoH5Rule, OnlyIoSourcesIncludeHdf5) {
  const fs::path root = CXSIM_SOURCE_DIR;
  const std::regex include_re(R"(#\s*include\s*[<"](hdf5|H5Cpp|H5[A-Za-z]*public)\.h[>"])");
  std::vector<std::string> offenders;
  for (const char* top : {"sim", "tests", "bench"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / top)) {
      if (!e.is_regular_file()) continue;
      const auto ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h" && ext != ".hpp" && ext != ".cc") continue;
      std::ifstream in(e.path());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (std::regex_search(text, include_re)) offenders.push_back(fs::relative(e.path(), root).string());
    }
  }
  std::sort(offenders.begin(), offenders.end());
  std::vector<std::string> outside;
  // The one exception: the test that crafts hostile files (soft and
  // external links, unallocated giga-datasets) the layer cannot write.
  for (const auto& f : offenders)
    if (f.rfind("sim/src/io/", 0) != 0 && f != "tests/unit/test_io_integrity.cpp") outside.push_back(f);
  EXPECT_EQ(outside, std::vector<std::string>{}) << "only sim/src/io/ may include <hdf5.h>";
  EXPECT_NE(std::find(offenders.begin(), offenders.end(), "sim/src/io/h5_internal.h"), offenders.end())
      << "the scan found no include at all: is the pattern still right?";
  std::ifstream h(root / "sim/include/cxsim/io/h5.h");
  const std::string header((std::istreambuf_iterator<char>(h)), std::istreambuf_iterator<char>());
  EXPECT_EQ(header.find("hid_t"), std::string::npos) << "h5.h must not expose hid_t";
}
