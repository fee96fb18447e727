// decodiff-synth: synthetic inspection data (MVTec-layout datasets, conveyor videos, single samples).
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "photo_dataset.h"
#include "render_sample.h"
#include "synth_dataset.h"
#include "synth_video.h"

namespace {

namespace data = decodiff::data;
namespace fs = std::filesystem;

std::string catalogue() {
  std::string text = "Categories (with their defect kinds):\n";
  for (const std::string& c : data::synth_categories()) {
    text += "  " + c + ": " + data::synth_category_look(c) + "\n      defects:";
    for (data::DefectKind k : data::synth_defect_kinds(c)) text += " " + data::to_string(k);
    text += "\n";
  }
  return text;
}

// One progress line on stderr, rewritten in place on a terminal, every ~5% otherwise.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  data::ProgressFn fn() {
    return [this](int done, int total, const std::string& what) {
      if (quiet_) return;
      const int percent = total ? 100 * done / total : 100;
      if (tty_) {
        std::fprintf(stderr, "\rdecodiff-synth: %d/%d (%d%%) %-48.48s", done, total, percent, what.c_str());
        if (done == total) std::fprintf(stderr, "\n");
      } else if (percent / 5 != last_ / 5 || done == total) {
        std::fprintf(stderr, "decodiff-synth: %d/%d (%d%%) %s\n", done, total, percent, what.c_str());
      }
      last_ = percent;
    };
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool quiet_, tty_;
  int last_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "decodiff-synth: deterministic synthetic inspection data for decodiff's tests, demo and benchmarks.\n"
      "Everything is reproducible from --seed: the same command writes the same bytes."};
  app.footer(
      "\n" + catalogue() +
      "\nExamples:\n"
      "  decodiff-synth dataset --out synth --size 256 --train 50\n"
      "  decodiff-synth video --category nut --out clip.mp4 --labels clip.json\n"
      "  decodiff-synth photos --out photos   (needs Debian's opencv-doc)\n"
      "  decodiff-synth sample --category pcb --defect missing_part --out pcb.png --mask pcb_mask.png\n"
      "See docs/synthetic-data.md for the layouts and the labels file.");
  app.require_subcommand(1);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "No progress line")->configurable(false);

  // dataset
  data::SynthOptions ds;
  std::string ds_out;
  CLI::App* dataset = app.add_subcommand(
      "dataset",
      "Write an MVTec-AD-layout dataset: <out>/<category>/{train/good, test/good, test/<kind>, "
      "ground_truth/<kind>/NNN_mask.png} and <out>/dataset.json");
  dataset->add_option("--out", ds_out, "Dataset root folder (created if missing)")->required();
  dataset->add_option("--seed", ds.seed, "Random seed")->capture_default_str();
  dataset->add_option("--size", ds.image_size, "Image side in pixels (32-4096)")->capture_default_str();
  dataset->add_option("--categories", ds.categories, "Comma-separated categories (default: all)")
      ->delimiter(',');
  dataset->add_option("--train", ds.train_per_class, "train/good images per category")->capture_default_str();
  dataset->add_option("--test-good", ds.test_good_per_class, "test/good images per category")
      ->capture_default_str();
  dataset->add_option("--test-defect", ds.test_defect_per_kind, "test images per defect kind per category")
      ->capture_default_str();

  // video
  data::VideoOptions vo;
  data::VideoOutput vout;
  std::string v_video, v_labels, v_frames;
  CLI::App* video = app.add_subcommand(
      "video",
      "Write a conveyor video: parts of one category cross a fixed camera's view left to right; a labels "
      "JSON "
      "gives per part the frames it is fully in view, whether and how it is defective, and per frame its box "
      "and its defect's box");
  video->add_option("--out", v_video, "Video file: .mp4 (fourcc mp4v) or .avi (fourcc MJPG)");
  video->add_option("--labels", v_labels,
                    "Labels JSON (default: the video's name with .json, or <frames-dir>/labels.json)");
  video->add_option("--frames-dir", v_frames,
                    "Also (or only) write the frames as <dir>/00000.png, 00001.png, ...");
  video->add_option("--fourcc", vout.fourcc, "Override the codec fourcc (e.g. MJPG, mp4v)");
  video->add_option("--category", vo.category, "Category of the parts")->capture_default_str();
  video->add_option("--seed", vo.seed, "Random seed")->capture_default_str();
  video->add_option("--width", vo.width, "Frame width (even)")->capture_default_str();
  video->add_option("--height", vo.height, "Frame height (even)")->capture_default_str();
  video->add_option("--fps", vo.fps, "Frames per second")->capture_default_str();
  video->add_option("--parts", vo.parts, "Number of parts")->capture_default_str();
  video->add_option("--defect-fraction", vo.defect_fraction, "Fraction of the parts that are defective")
      ->capture_default_str();
  video->add_option("--part-size", vo.part_size, "Part side in pixels (0: 55% of the height)")
      ->capture_default_str();
  video->add_option("--speed", vo.speed, "Belt speed in pixels per frame")->capture_default_str();
  video->add_option("--gap", vo.gap, "Pixels between parts (0: half a part)")->capture_default_str();

  // photos
  data::PhotoSetOptions ps;
  std::string ps_source = data::kOpenCvDocPhotoDir, ps_out;
  CLI::App* photos = app.add_subcommand(
      "photos",
      "Write the real-photo benchmark: crops of real photos (Debian's opencv-doc examples) in the MVTec-AD "
      "layout, one class per photo, train crops from each photo's top-left and bottom-right quadrants and "
      "test "
      "crops (good and with painted defects) from the other two");
  photos->add_option("--source", ps_source, "Folder holding the photos")->capture_default_str();
  photos->add_option("--out", ps_out, "Dataset root folder (created if missing)")->required();
  photos->add_option("--size", ps.image_size, "Image side in pixels (32-1024)")->capture_default_str();
  photos->add_option("--train", ps.train_per_class, "train/good crops per class")->capture_default_str();
  photos->add_option("--test-good", ps.test_good_per_class, "test/good crops per class")
      ->capture_default_str();
  photos->add_option("--test-defect", ps.test_defect_per_kind, "test crops per defect kind per class")
      ->capture_default_str();
  photos->add_option("--seed", ps.seed, "Random seed")->capture_default_str();
  photos->add_option("--region", ps.region_fraction, "Crop side as a fraction of a quadrant's shorter side")
      ->capture_default_str();
  photos->add_option("--classes", ps.classes, "Comma-separated classes (default: all)")->delimiter(',');

  // sample
  std::string s_category = "nut", s_defect = "none", s_out, s_mask;
  uint64_t s_seed = 1;
  int s_size = 256;
  CLI::App* sample =
      app.add_subcommand("sample", "Write one image (and its mask) of a category and defect kind");
  sample->add_option("--category", s_category, "Category")->capture_default_str();
  sample->add_option("--defect", s_defect, "Defect kind, or none")->capture_default_str();
  sample->add_option("--seed", s_seed, "Sample seed")->capture_default_str();
  sample->add_option("--size", s_size, "Image side in pixels")->capture_default_str();
  sample->add_option("--out", s_out, "Image PNG")->required();
  sample->add_option("--mask", s_mask, "Mask PNG (255 where the defect changed the image)");

  app.add_subcommand("list", "List the categories and their defect kinds");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    Progress progress(quiet);
    if (*dataset) {
      const nlohmann::json info = data::write_synthetic_dataset(ds_out, ds, progress.fn());
      int images = 0;
      for (const auto& c : info["categories"]) {
        images += c["train_good"].get<int>() + c["test_good"].get<int>();
        for (const auto& [kind, n] : c["test_defects"].items()) images += n.get<int>();
      }
      std::fprintf(stderr, "decodiff-synth: wrote %d images of %zu categories to %s in %.1f s\n", images,
                   info["categories"].size(), ds_out.c_str(), progress.seconds());
    } else if (*photos) {
      ps.source = ps_source;
      const nlohmann::json info = data::write_photo_dataset(ps_out, ps, progress.fn());
      std::fprintf(stderr, "decodiff-synth: wrote %zu photo classes to %s in %.1f s\n",
                   info["categories"].size(), ps_out.c_str(), progress.seconds());
    } else if (*video) {
      if (v_video.empty() && v_frames.empty())
        throw std::invalid_argument("video: give --out FILE and/or --frames-dir DIR");
      vout.video = v_video;
      vout.frames_dir = v_frames;
      if (!v_labels.empty())
        vout.labels = v_labels;
      else if (!v_video.empty())
        vout.labels = fs::path(v_video).replace_extension(".json");
      else
        vout.labels = fs::path(v_frames) / "labels.json";
      const nlohmann::json labels = data::write_synthetic_video(vo, vout, progress.fn());
      int defective = 0;
      for (const auto& p : labels["parts"]) defective += p["defective"].get<bool>() ? 1 : 0;
      std::fprintf(stderr, "decodiff-synth: %d frames (%dx%d, %g fps), %zu parts (%d defective) in %.1f s\n",
                   labels["frame_count"].get<int>(), vo.width, vo.height, vo.fps, labels["parts"].size(),
                   defective, progress.seconds());
      if (!v_video.empty())
        std::fprintf(stderr, "  video:  %s (%s)\n", v_video.c_str(),
                     labels["fourcc"].get<std::string>().c_str());
      if (!v_frames.empty()) std::fprintf(stderr, "  frames: %s/%%05d.png\n", v_frames.c_str());
      std::fprintf(stderr, "  labels: %s\n", vout.labels.string().c_str());
    } else if (*sample) {
      const data::SynthSample s =
          data::render_sample(s_category, data::parse_defect_kind(s_defect), s_seed, s_size);
      data::write_png(s_out, s.image);
      if (!s_mask.empty()) data::write_png(s_mask, s.mask);
    } else {
      std::cout << catalogue();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decodiff-synth: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
