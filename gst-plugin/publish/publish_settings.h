// decodiffpublish's settings as plain values, read once at start, and their
// check: one line naming every unusable value at once (as decodiffinspect
// does), so that a wrong setting stops the element before the first frame.
// Problems that may go away while the element runs (no broker yet, a folder
// not writable yet) are not errors: the session warns and retries.
#pragma once

#include <string>

#include "mqtt_publisher.h"
#include "snapshot_writer.h"

namespace decodiff::gst::publish {

enum class Method { kFile, kMqtt };

struct PublishSettings {
  std::string element_name;
  Method method = Method::kFile;
  std::string location;       // method=file
  MqttSettings mqtt;          // method=mqtt
  SnapshotSettings snapshot;  // snapshot.dir empty: no snapshots
};

// `address`: a host name or an IP address (IPv6 without brackets), without a
// scheme, a port or spaces. Empty when usable, else the reason.
std::string address_error(const std::string& address);

// Empty when every setting is usable, else "; "-separated reasons, each
// naming its property.
std::string settings_error(const PublishSettings& settings);

}  // namespace decodiff::gst::publish
