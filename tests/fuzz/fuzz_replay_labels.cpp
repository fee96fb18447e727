// Fuzz target: decodiff-replay's two labels readers (evaluation/replay/labels.h) on arbitrary text, read
// as the synth JSON and as the CSV. They may refuse it only with std::invalid_argument (one line);
// accepted labels have unique part ids, non-negative increasing frames, non-negative boxes, and a CSV
// file spans at most kMaxCsvLabelledFrames frames. check_labels_fit then refuses or accepts them cleanly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>

#include "labels.h"

namespace {

using namespace decodiff::replay;

void check(const VideoLabels& labels) {
  std::set<std::string> ids;
  long long frames = 0;
  for (const LabelledPart& part : labels.parts) {
    if (part.id.empty() || !ids.insert(part.id).second) std::abort();
    int previous = -1;
    for (const LabelledFrame& f : part.frames) {
      if (f.frame <= previous) std::abort();
      previous = f.frame;
      for (const std::optional<Box>* box : {&f.defect_box, &f.part_box})
        if (*box && ((*box)->x < 0 || (*box)->y < 0 || (*box)->w < 0 || (*box)->h < 0)) std::abort();
    }
    frames += static_cast<long long>(part.frames.size());
  }
  if (labels.format == LabelsFormat::kCsv && frames > kMaxCsvLabelledFrames) std::abort();
  for (int decoded : {1, 100}) {
    try {
      check_labels_fit(labels, decoded, "fuzz.mp4");
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).find('\n') != std::string::npos) std::abort();
    }
  }
}

template <typename Parse>
void run(Parse parse, const std::string& text) {
  VideoLabels labels;
  try {
    labels = parse(text, "fuzz");
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) std::abort();
    return;
  }
  check(labels);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  run(parse_synth_labels, text);
  run(parse_csv_labels, text);
  return 0;
}
