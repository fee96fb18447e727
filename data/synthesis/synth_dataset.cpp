#include "synth_dataset.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>

#include "render_sample.h"

namespace decodiff::data {
namespace fs = std::filesystem;

namespace {

std::string numbered(int index, const char* suffix) {
  char name[32];
  std::snprintf(name, sizeof name, "%03d%s", index, suffix);
  return name;
}

}  // namespace

void make_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw std::runtime_error("cannot create folder '" + folder.string() + "': " + ec.message());
  if (!fs::is_directory(folder))
    throw std::runtime_error("cannot create folder '" + folder.string() + "': not a folder");
}

void write_png(const fs::path& file, const cv::Mat& image) {
  bool ok = false;
  try {
    ok = cv::imwrite(file.string(), image);
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw std::runtime_error("cannot write '" + file.string() + "'");
}

void validate(const SynthOptions& o) {
  if (o.image_size < kMinSynthSize || o.image_size > kMaxSynthSize)
    throw std::invalid_argument("image size " + std::to_string(o.image_size) + " is out of range [" +
                                std::to_string(kMinSynthSize) + ", " + std::to_string(kMaxSynthSize) + "]");
  if (o.train_per_class < 0) throw std::invalid_argument("train image count must not be negative");
  if (o.test_good_per_class < 0) throw std::invalid_argument("test good image count must not be negative");
  if (o.test_defect_per_kind < 0) throw std::invalid_argument("test defect image count must not be negative");
  std::set<std::string> seen;
  for (const std::string& c : o.categories) {
    synth_category_look(c);  // throws for an unknown category, listing the known ones
    if (!seen.insert(c).second) throw std::invalid_argument("category '" + c + "' is listed twice");
  }
}

nlohmann::json write_synthetic_dataset(const fs::path& root, const SynthOptions& options,
                                       const ProgressFn& progress) {
  validate(options);
  const std::vector<std::string> categories =
      options.categories.empty() ? synth_categories() : options.categories;
  int total = 0;
  for (const std::string& c : categories)
    total += options.train_per_class + options.test_good_per_class +
             options.test_defect_per_kind * static_cast<int>(synth_defect_kinds(c).size());

  make_folder(root);
  nlohmann::json info = {{"generator", "decodiff-synth"},
                         {"generator_version", kSynthGeneratorVersion},
                         {"seed", options.seed},
                         {"image_size", options.image_size},
                         {"layout", "mvtec"},
                         {"categories", nlohmann::json::array()}};
  int done = 0;
  auto write_split = [&](const std::string& category, const std::string& split, DefectKind kind, int count,
                         const fs::path& image_dir, const fs::path& mask_dir) {
    make_folder(image_dir);
    if (!mask_dir.empty()) make_folder(mask_dir);
    for (int i = 0; i < count; ++i) {
      const SynthSample s =
          render_sample(category, kind, sample_seed(options.seed, category, split, i), options.image_size);
      write_png(image_dir / numbered(i, ".png"), s.image);
      if (!mask_dir.empty()) write_png(mask_dir / numbered(i, "_mask.png"), s.mask);
      ++done;
      if (progress) progress(done, total, category + "/" + split + "/" + numbered(i, ".png"));
    }
  };
  for (const std::string& category : categories) {
    const fs::path dir = root / category;
    write_split(category, "train/good", DefectKind::none, options.train_per_class, dir / "train" / "good",
                {});
    write_split(category, "test/good", DefectKind::none, options.test_good_per_class, dir / "test" / "good",
                {});
    nlohmann::json defects = nlohmann::json::object();
    for (DefectKind kind : synth_defect_kinds(category)) {
      const std::string name = to_string(kind);
      write_split(category, "test/" + name, kind, options.test_defect_per_kind, dir / "test" / name,
                  dir / "ground_truth" / name);
      defects[name] = options.test_defect_per_kind;
    }
    info["categories"].push_back({{"name", category},
                                  {"look", synth_category_look(category)},
                                  {"texture", synth_category_is_texture(category)},
                                  {"train_good", options.train_per_class},
                                  {"test_good", options.test_good_per_class},
                                  {"test_defects", defects}});
  }
  const fs::path json_path = root / "dataset.json";
  std::ofstream f(json_path);
  f << info.dump(2) << "\n";
  if (!f) throw std::runtime_error("cannot write '" + json_path.string() + "'");
  return info;
}

}  // namespace decodiff::data
