// What a replayed video should have shown: its parts, which are defective, and
// in which frames (docs/replay.md, "Labels"). Two formats: the labels JSON that
// decodiff-synth video writes (per-frame boxes) and a hand-written CSV for real
// recordings (one row per part: the frames in which it is judged).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace decodiff::replay {

struct Box {
  int x = 0, y = 0, w = 0, h = 0;
};

struct LabelledFrame {
  int frame = 0;
  std::optional<Box> defect_box;  // where the defect shows in this frame (none: not in view / not given)
  std::optional<Box> part_box;    // the part's visible outline box (synth labels only)
  bool full_view = true;          // the whole part is inside the frame
};

struct LabelledPart {
  std::string id;
  bool defective = false;
  std::string defect_kind;            // synth labels only
  std::vector<LabelledFrame> frames;  // increasing frame numbers
};

enum class LabelsFormat { kSynth, kCsv };

struct VideoLabels {
  std::string source;  // the file, for messages
  LabelsFormat format = LabelsFormat::kCsv;
  std::optional<int> frame_count;  // synth labels: the video's frame count
  int width = 0, height = 0;       // synth labels: the frame size (0: unknown)
  std::vector<LabelledPart> parts;
};

// The most frames a CSV file's rows may span together (2^20: 9.7 hours at 30 frames/s; label a longer
// recording as several videos). A CSV row names a range that is expanded frame by frame, so without
// a cap one row could ask for 2^31 frames (and minutes of work before the video is even opened).
inline constexpr long long kMaxCsvLabelledFrames = 1LL << 20;

// Parse errors throw std::invalid_argument with one line naming `source` (and the CSV line).
VideoLabels parse_synth_labels(const std::string& json_text, const std::string& source);
VideoLabels parse_csv_labels(const std::string& csv_text, const std::string& source);
// By extension: ".csv" is CSV, anything else the synth JSON. Throws std::invalid_argument.
VideoLabels read_labels(const std::string& path);

// Throws std::invalid_argument naming the labels and the video when they do not
// describe a video of `decoded_frames` frames (another frame count, a part outside it).
void check_labels_fit(const VideoLabels& labels, int decoded_frames, const std::string& video);

}  // namespace decodiff::replay
