// decodiffinspect refuses to start with a message naming the problem (suite Errors).
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {
// Takes the element to PAUSED (start()) and returns the error text.
std::string start_error(const std::string& props, const std::string& model = tiny_model()) {
  std::string desc = "decodiffinspect " + (model.empty() ? "" : "model=\"" + model + "\" ") + props;
  GstElement* e = gst_parse_launch(desc.c_str(), NULL);
  BusWatch bus(e);
  GstStateChangeReturn ret = gst_element_set_state(e, GST_STATE_PAUSED);
  EXPECT_EQ(ret, GST_STATE_CHANGE_FAILURE) << props;
  std::string text = bus.error_text();
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
  return text;
}
}  // namespace

TEST(Errors, NoModel) { EXPECT_NE(start_error("", "").find("model"), std::string::npos); }

TEST(Errors, MissingModelFile) {
  std::string text = start_error("", "/nonexistent/dir/model.safetensors");
  EXPECT_NE(text.find("/nonexistent/dir/model.safetensors"), std::string::npos) << text;
}

TEST(Errors, CorruptModelFile) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string path = scratch("safetensors");
  {  // the first 4 kB of a real model: a truncated file
    std::ifstream in(tiny_model(), std::ios::binary);
    std::vector<char> head(4096);
    in.read(head.data(), head.size());
    std::ofstream(path, std::ios::binary).write(head.data(), head.size());
  }
  std::string text = start_error("", path);
  const std::string prefix = "Cannot load model " + path + " on device auto: ";
  EXPECT_EQ(text.rfind(prefix, 0), 0u) << text;
  // the loader's own reason follows, naming the file (docs/model-format.md)
  EXPECT_NE(text.find(path, prefix.size()), std::string::npos) << text;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "this is not a model";
  text = start_error("", path);
  EXPECT_NE(text.find(path), std::string::npos) << text;
}

TEST(Errors, UnknownClass) {
  SKIP_WITHOUT_TINY_MODEL();
  std::string text = start_error("class=nosuchclass");
  EXPECT_NE(text.find("nosuchclass"), std::string::npos) << text;
  text = start_error("class=7");
  EXPECT_NE(text.find("\"7\""), std::string::npos) << text;
}

TEST(Errors, UnavailableDevice) {
  SKIP_WITHOUT_TINY_MODEL();
  std::string text = start_error("device=cuda:77");
  EXPECT_NE(text.find("cuda:77"), std::string::npos) << text;
  text = start_error("device=tpu");
  EXPECT_NE(text.find("tpu"), std::string::npos) << text;
}

TEST(Errors, IllegalStepsAndRoi) {
  SKIP_WITHOUT_TINY_MODEL();
  EXPECT_NE(start_error("steps=6").find("steps 6"), std::string::npos);
  EXPECT_NE(start_error("roi=1,2,3").find("roi"), std::string::npos);
}

TEST(Errors, RoiOutsideTheFrameFailsAtCaps) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* e = make_element("roi=50,50,60,60");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  push_caps_and_segment(h, caps_for("RGB", 96, 80));
  EXPECT_EQ(GST_FLOW_NOT_NEGOTIATED,
            gst_harness_push(h, make_buffer(caps_for("RGB", 96, 80), rgb_pattern(96, 80, 0), 0, 1)));
  std::string text = bus.error_text();
  EXPECT_NE(text.find("does not fit in the 96x80 frame"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(Errors, SameInstanceIdWithAnotherModel) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string copy = scratch("safetensors");
  {
    std::ifstream in(tiny_model(), std::ios::binary);
    std::ofstream(copy, std::ios::binary) << in.rdbuf();
  }
  GstHarness* a = make_harness("model-instance-id=shared-x overlay=none", caps_for("RGB"));
  std::string text = start_error("model-instance-id=shared-x", copy);
  EXPECT_NE(text.find("model-instance-id 'shared-x' is already used"), std::string::npos) << text;
  gst_harness_teardown(a);
}
