// method=mqtt: results to an MQTT broker through libmosquitto.
//
// The streaming thread only appends to a bounded queue (max_queued; the
// oldest result is dropped and counted when it is full) and hands what it can
// to libmosquitto without waiting. One thread of ours runs libmosquitto's
// network loop (mosquitto_loop), connects, and reconnects with an
// exponential back-off whenever the broker is unreachable or goes away;
// results keep queueing meanwhile and go out, oldest first, once it is back.
// At most kMaxInFlight results are with libmosquitto at a time (sent, not yet
// acknowledged); at QoS 1/2 libmosquitto sends those again after a reconnect.
//
// Why our own loop thread rather than mosquitto_loop_start(): the library's
// loop_forever() returns for good on a TLS failure or an unresolvable host,
// which would silently end all reconnecting; ours reports and retries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "drop_oldest_queue.h"
#include "publisher.h"

struct mosquitto;

namespace decodiff::gst::publish {

struct MqttSettings {
  std::string address = "localhost";
  int port = 1883;
  std::string topic = "decodiff/{element}/{class}";  // checked with topic_template_error
  std::string client_id;                             // empty: a random one
  int qos = 1;
  bool retain = false;
  std::string username, password;            // empty: none
  std::string ca_file, cert_file, key_file;  // ca_file set: TLS (checked with tls_files_error)
  size_t max_queued = 1000;
  std::chrono::seconds reconnect_delay{1};  // the first retry; doubled up to reconnect_delay_max
  std::chrono::seconds reconnect_delay_max{30};
  int keepalive_s = 30;
};

class MqttPublisher : public Publisher {
 public:
  static constexpr size_t kMaxInFlight = 20;  // libmosquitto's own default window

  // Sets the client up and starts connecting in the background (an
  // unreachable broker is reported through `events`, not thrown). Throws
  // std::runtime_error when libmosquitto refuses the settings.
  MqttPublisher(const MqttSettings& settings, PublisherEvents events);
  ~MqttPublisher() override;

  void publish(Publication publication) override;
  PublisherCounters counters() const override;
  void close(std::chrono::milliseconds drain) override;

 private:
  static void on_connect(struct mosquitto*, void* self, int rc);
  static void on_disconnect(struct mosquitto*, void* self, int rc);
  static void on_publish(struct mosquitto*, void* self, int mid);

  void run();   // the loop thread
  void pump();  // hands queued results to libmosquitto while connected, up to kMaxInFlight
  void connection_failed(int rc, int error_number);
  std::string where() const;

  MqttSettings settings_;
  PublisherEvents events_;
  struct mosquitto* mosq_ = nullptr;
  DropOldestQueue<Publication> queue_;
  std::thread thread_;
  std::mutex pump_mutex_;  // one pump at a time (streaming thread, loop thread)

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  bool stopping_ = false;
  bool connected_ = false;  // the broker accepted the connection
  bool ever_connected_ = false;
  bool warned_ = false;           // a warning is out; an info follows the next connection
  std::set<int> in_flight_;       // message ids handed to libmosquitto, not yet confirmed
  std::set<int> early_confirms_;  // confirmed before publish() returned the id
  uint64_t sent_ = 0;
  uint64_t lost_ = 0;  // dropped other than by the queue (QoS 0 in flight at a disconnect, refused)
  bool closed_ = false;
};

}  // namespace decodiff::gst::publish
