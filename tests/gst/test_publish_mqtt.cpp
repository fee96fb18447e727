// decodiffpublish method=mqtt against a real mosquitto broker on a free
// loopback port (suite PublishMqtt): every result arrives once at QoS 1, the
// broker going away and coming back, no broker at start, a wrong address.
#include <nlohmann/json.hpp>

#include <set>

#include "gst_test_util.h"
#include "publish_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::publish_test;

namespace {

std::string mqtt_props(const Broker& broker, const std::string& more = "") {
  return "method=mqtt address=127.0.0.1 port=" + std::to_string(broker.port()) +
         " reconnect-delay=1 reconnect-delay-max=1 " + more;
}

// Pushes one buffer and pulls it back; the milliseconds that took.
double pass(GstHarness* h, GstBuffer* b) {
  const auto t0 = Clock::now();
  EXPECT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  gst_buffer_unref(gst_harness_pull(h));
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool has(const std::vector<std::string>& texts, const std::string& part) {
  for (const auto& t : texts)
    if (t.find(part) != std::string::npos) return true;
  return false;
}

// Waits for a WARNING or INFO containing `part` (other messages are kept aside).
bool wait_for_message(GstBus* bus, GstMessageType type, const std::string& part,
                      std::vector<std::string>* seen = nullptr) {
  std::vector<std::string> all;
  const bool ok = eventually([&] {
    for (const auto& t : texts(bus, type)) all.push_back(t);
    return has(all, part);
  });
  if (seen) *seen = all;
  return ok;
}

}  // namespace

// A bus for a harness' messages from its start on.
struct Bus {
  GstBus* bus = gst_bus_new();
  ~Bus() { gst_object_unref(bus); }
};

TEST(PublishMqtt, EveryResultOfAHundredFramesArrivesOnceAtQos1WithItsPayload) {
  SKIP_WITHOUT_MOSQUITTO();
  Broker broker;
  broker.start();
  Subscriber subscriber(broker.port());
  constexpr uint64_t kFrames = 100;
  GstHarness* h = publish_harness(mqtt_props(broker, "qos=1 topic=factory/{element}/{class}"));
  for (uint64_t i = 0; i < kFrames; ++i) pass(h, meta_buffer(i, i % 4 == 0));
  ASSERT_TRUE(eventually([&] { return subscriber.count() >= kFrames; })) << subscriber.count() << " arrived";
  ASSERT_TRUE(eventually([&] { return publisher_counter(h, "sent") == kFrames; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // no duplicates coming late
  EXPECT_EQ(publisher_counter(h, "dropped"), 0u);
  EXPECT_EQ(publisher_counter(h, "queued"), 0u);
  gst_harness_teardown(h);

  const auto messages = subscriber.messages();
  ASSERT_EQ(messages.size(), kFrames);
  std::set<uint64_t> frames;
  for (const Message& m : messages) {
    const uint64_t frame = nlohmann::json::parse(m.payload)["frame"];
    EXPECT_TRUE(frames.insert(frame).second) << "frame " << frame << " arrived twice";
    EXPECT_EQ(m.payload, expected_object(frame, frame % 4 == 0));
    EXPECT_EQ(m.topic, "factory/inspect0/nut");
  }
  EXPECT_EQ(frames.size(), kFrames);
}

TEST(PublishMqtt, PayloadsAreTheInspectorsJsonLines) {
  SKIP_WITHOUT_MOSQUITTO();
  SKIP_WITHOUT_TINY_MODEL();
  Broker broker;
  broker.start();
  Subscriber subscriber(broker.port());
  constexpr int kW = 64, kH = 48, kFrames = 4;
  const std::string caps = "video/x-raw,format=RGB,width=64,height=48,framerate=30/1";
  const std::string lines_path = scratch("inspect.jsonl");
  GstHarness* h = gst_harness_new_parse(
      ("decodiffinspect name=line1 model=\"" + tiny_model() + "\" device=cpu overlay=none results-location=" +
       lines_path + " ! decodiffpublish name=pub " + mqtt_props(broker, "topic=factory/{element}/{class}"))
          .c_str());
  gst_harness_set_src_caps_str(h, caps.c_str());
  for (int i = 0; i < kFrames; ++i)
    pass(h, make_buffer(caps, rgb_pattern(kW, kH, i), i * GST_SECOND / 30, GST_SECOND / 30));
  ASSERT_TRUE(eventually([&] { return subscriber.count() >= static_cast<size_t>(kFrames); }));
  gst_harness_teardown(h);
  const auto lines = read_lines(lines_path);
  const auto messages = subscriber.messages();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kFrames));
  ASSERT_EQ(messages.size(), static_cast<size_t>(kFrames));
  for (const Message& m : messages) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(m.payload);
    EXPECT_EQ(m.topic, "factory/line1/" + j["class"].get<std::string>());
    EXPECT_EQ(m.payload.rfind("{\"schema\":1,\"element\":\"line1\",", 0), 0u) << m.payload;
    const int frame = j["frame"];
    j.erase("schema");
    j.erase("element");
    ASSERT_LT(frame, kFrames);
    EXPECT_EQ(j.dump(), lines[frame]);
  }
}

TEST(PublishMqtt, BrokerAwayMidStreamQueuesDropsTheOldestExactlyAndSendsAfterItsReturn) {
  SKIP_WITHOUT_MOSQUITTO();
  Broker broker;
  broker.start();
  auto subscriber = std::make_unique<Subscriber>(broker.port());
  Bus bus;
  GstHarness* h = publish_harness(mqtt_props(broker, "max-queued=5"), rgb_caps(), bus.bus);
  pass(h, meta_buffer(0, false));  // once connected, nothing waits in the queue
  ASSERT_TRUE(eventually([&] { return publisher_counter(h, "sent") == 1; }));
  for (uint64_t i = 1; i < 10; ++i) pass(h, meta_buffer(i, false));
  ASSERT_TRUE(eventually([&] { return subscriber->count() == 10; })) << subscriber->count();
  ASSERT_TRUE(eventually([&] { return publisher_counter(h, "sent") == 10; }));

  broker.stop();  // the subscriber's session is kept in the broker's persistence file
  ASSERT_TRUE(wait_for_message(bus.bus, GST_MESSAGE_WARNING, "Lost the connection to the MQTT broker"));
  double slowest = 0;
  for (uint64_t i = 10; i < 30; ++i) slowest = std::max(slowest, pass(h, meta_buffer(i, false)));
  EXPECT_LT(slowest, 100.0) << "streaming waited for the broker";
  EXPECT_EQ(publisher_counter(h, "queued"), 5u);
  EXPECT_EQ(publisher_counter(h, "dropped"), 15u);

  broker.start();
  ASSERT_TRUE(wait_for_message(bus.bus, GST_MESSAGE_INFO, "Connected to the MQTT broker"));
  // The broker may hand its persistent subscriber a message again after its own restart (QoS 1 is at
  // least once between broker and subscriber): count frames, not messages. The publisher's side is exact.
  auto frames = [&] {
    std::set<uint64_t> f;
    for (const Message& m : subscriber->messages())
      f.insert(nlohmann::json::parse(m.payload)["frame"].get<uint64_t>());
    return f;
  };
  ASSERT_TRUE(eventually([&] { return frames().size() == 15; }))
      << frames().size() << " frames arrived; sent " << publisher_counter(h, "sent") << ", queued "
      << publisher_counter(h, "queued");
  ASSERT_TRUE(eventually([&] { return publisher_counter(h, "sent") == 15; }));
  EXPECT_EQ(publisher_counter(h, "queued"), 0u);
  EXPECT_EQ(publisher_counter(h, "dropped"), 15u);
  std::set<uint64_t> expected;
  for (uint64_t i = 0; i < 10; ++i) expected.insert(i);
  for (uint64_t i = 25; i < 30; ++i) expected.insert(i);  // the five newest of those queued
  EXPECT_EQ(frames(), expected);
  for (const Message& m : subscriber->messages()) {
    const uint64_t f = nlohmann::json::parse(m.payload)["frame"];
    EXPECT_EQ(m.payload, expected_object(f, false));
  }
  for (uint64_t i = 30; i < 33; ++i) pass(h, meta_buffer(i, false));  // and on it goes
  EXPECT_TRUE(eventually([&] { return frames().size() == 18; }));
  subscriber.reset();
  gst_harness_teardown(h);
}

TEST(PublishMqtt, NoBrokerAtStartWarnsRetriesAndDeliversLater) {
  SKIP_WITHOUT_MOSQUITTO();
  Broker broker;
  broker.start();  // once, so that the broker keeps the subscriber's session over its absence
  auto subscriber = std::make_unique<Subscriber>(broker.port());
  subscriber.reset();
  broker.stop();

  Bus bus;
  GstHarness* h = publish_harness(mqtt_props(broker, "topic=line/{class}"), rgb_caps(), bus.bus);
  ASSERT_TRUE(wait_for_message(bus.bus, GST_MESSAGE_WARNING, "Cannot connect to the MQTT broker 127.0.0.1:"));
  for (uint64_t i = 0; i < 3; ++i) EXPECT_LT(pass(h, meta_buffer(i, true)), 100.0);
  EXPECT_EQ(publisher_counter(h, "queued"), 3u);

  broker.start();
  ASSERT_TRUE(wait_for_message(bus.bus, GST_MESSAGE_INFO, "Connected to the MQTT broker"));
  subscriber = std::make_unique<Subscriber>(broker.port());
  ASSERT_TRUE(eventually([&] { return subscriber->count() == 3; })) << subscriber->count();
  EXPECT_EQ(subscriber->messages()[0].topic, "line/nut");
  EXPECT_EQ(subscriber->messages()[0].payload, expected_object(0, true));
  EXPECT_TRUE(eventually([&] { return publisher_counter(h, "sent") == 3; }));
  subscriber.reset();
  gst_harness_teardown(h);
}

TEST(PublishMqtt, WrongAddressWarnsOnceAndTheVideoFlows) {
  Bus bus;
  GstHarness* h = publish_harness(
      "method=mqtt address=no-such-host.invalid reconnect-delay=1 "
      "reconnect-delay-max=1 max-queued=2",
      rgb_caps(), bus.bus);
  std::vector<std::string> warnings;
  ASSERT_TRUE(wait_for_message(bus.bus, GST_MESSAGE_WARNING, "no-such-host.invalid:1883", &warnings));
  for (uint64_t i = 0; i < 5; ++i) EXPECT_LT(pass(h, meta_buffer(i, false)), 100.0);
  EXPECT_EQ(publisher_counter(h, "queued"), 2u);
  EXPECT_EQ(publisher_counter(h, "dropped"), 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a retry or two: no new warning
  for (const auto& t : texts(bus.bus, GST_MESSAGE_WARNING)) warnings.push_back(t);
  EXPECT_EQ(warnings.size(), 1u);
  const auto t0 = Clock::now();
  gst_harness_teardown(h);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 1.5)
      << "stopping waited for the broker";
}
