// decodiffinspect posts the engine's load warnings: exactly one GStreamer
// warning for a model without a fingerprint, none for a fingerprinted one, and
// refuses to start on a model whose fingerprint check fails.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "fingerprint.h"
#include "gst_test_util.h"
#include "model_file.h"

using namespace decodiff::gst_test;

namespace {

RunMessages run(const std::string& model) {
  gst_init(NULL, NULL);
  const std::string desc =
      "videotestsrc num-buffers=1 ! video/x-raw,format=RGB,width=72,height=72 ! decodiffinspect model=\"" +
      model + "\" device=cpu ! fakesink";
  RunMessages posted = run_to_end(desc, 120 * GST_SECOND);
  EXPECT_EQ(posted.launch_error, "");
  return posted;
}

std::vector<std::string> about_fingerprints(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    if (m.find("fingerprint") != std::string::npos) out.push_back(m);
  return out;
}

}  // namespace

TEST(ModelWarning, ModelWithoutFingerprintGetsOneWarning) {
  SKIP_WITHOUT_TINY_MODEL();
  const RunMessages p = run(tiny_model());
  EXPECT_TRUE(p.eos) << (p.errors.empty() ? "" : p.errors[0]);
  const auto w = about_fingerprints(p.warnings);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind(tiny_model() + ": the model has no fingerprint", 0), 0u) << w[0];
}

TEST(ModelWarning, FingerprintedModelStartsSilentlyAndABrokenOneIsRefused) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string model = scratch("fingerprinted.safetensors");
  std::filesystem::copy_file(tiny_model(), model);
  decodiff::add_model_fingerprint(model);
  const RunMessages good = run(model);
  EXPECT_TRUE(good.eos);
  EXPECT_TRUE(about_fingerprints(good.warnings).empty()) << good.warnings[0];

  decodiff::edit_model_metadata(model, [](nlohmann::json& m) {
    m["fingerprint"]["expected"]["score"] = m["fingerprint"]["expected"]["score"].get<double>() + 0.5;
  });
  const RunMessages bad = run(model);
  EXPECT_FALSE(bad.eos);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find(model + ": fingerprint check failed on cpu in fp32: score "),
            std::string::npos)
      << bad.errors[0];
}
