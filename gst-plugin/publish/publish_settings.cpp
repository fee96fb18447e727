#include "publish_settings.h"

#include <algorithm>
#include <vector>

#include "mqtt_topic.h"
#include "tls_check.h"

namespace decodiff::gst::publish {

std::string address_error(const std::string& a) {
  if (a.empty()) return "address is empty";
  if (a.find("://") != std::string::npos)
    return "address \"" + a +
           "\" has a scheme; give the host name or IP address only (and port=, ca-file= for TLS)";
  for (char c : a)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '[' || c == ']' || c == '@')
      return "address \"" + a + "\" is not a host name or IP address";
  const size_t colons = std::count(a.begin(), a.end(), ':');
  if (colons == 1) return "address \"" + a + "\" has a port; set it with port=";
  return "";
}

std::string settings_error(const PublishSettings& s) {
  std::vector<std::string> errors;
  if (s.method == Method::kFile) {
    if (s.location.empty()) errors.push_back("method=file needs location (the JSON-lines file)");
  } else {
    const MqttSettings& m = s.mqtt;
    if (std::string e = address_error(m.address); !e.empty()) errors.push_back(e);
    if (std::string e = topic_template_error(m.topic); !e.empty()) errors.push_back(e);
    if (m.client_id.size() > 65535 || m.client_id.find('\0') != std::string::npos)
      errors.push_back("client-id is not a valid MQTT client identifier");
    if (!m.password.empty() && m.username.empty()) errors.push_back("password is set without username");
    if (m.reconnect_delay > m.reconnect_delay_max)
      errors.push_back("reconnect-delay (" + std::to_string(m.reconnect_delay.count()) +
                       " s) is longer than reconnect-delay-max (" +
                       std::to_string(m.reconnect_delay_max.count()) + " s)");
    if (std::string e = tls_files_error(m.ca_file, m.cert_file, m.key_file); !e.empty()) errors.push_back(e);
  }
  std::string text;
  for (const std::string& e : errors) text += (text.empty() ? "" : "; ") + e;
  return text;
}

}  // namespace decodiff::gst::publish
