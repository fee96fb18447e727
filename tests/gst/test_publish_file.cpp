// decodiffpublish method=file (suite PublishFile): the published objects are
// decodiffinspect's JSON lines plus "schema" and "element"; which frames are
// published; bad settings and a full disk.
#include <nlohmann/json.hpp>

#include "gst_test_util.h"
#include "publish_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::publish_test;

namespace {

constexpr int kW = 96, kH = 80;

std::string inspect_caps(const std::string& format = "RGB") {
  return "video/x-raw,format=" + format + ",width=" + std::to_string(kW) + ",height=" + std::to_string(kH) +
         ",framerate=10/1";
}

// The state change of a harness' element fails; the error text.
std::string start_error(const std::string& props) {
  GError* err = NULL;
  GstElement* e = gst_parse_launch(("decodiffpublish " + props).c_str(), &err);
  EXPECT_EQ(err, nullptr);
  BusWatch bus(e);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  std::string text = bus.error_text();
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
  return text;
}

}  // namespace

TEST(PublishFile, ObjectsAreTheInspectorsJsonLinesWithSchemaAndElement) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string lines_path = scratch("inspect.jsonl"), published_path = scratch("published.jsonl");
  GstHarness* h =
      gst_harness_new_parse(("decodiffinspect name=inspect model=\"" + tiny_model() +
                             "\" device=cpu overlay=none interval=2 results-location=" + lines_path +
                             " ! decodiffpublish name=pub method=file location=" + published_path)
                                .c_str());
  gst_harness_set_src_caps_str(h, inspect_caps().c_str());
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(gst_harness_push(h, make_buffer(inspect_caps(), rgb_pattern(kW, kH, i), i * GST_SECOND / 10,
                                              GST_SECOND / 10)),
              GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h));
  }
  EXPECT_EQ(publisher_counter(h, "sent"), 4u);
  gst_harness_teardown(h);

  const auto inspected = read_lines(lines_path), published = read_lines(published_path);
  ASSERT_EQ(inspected.size(), 4u);  // frames 0, 2, 4, 6: the stale ones are not published
  ASSERT_EQ(published.size(), inspected.size());
  for (size_t i = 0; i < published.size(); ++i) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(published[i]);
    EXPECT_EQ(published[i].rfind("{\"schema\":1,\"element\":\"inspect\",", 0), 0u) << published[i];
    j.erase("schema");
    j.erase("element");
    EXPECT_EQ(j.dump(), inspected[i]);
  }
}

TEST(PublishFile, SeveralRegionsArePublishedAsTheInspectorListsThem) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string lines_path = scratch("regions.jsonl"),
                    published_path = scratch("regions-published.jsonl");
  GstHarness* h = gst_harness_new_parse(
      ("decodiffinspect name=inspect model=\"" + tiny_model() +
       "\" device=cpu overlay=none roi=\"0,0,48,40@alpha;48,40,48,40@gamma:0.2\" results-location=" +
       lines_path + " ! decodiffpublish name=pub method=file location=" + published_path)
          .c_str());
  gst_harness_set_src_caps_str(h, inspect_caps().c_str());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(gst_harness_push(h, make_buffer(inspect_caps(), rgb_pattern(kW, kH, i), i * GST_SECOND / 10,
                                              GST_SECOND / 10)),
              GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h));
  }
  gst_harness_teardown(h);

  const auto inspected = read_lines(lines_path), published = read_lines(published_path);
  ASSERT_EQ(inspected.size(), 3u);
  ASSERT_EQ(published.size(), 3u);
  for (size_t i = 0; i < published.size(); ++i) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(published[i]);
    ASSERT_EQ(j["inspections"].size(), 2u) << published[i];
    j.erase("schema");
    j.erase("element");
    EXPECT_EQ(j.dump(), inspected[i]);
  }
}

TEST(PublishFile, AnomaliesOnlyAndNeverStaleResults) {
  const std::string path = scratch("anomalies.jsonl");
  GstHarness* h = publish_harness("method=file publish=anomalies location=" + path);
  for (uint64_t i = 0; i < 9; ++i) {
    GstBuffer* b = meta_buffer(i, i % 3 == 0);
    if (i == 6) {  // a carried-over result: not published
      GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(b);
      m->inspected_frame_number = 5;
      m->stale = TRUE;
    }
    ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h);
    EXPECT_EQ(out, b);  // passed through, untouched
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["frame"], 0);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["frame"], 3);
  EXPECT_EQ(
      lines[1],
      "{\"schema\":1,\"element\":\"inspect0\",\"frame\":3,\"pts\":300000000,\"score\":0.75,\"anomalous\":"
      "true,"
      "\"threshold\":0.5,\"class\":\"nut\",\"regions\":[{\"x\":4,\"y\":6,\"w\":10,\"h\":8,\"score\":0.75}],"
      "\"latency_ms\":1.25}");
  EXPECT_EQ(lines[1], expected_object(3, true));
}

TEST(PublishFile, EveryMetaOfAFrameIsPublishedWithItsElement) {
  const std::string path = scratch("two.jsonl");
  GstHarness* h = publish_harness("method=file location=" + path);
  GstBuffer* b = meta_buffer(0, false);
  GstDecodiffMeta* second = gst_buffer_add_decodiff_meta(b);
  gst_decodiff_meta_set_producer(second, "station-b");
  ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  gst_buffer_unref(gst_harness_pull(h));
  gst_harness_teardown(h);
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["element"], "inspect0");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["element"], "station-b");
}

TEST(PublishFile, FullDiskWarnsOnceCountsAndTheVideoFlows) {
  GstBus* bus = gst_bus_new();
  GstHarness* h = publish_harness("method=file location=/dev/full", rgb_caps(), bus);
  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_EQ(gst_harness_push(h, meta_buffer(i, false)), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h));
  }
  EXPECT_EQ(publisher_counter(h, "dropped"), 5u);
  EXPECT_EQ(publisher_counter(h, "sent"), 0u);
  const auto warnings = texts(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Cannot write to /dev/full: No space left on device"), std::string::npos)
      << warnings[0];
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(PublishFile, EosPostsTheCounters) {
  GstHarness* h = publish_harness("method=file location=" + scratch("eos.jsonl"));
  BusWatch bus(h->element);
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_EQ(gst_harness_push(h, meta_buffer(i, false)), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h));
  }
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
  GstMessage* m = gst_bus_pop_filtered(bus.bus, GST_MESSAGE_ELEMENT);
  ASSERT_NE(m, nullptr);
  const GstStructure* s = gst_message_get_structure(m);
  EXPECT_TRUE(gst_structure_has_name(s, "decodiff-publish"));
  guint64 sent = 0, dropped = 1, queued = 1;
  EXPECT_TRUE(gst_structure_get_uint64(s, "sent", &sent));
  EXPECT_TRUE(gst_structure_get_uint64(s, "dropped", &dropped));
  EXPECT_TRUE(gst_structure_get_uint64(s, "queued", &queued));
  EXPECT_STREQ(gst_structure_get_string(s, "method"), "file");
  EXPECT_EQ(sent, 3u);
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(queued, 0u);
  gst_message_unref(m);
  gst_harness_teardown(h);
}

TEST(PublishFile, SettingsThatCannotWorkStopTheElementAtStart) {
  EXPECT_NE(start_error("method=file").find("method=file needs location"), std::string::npos);
  EXPECT_NE(start_error("method=file location=/nonexistent-dir/x.jsonl").find("cannot write location"),
            std::string::npos);
  const std::string garbage = scratch("garbage.pem");
  std::ofstream(garbage) << "not a certificate\n";
  const std::string tls = start_error("method=mqtt ca-file=" + garbage);
  EXPECT_NE(tls.find("ca-file " + garbage + " is not a PEM certificate file"), std::string::npos) << tls;
  const std::string many = start_error("method=mqtt address=tcp://x topic=a/# ca-file=/nonexistent.pem");
  EXPECT_NE(many.find("scheme"), std::string::npos) << many;
  EXPECT_NE(many.find("wildcard"), std::string::npos) << many;
  EXPECT_NE(many.find("ca-file /nonexistent.pem: No such file or directory"), std::string::npos) << many;
}

TEST(PublishFile, SettingsAreFixedWhileRunning) {
  GstHarness* h = publish_harness("method=file location=" + scratch("fixed.jsonl"));
  GstElement* e = publisher(h);
  BusWatch bus(h->element);
  g_object_set(e, "location", "/tmp/other.jsonl", NULL);
  gst_util_set_object_arg(G_OBJECT(e), "publish", "anomalies");  // may change while playing: no warning
  gchar* location = NULL;
  g_object_get(e, "location", &location, NULL);
  EXPECT_EQ(std::string(location), scratch("fixed.jsonl"));
  g_free(location);
  const auto warnings = texts(bus.bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("\"location\" cannot change while the element runs"), std::string::npos);
  gst_object_unref(e);
  gst_harness_teardown(h);
}
