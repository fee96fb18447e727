// decodiffinspect fails safe (suite FailSafe), item 5: chained elements are told apart.
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

namespace {
struct Seen {
  std::vector<std::vector<std::string>> producers;  // per buffer, in the order added
  std::vector<std::vector<bool>> painted;
  std::vector<std::string> first_meta_producer;
  std::vector<std::set<std::string>> roi_producers;
  std::string by_name_second;
};

GstPadProbeReturn record(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* seen = static_cast<Seen*>(data);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  std::vector<std::string> names;
  std::vector<bool> painted;
  gpointer state = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(buf, &state)) {
    names.push_back(m->producer ? m->producer : "");
    painted.push_back(m->painted);
  }
  seen->producers.push_back(names);
  seen->painted.push_back(painted);
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(buf);
  seen->first_meta_producer.push_back(m && m->producer ? m->producer : "");
  GstDecodiffMeta* second = gst_buffer_get_decodiff_meta_by_producer(buf, "second");
  seen->by_name_second = second && second->producer ? second->producer : "";
  std::set<std::string> rois;
  state = NULL;
  while (GstMeta* r =
             gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    GstStructure* p = gst_video_region_of_interest_meta_get_param(
        reinterpret_cast<GstVideoRegionOfInterestMeta*>(r), "decodiff");
    if (p && gst_structure_get_string(p, "producer")) rois.insert(gst_structure_get_string(p, "producer"));
  }
  seen->roi_producers.push_back(rois);
  return GST_PAD_PROBE_OK;
}

std::string chain(const std::string& first_overlay) {
  return "videotestsrc num-buffers=3 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
         "decodiffinspect name=first threshold=0 overlay=" +
         first_overlay + " " + model_props() + " ! decodiffinspect name=second threshold=0 overlay=none " +
         model_props() + " ! fakesink name=sink";
}
}  // namespace

TEST_F(FailSafe, PaintedInputWarnsOnceNamingBothElements) {
  Seen seen;
  PipelineRun run = run_pipeline(chain("heatmap"), record, &seen);
  EXPECT_TRUE(run.eos);
  ASSERT_EQ(count_from(run.warnings, "second"), 1u);
  EXPECT_EQ(count_from(run.warnings, "first"), 0u);
  for (const Posted& w : run.warnings)
    if (w.source == "second") {
      EXPECT_TRUE(contains(w.text, "\"second\" receives frames painted by decodiffinspect \"first\""))
          << w.text;
      EXPECT_TRUE(contains(w.text, "overlay=none")) << w.text;
    }
  ASSERT_EQ(seen.producers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(seen.producers[i], (std::vector<std::string>{"first", "second"})) << i;
    EXPECT_EQ(seen.painted[i], (std::vector<bool>{true, false})) << i;
    EXPECT_EQ(seen.first_meta_producer[i], "first") << "the element furthest upstream";
    EXPECT_EQ(seen.roi_producers[i], (std::set<std::string>{"first", "second"})) << i;
  }
  EXPECT_EQ(seen.by_name_second, "second");
}

TEST_F(FailSafe, UnpaintedInputFromAnotherElementIsNoWarning) {
  Seen seen;
  PipelineRun run = run_pipeline(chain("none"), record, &seen);
  EXPECT_TRUE(run.eos);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(seen.producers.size(), 3u);
  EXPECT_EQ(seen.painted[0], (std::vector<bool>{false, false}));
}
