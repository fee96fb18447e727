#include "mqtt_topic.h"

namespace decodiff::gst::publish {
namespace {

constexpr size_t kMaxTopicBytes = 65535;  // MQTT: a UTF-8 string with a 16-bit length

std::string topic_level(const std::string& value) {
  if (value.empty()) return "unknown";
  std::string out = value;
  for (char& c : out)
    if (c == '/' || c == '+' || c == '#' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return out;
}

}  // namespace

std::string topic_template_error(const std::string& text) {
  if (text.empty()) return "topic is empty";
  if (text.size() > kMaxTopicBytes) return "topic is longer than the 65535 bytes MQTT allows";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return "topic \"" + text + "\" contains a NUL character";
    if (c == '+' || c == '#')
      return "topic \"" + text + "\" contains the wildcard '" + std::string(1, c) +
             "', which MQTT does not allow when publishing";
    if (c == '{') {
      const size_t end = text.find('}', i);
      const std::string name = end == std::string::npos ? text.substr(i) : text.substr(i, end - i + 1);
      if (name != "{class}" && name != "{element}")
        return "topic \"" + text + "\" has the placeholder \"" + name +
               "\"; the placeholders are {class} and {element}";
      i = end;
    } else if (c == '}') {
      return "topic \"" + text + "\" has a '}' without '{'";
    }
  }
  return "";
}

std::string expand_topic(const std::string& text, const std::string& class_name, const std::string& element) {
  std::string out;
  out.reserve(text.size() + 32);
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 7, "{class}") == 0) {
      out += topic_level(class_name);
      i += 7;
    } else if (text.compare(i, 9, "{element}") == 0) {
      out += topic_level(element);
      i += 9;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace decodiff::gst::publish
