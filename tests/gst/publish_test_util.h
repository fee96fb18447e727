// Shared fixtures of the decodiffpublish tests: buffers carrying a
// GstDecodiffMeta made by hand, a real mosquitto broker on a free loopback
// port (its configuration written by the test) and a libmosquitto subscriber.
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <mosquitto.h>

#include <gst/decodiff/decodiffmeta.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/temp_dir.h"

namespace decodiff::publish_test {

using Clock = std::chrono::steady_clock;

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(NULL, NULL); }
};
// One registration for the whole binary (an inline variable), whichever files are linked in.
[[maybe_unused]] inline ::testing::Environment* const gst_env =
    ::testing::AddGlobalTestEnvironment(new GstInit);

// A buffer of `width` x `height` RGB (GStreamer strides) with a hand-made
// result: inspected (not stale) frame `frame`, producer "inspect0", class "nut",
// an 8 x 8 map over the frame's top-left 32 x 32 pixels and, when anomalous,
// one region.
inline GstBuffer* meta_buffer(uint64_t frame, bool anomalous, int width = 48, int height = 40,
                              const char* producer = "inspect0") {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, width, height);
  GstBuffer* buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; ++i) map.data[i] = static_cast<guint8>((i * 7 + frame * 13) & 0xff);
  gst_buffer_unmap(buf, &map);
  GST_BUFFER_PTS(buf) = frame * GST_SECOND / 10;
  GST_BUFFER_DURATION(buf) = GST_SECOND / 10;
  GstDecodiffMeta* m = gst_buffer_add_decodiff_meta(buf);
  gst_decodiff_meta_set_producer(m, producer);
  gst_decodiff_meta_set_class_name(m, "nut");
  m->score = anomalous ? 0.75f : 0.125f;
  m->anomalous = anomalous;
  m->threshold = 0.5f;
  m->frame_number = m->inspected_frame_number = frame;
  m->inspected_pts = GST_BUFFER_PTS(buf);
  m->latency_ms = 1.25;
  std::vector<float> values(64);
  for (size_t i = 0; i < values.size(); ++i) values[i] = (i % 9) / 8.0f;
  gst_decodiff_meta_set_map(m, 8, 8, values.data());
  m->map_frame_x = 0;
  m->map_frame_y = 0;
  m->map_frame_width = 32;
  m->map_frame_height = 32;
  if (anomalous) {
    GstDecodiffRegion r{4, 6, 10, 8, 0.75f};
    gst_decodiff_meta_set_regions(m, 1, &r);
  }
  return buf;
}

inline std::string rgb_caps(int width = 48, int height = 40) {
  return "video/x-raw,format=RGB,width=" + std::to_string(width) + ",height=" + std::to_string(height) +
         ",framerate=10/1";
}

// A harness around `description` (a bin with ghost pads), whose messages go to
// `bus` (if given) from the start on: the element starts when the harness is made.
inline GstHarness* harness_with_bus(const std::string& description, const std::string& caps, GstBus* bus) {
  GError* err = NULL;
  GstElement* bin = gst_parse_bin_from_description(description.c_str(), TRUE, &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  if (err) g_error_free(err);
  if (bus) gst_element_set_bus(bin, bus);
  GstHarness* h = gst_harness_new_with_element(bin, "sink", "src");
  gst_object_unref(bin);
  gst_harness_set_src_caps_str(h, caps.c_str());
  return h;
}

// A harness around a decodiffpublish (named "pub") built from `props`.
inline GstHarness* publish_harness(const std::string& props, const std::string& caps = rgb_caps(),
                                   GstBus* bus = nullptr) {
  return harness_with_bus("decodiffpublish name=pub " + props, caps, bus);
}

// The published object of meta_buffer(frame, anomalous), as decodiffpublish writes it.
inline std::string expected_object(uint64_t frame, bool anomalous) {
  return "{\"schema\":1,\"element\":\"inspect0\",\"frame\":" + std::to_string(frame) +
         ",\"pts\":" + std::to_string(frame * 100000000) + ",\"score\":" + (anomalous ? "0.75" : "0.125") +
         ",\"anomalous\":" + (anomalous ? "true" : "false") +
         ",\"threshold\":0.5,\"class\":\"nut\",\"regions\":" +
         (anomalous ? "[{\"x\":4,\"y\":6,\"w\":10,\"h\":8,\"score\":0.75}]" : "[]") + ",\"latency_ms\":1.25}";
}

inline GstElement* publisher(GstHarness* h) { return gst_bin_get_by_name(GST_BIN(h->element), "pub"); }
inline guint64 publisher_counter(GstHarness* h, const char* name) {
  GstElement* e = publisher(h);
  guint64 v = 0;
  g_object_get(e, name, &v, NULL);
  gst_object_unref(e);
  return v;
}

// Polls `done` every 20 ms for at most `limit`.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A loopback TCP port nobody listens on (bound, read back, released).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

inline std::string mosquitto_path() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

#define SKIP_WITHOUT_MOSQUITTO()                                                          \
  do {                                                                                    \
    if (::decodiff::publish_test::mosquitto_path().empty())                               \
      GTEST_SKIP() << "the mosquitto broker is not installed (Debian package mosquitto; " \
                      "scripts/bootstrap.sh installs it)";                                \
  } while (0)

// A mosquitto broker on 127.0.0.1 only, with its own configuration and
// persistence (so that a persistent subscriber's session survives a restart).
class Broker {
 public:
  Broker() : dir_("mqtt"), port_(free_port()) {
    std::ofstream conf(dir_.file("mosquitto.conf"));
    conf << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous true\n"
         << "persistence true\n"
         << "persistence_location " << dir_.str() << "/\n"
         << "log_dest file " << dir_.file("mosquitto.log") << "\n";
    if (::getuid() == 0) conf << "user root\n";
  }
  ~Broker() { stop(); }
  int port() const { return port_; }

  void start() {
    ASSERT_EQ(pid_, -1);
    const std::string exe = mosquitto_path(), conf = dir_.file("mosquitto.conf");
    pid_ = ::fork();
    if (pid_ == 0) {  // quiet: the broker's own notes go to its log
      const int log = ::open(dir_.file("stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
      }
      ::execl(exe.c_str(), exe.c_str(), "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_TRUE(eventually([this] { return port_open(port_); })) << "mosquitto did not start on " << port_;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  decodiff::testing::TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

struct Message {
  std::string topic, payload;
};

// A libmosquitto subscriber to "#" at QoS 1, with a persistent session
// (fixed client id, clean session off) that reconnects by itself.
class Subscriber {
 public:
  explicit Subscriber(int port, const std::string& topic = "#") : topic_(topic) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new("decodiff-test-subscriber", false, this);
    mosquitto_connect_callback_set(mosq_, [](mosquitto* m, void* self, int rc) {
      if (rc == 0) mosquitto_subscribe(m, nullptr, static_cast<Subscriber*>(self)->topic_.c_str(), 1);
    });
    mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* self, int, int, const int*) {
      auto* s = static_cast<Subscriber*>(self);
      std::lock_guard<std::mutex> lock(s->mutex_);
      ++s->subscriptions_;
    });
    mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m) {
      auto* s = static_cast<Subscriber*>(self);
      std::lock_guard<std::mutex> lock(s->mutex_);
      s->messages_.push_back({m->topic, std::string(static_cast<const char*>(m->payload), m->payloadlen)});
    });
    mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
    mosquitto_connect_async(mosq_, "127.0.0.1", port, 30);
    mosquitto_loop_start(mosq_);
    EXPECT_TRUE(eventually([this] { return subscriptions() > 0; })) << "the subscriber did not subscribe";
  }
  ~Subscriber() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  std::vector<Message> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_.size();
  }
  int subscriptions() {
    std::lock_guard<std::mutex> lock(mutex_);
    return subscriptions_;
  }

 private:
  std::string topic_;
  mosquitto* mosq_ = nullptr;
  std::mutex mutex_;
  std::vector<Message> messages_;
  int subscriptions_ = 0;
};

// The texts of the WARNING (or INFO) messages on a bus.
inline std::vector<std::string> texts(GstBus* bus, GstMessageType type) {
  std::vector<std::string> out;
  while (GstMessage* m = gst_bus_pop_filtered(bus, type)) {
    GError* err = NULL;
    if (type == GST_MESSAGE_WARNING)
      gst_message_parse_warning(m, &err, NULL);
    else if (type == GST_MESSAGE_INFO)
      gst_message_parse_info(m, &err, NULL);
    else
      gst_message_parse_error(m, &err, NULL);
    out.push_back(err ? err->message : "");
    if (err) g_error_free(err);
    gst_message_unref(m);
  }
  return out;
}

}  // namespace decodiff::publish_test
