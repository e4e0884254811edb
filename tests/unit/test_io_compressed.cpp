// write_array_compressed (cxsim/io/h5.h): shuffle + deflate int64 arrays read
// back bit for bit by read_array_int64.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"

namespace fs = std::filesystem;
using namespace cxsim::io;

namespace {

TEST(IoCompressed, RoundTripsEveryBit) {
  std::random_device rd;
  const fs::path dir =
      fs::temp_directory_path() / ("cxsim_io_compressed_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
  fs::create_directories(dir);
  std::vector<std::int64_t> values = {0, -1, std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::max(), 42};
  std::mt19937_64 gen(7);
  for (int i = 0; i < 300000; ++i) values.push_back(static_cast<std::int64_t>(gen() >> (i % 64)));
  {
    AtomicFile af(dir / "c.h5");
    const Dataset d = write_array_compressed(af.file(), "g/words", values, 4, {"some words", ""});
    EXPECT_EQ(d.filters(), (std::vector<std::string>{"shuffle", "deflate"}));
    write_array_compressed(af.file(), "empty", {});
    EXPECT_THROW(write_array_compressed(af.file(), "bad", values, 0), cxsim::core::RuntimeError);
    EXPECT_THROW(write_array_compressed(af.file(), "g/words", values), cxsim::core::RuntimeError);  // exists
    af.commit();
  }
  {
    const File f = File::open(dir / "c.h5");
    const auto back = read_array_int64(f, "g/words");
    EXPECT_EQ(back.values, values);
    EXPECT_EQ(back.dims, (std::vector<std::size_t>{values.size()}));
    EXPECT_TRUE(read_array_int64(f, "empty").values.empty());
    EXPECT_EQ(f.open_dataset("g/words").attribute_string("description"), "some words");
  }
  EXPECT_EQ(open_object_count(), 0u);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
