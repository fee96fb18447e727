// Where decodiffpublish sends its JSON objects: the interface the element
// sees. A publisher never blocks the caller (the streaming thread): what
// cannot go out at once is queued or counted as dropped. Implementations:
// FilePublisher (JSON lines) and MqttPublisher (an MQTT broker).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace decodiff::gst::publish {

// One published object and what its destination may be named after.
struct Publication {
  std::string payload;  // the JSON object, one line
  std::string class_name;
  std::string element;  // the inspecting element's name
};

struct PublisherCounters {
  uint64_t sent = 0;     // delivered (MQTT: acknowledged by the broker at QoS 1/2, written at QoS 0)
  uint64_t dropped = 0;  // lost: queue overflow, failed writes
  uint64_t queued = 0;   // waiting or in flight
};

// What a publisher reports on its own, from any thread: the element turns
// these into GStreamer warnings and infos.
struct PublisherEvent {
  enum class Kind { kWarning, kInfo };
  Kind kind;
  std::string message;  // one line for users
  std::string detail;   // for the debug log
};
using PublisherEvents = std::function<void(const PublisherEvent&)>;

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Hands one object on, without blocking.
  virtual void publish(Publication publication) = 0;
  virtual PublisherCounters counters() const = 0;
  // Ends the publisher: waits at most `drain` for what is queued to go out, then stops.
  virtual void close(std::chrono::milliseconds drain) = 0;
};

}  // namespace decodiff::gst::publish
