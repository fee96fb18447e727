#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace decodiff::evaluation {
namespace {

using json = nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json metric_json(const MetricSet& m) {
  return {{"image",
           {{"auroc", number(m.image_auroc)},
            {"ap", number(m.image_ap)},
            {"f1_max", number(m.image_f1_max)},
            {"f1_threshold", number(m.image_f1_threshold)}}},
          {"pixel",
           {{"auroc", number(m.pixel_auroc)},
            {"ap", number(m.pixel_ap)},
            {"f1_max", number(m.pixel_f1_max)},
            {"f1_threshold", number(m.pixel_f1_threshold)},
            {"aupro", number(m.aupro)},
            {"aupro_reference_approx", number(m.aupro_reference_approx)}}},
          {"counts",
           {{"images", m.images},
            {"anomalous_images", m.anomalous_images},
            {"pixels", m.pixels},
            {"anomalous_pixels", m.anomalous_pixels},
            {"regions", m.regions}}}};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string percent_cell(double value) {
  if (!std::isfinite(value)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * value);
  return buf;
}

std::string format_table(const EvaluationResult& result) {
  size_t name_width = 5;  // "class"
  for (const std::string& c : result.classes) name_width = std::max(name_width, c.size());
  auto pad_right = [](const std::string& s, size_t w) {
    return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
  };
  auto pad_left = [](const std::string& s, size_t w) {
    return std::string(w > s.size() ? w - s.size() : 0, ' ') + s;
  };
  std::string out = pad_right("class", name_width);
  for (const TableColumn& col : table_columns()) out += "  " + pad_left(col.name, 7);
  out += "\n";
  const size_t rule = out.size() - 1;
  out += std::string(rule, '-') + "\n";
  auto row = [&](const std::string& name, const MetricSet& m) {
    out += pad_right(name, name_width);
    for (const TableColumn& col : table_columns()) out += "  " + pad_left(percent_cell(m.*col.value), 7);
    out += "\n";
  };
  for (size_t k = 0; k < result.classes.size(); ++k) row(result.classes[k], result.per_class[k]);
  out += std::string(rule, '-') + "\n";
  row("mean", result.mean);
  return out;
}

json report_json(const EvaluationResult& result, const json& run) {
  json classes = json::object();
  for (size_t k = 0; k < result.classes.size(); ++k)
    classes[result.classes[k]] = metric_json(result.per_class[k]);
  json columns = json::array(), rows = json::array();
  for (const TableColumn& col : table_columns()) columns.push_back(col.name);
  auto table_row = [&](const std::string& name, const MetricSet& m) {
    json cells = json::array();
    for (const TableColumn& col : table_columns()) cells.push_back(percent_cell(m.*col.value));
    rows.push_back({{"class", name}, {"cells", cells}});
  };
  for (size_t k = 0; k < result.classes.size(); ++k) table_row(result.classes[k], result.per_class[k]);
  table_row("mean", result.mean);
  uint64_t images = result.images.size();
  return {{"run", run},
          {"class_order", result.classes},
          {"classes", classes},
          {"mean", metric_json(result.mean)},
          {"table", {{"columns", columns}, {"rows", rows}, {"unit", "percent, one decimal"}}},
          {"calibration", result.calibration},
          {"pictures",
           {{"panel_threshold_source", result.panel_threshold_source},
            {"panels", result.panels},
            {"plots", result.plots}}},
          {"timing",
           {{"test_seconds", result.seconds},
            {"test_images", images},
            {"images_per_second", result.seconds > 0 ? number(images / result.seconds) : json(nullptr)},
            {"calibration_seconds", result.calibration_seconds}}}};
}

std::string scores_csv(const EvaluationResult& result) {
  std::string out = "image,class,defect,label,score\n";
  char buf[32];
  for (const ImageRecord& r : result.images) {
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(r.score));
    out += csv_field(r.image) + "," + csv_field(r.class_name) + "," + csv_field(r.defect) + "," +
           (r.anomalous ? "1" : "0") + "," + buf + "\n";
  }
  return out;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.flush();
  if (!f) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace decodiff::evaluation
