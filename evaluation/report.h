// What decodiff-eval prints and writes (docs/evaluation.md): the paper-style
// table, report.json and scores.csv.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "evaluator.h"

namespace decodiff::evaluation {

// Rows = classes then "mean"; columns = table_columns(); values in percent
// with one decimal ("n/a" for NaN). Ends with a newline.
std::string format_table(const EvaluationResult& result);

// Per class and per defect kind: images, I-AUROC, P-AUROC, the codec's PSNR,
// error inside / outside the defects and their ratio, the UNet's latent
// correction inside / outside and the selectivity; then the mean row.
std::string format_defect_table(const EvaluationResult& result);

// One row of such a table (also the codec check's, without AUROC and correction).
struct MeasuresRow {
  std::string name;  // "class", "class/defect" or "mean"
  double image_auroc = 0.0, pixel_auroc = 0.0;
  DefectMeasures measures;
};
std::string format_measures_table(const std::vector<MeasuresRow>& rows, bool with_auroc);

// Every number of the result (fractions in [0, 1], not percent; NaN as null),
// the table's cells as printed, and `run` (model, data, device, ... supplied by
// the caller) as is.
nlohmann::json report_json(const EvaluationResult& result, const nlohmann::json& run);

// image,class,defect,label,score (label 1 = anomalous), one row per test image,
// RFC 4180 quoting; the score with 9 significant digits (float32 round trip).
std::string scores_csv(const EvaluationResult& result);

// The table cell for a value: "97.3", "n/a".
std::string percent_cell(double value);

// Writes text to a file (replacing it); throws std::runtime_error naming the file.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace decodiff::evaluation
