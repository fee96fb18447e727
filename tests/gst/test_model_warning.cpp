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

struct Posted {
  std::vector<std::string> warnings, errors;
  bool eos = false;
};

Posted run(const std::string& model) {
  gst_init(NULL, NULL);
  const std::string desc =
      "videotestsrc num-buffers=1 ! video/x-raw,format=RGB,width=72,height=72 ! decodiffinspect model=\"" +
      model + "\" device=cpu ! fakesink";
  GError* err = NULL;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  Posted posted;
  if (!pipeline) return posted;
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (!posted.eos && posted.errors.empty()) {
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, 120 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
    if (!m) break;
    GError* e = NULL;
    gchar* dbg = NULL;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) posted.eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning(m, &e, &dbg);
      posted.warnings.push_back(e->message);
    }
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      gst_message_parse_error(m, &e, &dbg);
      posted.errors.push_back(e->message);
    }
    if (e) g_error_free(e);
    g_free(dbg);
    gst_message_unref(m);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
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
  const Posted p = run(tiny_model());
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
  const Posted good = run(model);
  EXPECT_TRUE(good.eos);
  EXPECT_TRUE(about_fingerprints(good.warnings).empty()) << good.warnings[0];

  decodiff::edit_model_metadata(model, [](nlohmann::json& m) {
    m["fingerprint"]["expected"]["score"] = m["fingerprint"]["expected"]["score"].get<double>() + 0.5;
  });
  const Posted bad = run(model);
  EXPECT_FALSE(bad.eos);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find(model + ": fingerprint check failed on cpu in fp32: score "),
            std::string::npos)
      << bad.errors[0];
}
