#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "error_text.h"

namespace {

TEST(ErrorText, C10ErrorKeepsItsMessageAndDropsTheBacktrace) {
  try {
    TORCH_CHECK(false, "latent has 3 channels, the UNet wants 4");
    FAIL() << "TORCH_CHECK did not throw";
  } catch (const std::exception& e) {
    const std::string full = e.what();
    ASSERT_NE(full.find('\n'), std::string::npos) << "c10 is expected to append more lines: " << full;
    const std::string text = decodiff::error_text(e);
    EXPECT_NE(text.find("latent has 3 channels, the UNet wants 4"), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    EXPECT_EQ(text.find("Exception raised from"), std::string::npos) << text;
  }
}

TEST(ErrorText, OtherExceptionsGiveTheirFirstLine) {
  EXPECT_EQ(decodiff::error_text(std::runtime_error("model.safetensors: tensor x: wrong shape")),
            "model.safetensors: tensor x: wrong shape");
  EXPECT_EQ(decodiff::error_text(std::invalid_argument("first line\nsecond line")), "first line");
  EXPECT_EQ(decodiff::error_text(std::runtime_error("")), "");
}

}  // namespace
