// Changing class, regions or model while the element plays: the change takes
// effect at one frame, announced on the bus, and no frame is lost; a change
// that cannot work is refused with one warning (suite Changeover).
#include <filesystem>

#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {

struct Playing {
  decodiff::testing::TempDir dir{"changeover"};
  std::string results = dir.file("results.jsonl");
  GstElement* element = nullptr;
  std::unique_ptr<BusWatch> bus;
  GstHarness* h = nullptr;
  uint64_t pushed = 0;

  explicit Playing(const std::string& props) {
    element = make_element(props + " results-location=\"" + results + "\"");
    bus = std::make_unique<BusWatch>(element);
    h = gst_harness_new_with_element(element, "sink", "src");
    gst_harness_set_src_caps_str(h, caps_for("RGB").c_str());
  }
  ~Playing() {
    if (h) gst_harness_teardown(h);
    gst_object_unref(element);
  }
  void push(int frames) {
    for (int i = 0; i < frames; ++i, ++pushed) {
      ASSERT_EQ(GST_FLOW_OK,
                gst_harness_push(h, make_buffer(caps_for("RGB"), rgb_pattern(kW, kH, int(pushed)),
                                                pushed * GST_SECOND / 10, GST_SECOND / 10)));
      gst_buffer_unref(gst_harness_pull(h));
    }
  }
  void finish() {
    gst_harness_teardown(h);
    h = nullptr;
  }
  // Frame numbers of the "decodiff-changeover" messages so far.
  std::vector<uint64_t> changeovers(std::string* model = nullptr) {
    std::vector<uint64_t> frames;
    for (GstMessage* m : bus->pop_all(GST_MESSAGE_ELEMENT)) {
      const GstStructure* s = gst_message_get_structure(m);
      if (gst_structure_has_name(s, "decodiff-changeover")) {
        guint64 frame = 0;
        gst_structure_get_uint64(s, "frame", &frame);
        frames.push_back(frame);
        if (model) *model = gst_structure_get_string(s, "model");
      }
      gst_message_unref(m);
    }
    return frames;
  }
  std::string warnings() {
    std::string text;
    for (GstMessage* m : bus->pop_all(GST_MESSAGE_WARNING)) {
      GError* err = NULL;
      gst_message_parse_warning(m, &err, NULL);
      text += std::string(err->message) + "\n";
      g_error_free(err);
      gst_message_unref(m);
    }
    return text;
  }
  std::vector<nlohmann::json> lines() {
    std::vector<nlohmann::json> out;
    for (const std::string& line : read_lines(results)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::string property(const char* name) {
    gchar* v = NULL;
    g_object_get(element, name, &v, NULL);
    std::string s = v ? v : "";
    g_free(v);
    return s;
  }
};

}  // namespace

TEST(Changeover, ClassChangesAtTheNextFrameAndNoFrameIsLost) {
  SKIP_WITHOUT_TINY_MODEL();
  Playing p("class=alpha message=none");
  p.push(3);
  g_object_set(p.element, "class", "beta", NULL);
  EXPECT_EQ(p.property("class"), "beta");
  p.push(3);
  EXPECT_EQ(p.changeovers(), (std::vector<uint64_t>{3}));
  p.finish();
  const auto lines = p.lines();
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["frame"], i);
    EXPECT_EQ(lines[i]["class"], i < 3 ? "alpha" : "beta") << "frame " << i;
  }
}

TEST(Changeover, RegionsChangeAtTheNextFrame) {
  SKIP_WITHOUT_TINY_MODEL();
  Playing p("message=none");
  p.push(2);
  g_object_set(p.element, "roi", "0,0,48,40@alpha;48,40,48,40@gamma", NULL);
  p.push(2);
  p.finish();
  const auto lines = p.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_FALSE(lines[1].contains("inspections"));
  ASSERT_TRUE(lines[2].contains("inspections"));
  EXPECT_EQ(lines[2]["inspections"][1]["class"], "gamma");
}

TEST(Changeover, ASettingThatCannotWorkIsRefusedAndTheOldOneStays) {
  SKIP_WITHOUT_TINY_MODEL();
  Playing p("class=alpha message=none");
  p.push(1);
  g_object_set(p.element, "class", "delta", NULL);
  g_object_set(p.element, "roi", "0,0,80,60;40,30,10,10", NULL);  // overlapping
  g_object_set(p.element, "roi", "50,50,60,60", NULL);            // outside the 96x80 frame
  const std::string warnings = p.warnings();
  EXPECT_NE(warnings.find("Cannot change \"class\" to \"delta\""), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("overlap"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("does not fit in the 96x80 frame"), std::string::npos) << warnings;
  EXPECT_EQ(p.property("class"), "alpha");
  EXPECT_EQ(p.property("roi"), "");
  p.push(1);
  EXPECT_TRUE(p.changeovers().empty());
  p.finish();
  const auto lines = p.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["class"], "alpha");
}

TEST(Changeover, ANewModelLoadsInTheBackgroundAndTakesOverAtOneFrame) {
  SKIP_WITHOUT_TINY_MODEL();
  Playing p("message=none");
  const std::string copy = p.dir.file("other-model.safetensors");
  std::filesystem::copy_file(tiny_model(), copy);
  p.push(1);
  g_object_set(p.element, "model", copy.c_str(), NULL);
  std::vector<uint64_t> at;
  std::string model;
  for (int i = 0; i < 200 && at.empty(); ++i) {  // frames keep flowing while it loads
    p.push(1);
    at = p.changeovers(&model);
    if (at.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(model, copy);
  EXPECT_EQ(p.property("model"), copy);
  p.finish();
  const auto lines = p.lines();
  ASSERT_EQ(lines.size(), p.pushed);  // no frame lost
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["frame"], i);
}

TEST(Changeover, AModelThatCannotLoadIsRefusedAndTheOldOneStays) {
  SKIP_WITHOUT_TINY_MODEL();
  Playing p("message=none");
  p.push(1);
  const std::string missing = p.dir.file("missing.safetensors");
  g_object_set(p.element, "model", missing.c_str(), NULL);
  std::string warnings;
  for (int i = 0; i < 200 && warnings.empty(); ++i) {
    p.push(1);
    warnings = p.warnings();
    if (warnings.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(warnings.find("Cannot change over to model " + missing), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("the model in use stays"), std::string::npos) << warnings;
  EXPECT_EQ(p.property("model"), tiny_model());
  p.push(2);
  EXPECT_TRUE(p.changeovers().empty());
  p.finish();
  EXPECT_EQ(p.lines().size(), p.pushed);
}
