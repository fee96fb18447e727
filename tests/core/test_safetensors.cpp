#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "../common/temp_dir.h"
#include "../common/test_data.h"
#include "io/safetensors.h"

namespace decodiff::io {
namespace {

class SafetensorsTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return tmp_.file(name); }
  // A file with a hand-written header and `data_bytes` bytes of data.
  std::string raw(const std::string& name, const std::string& header, size_t data_bytes) {
    std::ofstream out(path(name), std::ios::binary);
    uint64_t n = header.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << header << std::string(data_bytes, '\0');
    return path(name);
  }
  void expect_error(const std::string& file, const std::string& fragment) {
    try {
      read_safetensors(file);
      FAIL() << "no error for " << file;
    } catch (const SafetensorsError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file), std::string::npos) << what;
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
    }
  }
  testing::TempDir tmp_{"safetensors"};
};

TEST_F(SafetensorsTest, RoundTripKeepsValuesDtypesAndMetadata) {
  std::map<std::string, at::Tensor> tensors{
      {"a", at::arange(12, at::kFloat).reshape({3, 4})},
      {"b", at::tensor({1.5, -2.25}).to(at::kHalf)},
      {"c", at::tensor({1.0, 2.0, 3.0}).to(at::kBFloat16)},
      {"d", at::tensor({int64_t{7}, int64_t{-9}})},
      {"e", at::zeros({0, 3})},
  };
  write_safetensors(path("rt.safetensors"), tensors, {{"k", "v"}});
  auto back = read_safetensors(path("rt.safetensors"));
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    EXPECT_EQ(back.tensors[name].scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(back.tensors[name].equal(t)) << name;
  }
  EXPECT_EQ(back.metadata.at("k"), "v");
  EXPECT_FALSE(std::filesystem::exists(path("rt.safetensors.partial")));
}

TEST_F(SafetensorsTest, MissingFile) { expect_error(path("nope.safetensors"), "cannot open"); }

TEST_F(SafetensorsTest, TooShortFile) {
  std::ofstream(path("short.safetensors")) << "abc";
  expect_error(path("short.safetensors"), "only 3 bytes");
}

TEST_F(SafetensorsTest, HeaderLongerThanFile) {
  std::ofstream out(path("long.safetensors"), std::ios::binary);
  uint64_t n = 1000;
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << "{}";
  out.close();
  expect_error(path("long.safetensors"), "does not fit");
}

TEST_F(SafetensorsTest, BadJson) { expect_error(raw("json.safetensors", "{\"a\": [", 0), "not valid JSON"); }

TEST_F(SafetensorsTest, OffsetsBeyondData) {
  expect_error(raw("off.safetensors", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
               "tensor 'w'");
}

TEST_F(SafetensorsTest, ShapeDisagreesWithOffsets) {
  expect_error(raw("shape.safetensors", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16),
               "needs 12 bytes");
}

TEST_F(SafetensorsTest, UnknownDtype) {
  expect_error(raw("dtype.safetensors", R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", 1),
               "unsupported dtype");
}

TEST_F(SafetensorsTest, NegativeOffset) {
  expect_error(raw("neg.safetensors", R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", 1),
               "data_offsets");
}

TEST_F(SafetensorsTest, OverlappingTensors) {
  expect_error(
      raw("overlap.safetensors",
          R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
          6),
      "overlap");
}

TEST_F(SafetensorsTest, BytesNotCoveredByAnyTensor) {
  expect_error(raw("gap.safetensors", R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", 6),
               "bytes 0..2 of the data section belong to no tensor");
  expect_error(raw("tail.safetensors", R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 7),
               "bytes 4..7 of the data section belong to no tensor");
}

TEST_F(SafetensorsTest, BytesInMemoryReadAsTheFile) {
  const std::map<std::string, at::Tensor> tensors = {{"a", at::arange(6, at::kFloat).reshape({2, 3})},
                                                     {"b", at::tensor({7, -8}, at::kLong)}};
  write_safetensors(path("mem.safetensors"), tensors, {{"k", "v"}});
  std::ifstream in(path("mem.safetensors"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto back = read_safetensors_bytes(bytes.data(), bytes.size(), "in-memory model");
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_TRUE(back.tensors.at("a").equal(tensors.at("a")));
  EXPECT_TRUE(back.tensors.at("b").equal(tensors.at("b")));
  EXPECT_EQ(back.metadata.at("k"), "v");
  try {
    read_safetensors_bytes(bytes.data(), bytes.size() - 3, "in-memory model");
    FAIL() << "no error for cut bytes";
  } catch (const SafetensorsError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("in-memory model: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST_F(SafetensorsTest, TruncatedRealFile) {
  write_safetensors(path("full.safetensors"), {{"w", at::ones({64})}});
  const auto size = std::filesystem::file_size(path("full.safetensors"));
  std::filesystem::copy_file(path("full.safetensors"), path("cut.safetensors"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(path("cut.safetensors"), size - 10);
  expect_error(path("cut.safetensors"), "truncated");
}

}  // namespace
}  // namespace decodiff::io
