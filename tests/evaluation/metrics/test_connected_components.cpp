#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "metrics/connected_components.h"

namespace decodiff::metrics {
namespace {

TEST(ConnectedComponents, DiagonalNeighboursJoin) {
  // clang-format off
  const std::vector<uint8_t> mask = {
      1, 0, 0, 0, 1,
      0, 1, 0, 1, 0,
      0, 0, 0, 0, 0,
      1, 1, 0, 0, 1,
  };
  // clang-format on
  const Components c = label_components_8(mask.data(), 5, 4);
  ASSERT_EQ(c.count(), 4u);
  const std::vector<uint32_t> expected = {1, 0, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 4};
  EXPECT_EQ(c.labels, expected);
  EXPECT_EQ(c.sizes, (std::vector<uint32_t>{2, 2, 2, 1}));
}

TEST(ConnectedComponents, UShapeMergesLate) {
  // The two arms get different provisional labels and meet only in the last row.
  // clang-format off
  const std::vector<uint8_t> mask = {
      1, 0, 0, 1,
      1, 0, 0, 1,
      0, 1, 1, 0,
  };
  // clang-format on
  const Components c = label_components_8(mask.data(), 4, 3);
  ASSERT_EQ(c.count(), 1u);
  EXPECT_EQ(c.sizes[0], 6u);
}

TEST(ConnectedComponents, EmptyAndFull) {
  const std::vector<uint8_t> zeros(12, 0), ones(12, 255);
  EXPECT_EQ(label_components_8(zeros.data(), 4, 3).count(), 0u);
  const Components full = label_components_8(ones.data(), 4, 3);
  ASSERT_EQ(full.count(), 1u);
  EXPECT_EQ(full.sizes[0], 12u);
}

TEST(ConnectedComponents, BadInputThrows) {
  const std::vector<uint8_t> mask(4, 0);
  EXPECT_THROW(label_components_8(nullptr, 2, 2), std::invalid_argument);
  EXPECT_THROW(label_components_8(mask.data(), 0, 2), std::invalid_argument);
  EXPECT_THROW(label_components_8(mask.data(), 2, -1), std::invalid_argument);
}

}  // namespace
}  // namespace decodiff::metrics
