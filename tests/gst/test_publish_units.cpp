// decodiffpublish's parts alone (suite PublishUnits): the published JSON
// against decodiffinspect's JSON line, the bounded queue, topics, settings,
// TLS files and the snapshot folder's names and budget.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "../common/temp_dir.h"
#include "drop_oldest_queue.h"
#include "meta_json.h"
#include "mqtt_topic.h"
#include "publish_settings.h"
#include "results_file.h"
#include "snapshot_folder.h"
#include "tls_check.h"

using namespace decodiff::gst::publish;

namespace {

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(NULL, NULL); }
};
[[maybe_unused]] ::testing::Environment* const gst_env = ::testing::AddGlobalTestEnvironment(new GstInit);

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The same result as a decodiffinspect Result (what its JSON line is made of) and as a meta.
struct Both {
  decodiff::gst::Result result;
  GstBuffer* buffer = gst_buffer_new();
  GstDecodiffMeta* meta = gst_buffer_add_decodiff_meta(buffer);
  ~Both() { gst_buffer_unref(buffer); }

  void set(uint64_t frame, uint64_t pts, float score, bool anomalous, float threshold,
           const std::string& klass, std::vector<decodiff::gst::Region> regions, double latency,
           const std::string& error) {
    result.frame_number = frame;
    result.pts = pts;
    result.inspection.score = score;
    result.anomalous = anomalous;
    result.threshold = threshold;
    result.class_name = klass;
    result.regions = regions;
    result.inspection.latency_ms = latency;
    result.error = error;
    meta->frame_number = meta->inspected_frame_number = frame;
    meta->inspected_pts = pts;
    meta->score = score;
    meta->anomalous = anomalous;
    meta->threshold = threshold;
    gst_decodiff_meta_set_class_name(meta, klass.c_str());
    std::vector<GstDecodiffRegion> r;
    for (const auto& g : regions) r.push_back({g.box.x, g.box.y, g.box.width, g.box.height, g.score});
    gst_decodiff_meta_set_regions(meta, r.size(), r.data());
    meta->latency_ms = latency;
    gst_decodiff_meta_set_error(meta, error.empty() ? NULL : error.c_str());
    gst_decodiff_meta_set_producer(meta, "station-b");
  }
  // The published object without "schema" and "element".
  std::string published_tail() {
    nlohmann::ordered_json j = meta_json(*meta);
    EXPECT_EQ(j["schema"], kSchemaVersion);
    EXPECT_EQ(j["element"], "station-b");
    j.erase("schema");
    j.erase("element");
    return j.dump();
  }
};

}  // namespace

TEST(PublishUnits, MetaJsonEqualsTheResultsLine) {
  Both normal;
  normal.set(12, 400000000, 0.12345679f, false, 0.5f, "nut", {}, 83.51249, "");
  EXPECT_EQ(normal.published_tail(), decodiff::gst::json_line(normal.result));

  Both anomalous;
  anomalous.set(7, 1, 0.7300000190734863f, true, 0.3f, "screw \"b\"",
                {{{301, 188, 40, 22}, 0.73f}, {{0, 0, 1, 1}, 0.31f}}, 0.0004, "");
  EXPECT_EQ(anomalous.published_tail(), decodiff::gst::json_line(anomalous.result));

  Both failed;
  failed.set(13, decodiff::gst::Result::kNoPts, kNaN, true, 0.5f, "nut", {{{0, 0, 640, 480}, kNaN}}, 81.2,
             "non-finite score");
  EXPECT_EQ(failed.published_tail(), decodiff::gst::json_line(failed.result));
  EXPECT_EQ(
      meta_json(*failed.meta).dump(),
      "{\"schema\":1,\"element\":\"station-b\",\"frame\":13,\"pts\":-1,\"score\":null,\"anomalous\":true,"
      "\"threshold\":0.5,\"class\":\"nut\",\"regions\":[{\"x\":0,\"y\":0,\"w\":640,\"h\":480,"
      "\"score\":null}],\"latency_ms\":81.2,\"error\":\"non-finite score\"}");
}

TEST(PublishUnits, MetaJsonOfAnUnknownProducerHasANullElement) {
  GstBuffer* b = gst_buffer_new();
  GstDecodiffMeta* m = gst_buffer_add_decodiff_meta(b);
  EXPECT_TRUE(meta_json(*m)["element"].is_null());
  gst_buffer_unref(b);
}

TEST(PublishUnits, QueueDropsTheOldestAndCountsExactly) {
  DropOldestQueue<int> q(3);
  for (int i = 0; i < 10; ++i) q.push(i);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.dropped(), 7u);
  EXPECT_EQ(*q.pop(), 7);
  q.push_front(7);
  EXPECT_EQ(q.dropped(), 7u);
  q.push(10);  // full again: 7 goes
  EXPECT_EQ(q.dropped(), 8u);
  EXPECT_EQ(*q.pop(), 8);
  EXPECT_EQ(*q.pop(), 9);
  EXPECT_EQ(*q.pop(), 10);
  EXPECT_FALSE(q.pop());
}

TEST(PublishUnits, TopicTemplates) {
  EXPECT_EQ(topic_template_error("factory/{element}/{class}"), "");
  EXPECT_NE(topic_template_error(""), "");
  EXPECT_NE(topic_template_error("a/+/b").find("wildcard '+'"), std::string::npos);
  EXPECT_NE(topic_template_error("a/#").find("wildcard '#'"), std::string::npos);
  EXPECT_NE(topic_template_error("a/{line}").find("{line}"), std::string::npos);
  EXPECT_NE(topic_template_error("a/{class"), "");
  EXPECT_NE(topic_template_error("a}"), "");
  EXPECT_EQ(expand_topic("f/{element}/{class}/x", "nut", "station-b"), "f/station-b/nut/x");
  EXPECT_EQ(expand_topic("{class}", "a/b+c#", ""), "a_b_c_");
  EXPECT_EQ(expand_topic("{element}", "", ""), "unknown");
}

TEST(PublishUnits, SettingsAreCheckedAllAtOnce) {
  PublishSettings s;
  s.method = Method::kFile;
  EXPECT_NE(settings_error(s).find("needs location"), std::string::npos);
  s.location = "x.jsonl";
  EXPECT_EQ(settings_error(s), "");

  s.method = Method::kMqtt;
  EXPECT_EQ(settings_error(s), "");
  s.mqtt.address = "tcp://broker";
  s.mqtt.topic = "a/#";
  s.mqtt.password = "secret";
  s.mqtt.reconnect_delay = std::chrono::seconds(60);
  const std::string e = settings_error(s);
  EXPECT_NE(e.find("scheme"), std::string::npos) << e;
  EXPECT_NE(e.find("wildcard"), std::string::npos) << e;
  EXPECT_NE(e.find("password is set without username"), std::string::npos) << e;
  EXPECT_NE(e.find("reconnect-delay"), std::string::npos) << e;
  EXPECT_NE(address_error("broker:1883").find("port="), std::string::npos);
  EXPECT_NE(address_error("").find("empty"), std::string::npos);
  EXPECT_EQ(address_error("::1"), "");
  EXPECT_EQ(address_error("10.0.0.5"), "");
  EXPECT_EQ(address_error("broker.example.com"), "");
}

TEST(PublishUnits, TlsFilesAreCheckedWithClearMessages) {
  decodiff::testing::TempDir dir("tls");
  const std::string garbage = dir.file("garbage.pem");
  std::ofstream(garbage) << "this is not a certificate\n";
  EXPECT_EQ(tls_files_error("", "", ""), "");
  EXPECT_NE(tls_files_error("", garbage, garbage).find("need ca-file"), std::string::npos);
  EXPECT_NE(tls_files_error(garbage, garbage, "").find("go together"), std::string::npos);
  const std::string missing = tls_files_error(dir.file("missing.pem"), "", "");
  EXPECT_NE(missing.find("ca-file"), std::string::npos) << missing;
  EXPECT_NE(missing.find("No such file"), std::string::npos) << missing;
  const std::string bad = tls_files_error(garbage, "", "");
  EXPECT_NE(bad.find("ca-file " + garbage + " is not a PEM certificate file"), std::string::npos) << bad;
}

TEST(PublishUnits, SnapshotNamesSortByTimeThenFrame) {
  using namespace std::chrono;
  const system_clock::time_point t(milliseconds(1735787045678LL));  // 2025-01-02T03:04:05.678Z
  const std::string a = SnapshotFolder::base_name(t, 12, "station b/1");
  EXPECT_EQ(a, "20250102T030405.678Z_f000000000012_station-b-1");
  EXPECT_LT(a, SnapshotFolder::base_name(t, 13, "station b/1"));
  EXPECT_LT(a, SnapshotFolder::base_name(t + milliseconds(1), 2, "a"));
  EXPECT_EQ(SnapshotFolder::snapshot_of(a + "_raw.jpg"), a);
  EXPECT_EQ(SnapshotFolder::snapshot_of(a + "_heatmap.png"), a);
  EXPECT_EQ(SnapshotFolder::snapshot_of(a + ".json"), a);
  EXPECT_EQ(SnapshotFolder::snapshot_of(a + ".txt"), "");
  EXPECT_EQ(SnapshotFolder::snapshot_of("notes_raw.jpg"), "");
}

TEST(PublishUnits, SnapshotFolderKeepsItsBudgetOldestFirst) {
  decodiff::testing::TempDir dir("snapfolder");
  auto write = [&](const std::string& name, size_t bytes) {
    std::ofstream(dir.file(name)) << std::string(bytes, 'x');
  };
  write("keep-me.txt", 5000);  // not a snapshot: never counted nor removed
  SnapshotFolder folder(dir.str(), 6, 1000);
  ASSERT_TRUE(folder.scan());
  EXPECT_EQ(folder.files(), 0u);
  std::vector<std::string> bases;
  for (int i = 0; i < 4; ++i) {
    const std::string base = SnapshotFolder::base_name(
        std::chrono::system_clock::time_point(std::chrono::seconds(1000 + i)), i, "e");
    bases.push_back(base);
    const std::vector<std::string> names = {base + "_raw.png", base + "_heatmap.png", base + ".json"};
    for (const auto& n : names) write(n, 100);
    folder.add(base, names, 300);
  }
  // 6 files allowed: the two newest snapshots stay.
  EXPECT_EQ(folder.snapshots(), 2u);
  EXPECT_EQ(folder.files(), 6u);
  EXPECT_FALSE(std::ifstream(dir.file(bases[1] + "_raw.png")).good());
  EXPECT_TRUE(std::ifstream(dir.file(bases[2] + "_raw.png")).good());
  EXPECT_TRUE(std::ifstream(dir.file("keep-me.txt")).good());

  // A new folder object (a restart) finds them, and a smaller byte budget trims at once.
  SnapshotFolder again(dir.str(), 0, 350);
  ASSERT_TRUE(again.scan());
  EXPECT_EQ(again.snapshots(), 1u);
  EXPECT_EQ(again.bytes(), 300u);
  EXPECT_TRUE(std::ifstream(dir.file(bases[3] + ".json")).good());
  EXPECT_FALSE(std::ifstream(dir.file(bases[2] + ".json")).good());
  EXPECT_FALSE(SnapshotFolder(dir.file("missing"), 0, 0).scan());
}
