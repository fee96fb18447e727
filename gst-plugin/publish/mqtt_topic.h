// The MQTT topic of a result, from the `topic` template: "{class}" and
// "{element}" are replaced by the result's class and inspecting element.
// Pure C++ (unit-tested alone).
#pragma once

#include <string>

namespace decodiff::gst::publish {

// Empty when `text` is a usable template, else one line saying what is
// wrong: empty, longer than MQTT allows, a '+' or '#' wildcard (not allowed
// when publishing), a NUL, or a "{...}" other than {class} and {element}.
std::string topic_template_error(const std::string& text);

// The template with its placeholders replaced. A value is made a single
// topic level: '/', '+', '#' and control characters become '_', and an empty
// value becomes "unknown".
std::string expand_topic(const std::string& text, const std::string& class_name, const std::string& element);

}  // namespace decodiff::gst::publish
