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

constexpr const char* kSelectivityColumn = "select.";

// A scorer that measured nothing leaves the per-class measures empty.
DefectMeasures measure_at(const EvaluationResult& r, size_t k) {
  if (k < r.per_class_measures.size()) return r.per_class_measures[k];
  DefectMeasures none;
  const double nan = std::nan("");
  none.codec.psnr_db = none.codec.error_inside = none.codec.error_outside = none.codec.ratio = nan;
  none.selectivity.correction_inside = none.selectivity.correction_outside = none.selectivity.ratio = nan;
  return none;
}

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

json measures_json(const DefectMeasures& m) {
  const CodecFidelity& c = m.codec;
  const Selectivity& s = m.selectivity;
  return {{"codec",
           {{"psnr_db", number(c.psnr_db)},
            {"error_inside", number(c.error_inside)},
            {"error_outside", number(c.error_outside)},
            {"ratio", number(c.ratio)},
            {"images", c.images},
            {"inside_pixels", c.inside_pixels},
            {"outside_pixels", c.outside_pixels}}},
          {"selectivity",
           {{"correction_inside", number(s.correction_inside)},
            {"correction_outside", number(s.correction_outside)},
            {"ratio", number(s.ratio)},
            {"inside_cells", s.inside_cells},
            {"outside_cells", s.outside_cells}}}};
}

json metric_and_measures_json(const MetricSet& metrics, const DefectMeasures& measures) {
  json j = metric_json(metrics);
  j.update(measures_json(measures));
  return j;
}

std::string pad_right(const std::string& s, size_t w) {
  return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
}
std::string pad_left(const std::string& s, size_t w) {
  return std::string(w > s.size() ? w - s.size() : 0, ' ') + s;
}

std::string fixed_cell(double value, int decimals) {
  if (std::isnan(value)) return "n/a";
  if (std::isinf(value)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string selectivity_cell(const DefectMeasures& m) { return fixed_cell(m.selectivity.ratio, 2); }

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
  std::string out = pad_right("class", name_width);
  for (const TableColumn& col : table_columns()) out += "  " + pad_left(col.name, 7);
  out += "  " + pad_left(kSelectivityColumn, 7) + "\n";
  const size_t rule = out.size() - 1;
  out += std::string(rule, '-') + "\n";
  auto row = [&](const std::string& name, const MetricSet& m, const DefectMeasures& d) {
    out += pad_right(name, name_width);
    for (const TableColumn& col : table_columns()) out += "  " + pad_left(percent_cell(m.*col.value), 7);
    out += "  " + pad_left(selectivity_cell(d), 7) + "\n";
  };
  for (size_t k = 0; k < result.classes.size(); ++k)
    row(result.classes[k], result.per_class[k], measure_at(result, k));
  out += std::string(rule, '-') + "\n";
  row("mean", result.mean, result.measures_mean);
  return out;
}

std::string format_measures_table(const std::vector<MeasuresRow>& rows, bool with_auroc) {
  size_t name_width = 12;  // "class/defect"
  for (const MeasuresRow& r : rows) name_width = std::max(name_width, r.name.size());
  std::vector<std::string> header{"images"};
  if (with_auroc) header.insert(header.end(), {"I-AUROC", "P-AUROC"});
  for (const char* h : {"PSNR", "err-in", "err-out", "ratio"}) header.push_back(h);
  if (with_auroc) header.insert(header.end(), {"corr-in", "corr-out", kSelectivityColumn});
  std::string out = pad_right("class/defect", name_width);
  for (const std::string& h : header) out += "  " + pad_left(h, 8);
  out += "\n";
  const size_t rule = out.size() - 1;
  out += std::string(rule, '-') + "\n";
  for (const MeasuresRow& r : rows) {
    if (r.name == "mean") out += std::string(rule, '-') + "\n";
    const CodecFidelity& c = r.measures.codec;
    const Selectivity& s = r.measures.selectivity;
    std::vector<std::string> cells{std::to_string(c.images)};
    if (with_auroc) cells.insert(cells.end(), {percent_cell(r.image_auroc), percent_cell(r.pixel_auroc)});
    for (const std::string& v : {fixed_cell(c.psnr_db, 2), fixed_cell(c.error_inside, 4),
                                 fixed_cell(c.error_outside, 4), fixed_cell(c.ratio, 2)})
      cells.push_back(v);
    if (with_auroc)
      for (const std::string& v :
           {fixed_cell(s.correction_inside, 4), fixed_cell(s.correction_outside, 4), fixed_cell(s.ratio, 2)})
        cells.push_back(v);
    out += pad_right(r.name, name_width);
    for (const std::string& v : cells) out += "  " + pad_left(v, 8);
    out += "\n";
  }
  return out;
}

std::string format_defect_table(const EvaluationResult& result) {
  std::vector<MeasuresRow> rows;
  for (size_t k = 0; k < result.classes.size(); ++k) {
    rows.push_back({result.classes[k], result.per_class[k].image_auroc, result.per_class[k].pixel_auroc,
                    measure_at(result, k)});
    for (const DefectKindResult& d : result.per_defect)
      if (d.class_name == result.classes[k])
        rows.push_back(
            {d.class_name + "/" + d.defect, d.metrics.image_auroc, d.metrics.pixel_auroc, d.measures});
  }
  rows.push_back({"mean", result.mean.image_auroc, result.mean.pixel_auroc, result.measures_mean});
  return format_measures_table(rows, true);
}

json report_json(const EvaluationResult& result, const json& run) {
  json classes = json::object();
  for (size_t k = 0; k < result.classes.size(); ++k)
    classes[result.classes[k]] = metric_and_measures_json(result.per_class[k], measure_at(result, k));
  json defects = json::array();
  for (const DefectKindResult& d : result.per_defect) {
    json j = metric_and_measures_json(d.metrics, d.measures);
    j["class"] = d.class_name;
    j["defect"] = d.defect;
    defects.push_back(j);
  }
  json columns = json::array(), rows = json::array();
  for (const TableColumn& col : table_columns()) columns.push_back(col.name);
  columns.push_back(kSelectivityColumn);
  auto table_row = [&](const std::string& name, const MetricSet& m, const DefectMeasures& d) {
    json cells = json::array();
    for (const TableColumn& col : table_columns()) cells.push_back(percent_cell(m.*col.value));
    cells.push_back(selectivity_cell(d));
    rows.push_back({{"class", name}, {"cells", cells}});
  };
  for (size_t k = 0; k < result.classes.size(); ++k)
    table_row(result.classes[k], result.per_class[k], measure_at(result, k));
  table_row("mean", result.mean, result.measures_mean);
  uint64_t images = result.images.size();
  return {
      {"run", run},
      {"class_order", result.classes},
      {"classes", classes},
      {"mean", metric_and_measures_json(result.mean, result.measures_mean)},
      {"defects", defects},
      {"table", {{"columns", columns}, {"rows", rows}, {"unit", "percent, one decimal; select. a ratio"}}},
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
