#include "dataset_index.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace decodiff::data {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_file(const fs::path& p) {
  static const std::set<std::string> kExt = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"};
  return kExt.count(lower(p.extension().string())) > 0;
}

// Image files directly in `dir`, sorted by name.
std::vector<fs::path> images_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec) && is_image_file(e.path())) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> subfolders(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory(ec) && e.path().filename().string()[0] != '.') out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

bool is_mvtec_class_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p / "train" / "good", ec);
}

// Samples of one MVTec class folder.
void index_mvtec_class(const fs::path& dir, const std::string& name, std::vector<Sample>& train,
                       std::vector<Sample>& test) {
  for (const auto& img : images_in(dir / "train" / "good")) {
    train.push_back({img.string(), "", name, 0, false, "good"});
  }
  std::error_code ec;
  if (!fs::is_directory(dir / "test", ec)) return;
  for (const auto& defect_dir : subfolders(dir / "test")) {
    const std::string defect = defect_dir.filename().string();
    for (const auto& img : images_in(defect_dir)) {
      Sample s{img.string(), "", name, 0, defect != "good", defect};
      if (s.anomalous) {
        const fs::path mask = dir / "ground_truth" / defect / (img.stem().string() + "_mask.png");
        if (!fs::is_regular_file(mask, ec))
          throw std::runtime_error("defect image '" + img.string() + "' has no mask (expected '" +
                                   mask.string() + "')");
        s.mask = mask.string();
      }
      test.push_back(std::move(s));
    }
  }
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

void index_visa(const fs::path& root, std::vector<Sample>& train, std::vector<Sample>& test) {
  const fs::path csv = root / "split_csv" / "1cls.csv";
  std::ifstream in(csv);
  if (!in) throw std::runtime_error("cannot read '" + csv.string() + "'");
  parse_visa_split(in, root.string(), csv.string(), train, test);
}

bool all_in(const std::set<std::string>& names, const std::vector<std::string>& list) {
  for (const auto& n : names) {
    if (std::find(list.begin(), list.end(), n) == list.end()) return false;
  }
  return !names.empty();
}

bool by_image(const Sample& a, const Sample& b) { return a.image < b.image; }

}  // namespace

void parse_visa_split(std::istream& in, const std::string& root_dir, const std::string& source,
                      std::vector<Sample>& train, std::vector<Sample>& test) {
  const fs::path root(root_dir);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("'" + source + "' is empty");
  const auto header = split_csv_line(line);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* k : {"object", "split", "label", "image", "mask"}) {
    if (!col.count(k)) throw std::runtime_error("'" + source + "' has no column '" + k + "'");
  }
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const auto f = split_csv_line(line);
    if (f.size() < header.size())
      throw std::runtime_error("'" + source + "' line " + std::to_string(line_no) + ": too few fields");
    const std::string split = f[col["split"]], label = f[col["label"]];
    Sample s{(root / f[col["image"]]).string(),     "", f[col["object"]], 0, label != "normal",
             label == "normal" ? "good" : "anomaly"};
    if (s.anomalous) {
      if (f[col["mask"]].empty())
        throw std::runtime_error("defect image '" + s.image + "' has no mask in '" + source + "'");
      s.mask = (root / f[col["mask"]]).string();
    }
    if (split == "train") {
      if (!s.anomalous) train.push_back(std::move(s));
    } else if (split == "test") {
      test.push_back(std::move(s));
    }
  }
}

std::string to_string(Layout layout) {
  switch (layout) {
    case Layout::kMvtec:
      return "mvtec";
    case Layout::kVisa:
      return "visa";
    case Layout::kFolder:
      return "folder";
  }
  return "?";
}

const std::vector<std::string>& mvtec_ad_classes() {
  static const std::vector<std::string> k = {"capsule",  "bottle",     "grid",   "leather",    "metal_nut",
                                             "tile",     "transistor", "zipper", "cable",      "carpet",
                                             "hazelnut", "pill",       "screw",  "toothbrush", "wood"};
  return k;
}

const std::vector<std::string>& visa_classes() {
  static const std::vector<std::string> k = {"candle",    "cashew", "fryum",    "macaroni2",
                                             "pcb2",      "pcb4",   "capsules", "chewinggum",
                                             "macaroni1", "pcb1",   "pcb3",     "pipe_fryum"};
  return k;
}

DatasetIndex index_dataset(const std::string& root_str, const std::vector<std::string>& only_classes,
                           const std::vector<std::string>& class_order) {
  std::error_code ec;
  fs::path root(root_str);
  if (!fs::is_directory(root, ec))
    throw std::runtime_error("dataset folder '" + root_str + "' does not exist");
  root = fs::weakly_canonical(root, ec);
  DatasetIndex index;
  index.root = root.string();

  if (fs::is_regular_file(root / "split_csv" / "1cls.csv", ec)) {
    index.layout = Layout::kVisa;
    index_visa(root, index.train, index.test);
  } else if (is_mvtec_class_folder(root)) {
    index.layout = Layout::kMvtec;
    index_mvtec_class(root, root.filename().string(), index.train, index.test);
  } else {
    const auto subs = subfolders(root);
    const bool mvtec = std::any_of(subs.begin(), subs.end(), is_mvtec_class_folder);
    if (mvtec) {
      index.layout = Layout::kMvtec;
      for (const auto& s : subs) {
        if (is_mvtec_class_folder(s)) index_mvtec_class(s, s.filename().string(), index.train, index.test);
      }
    } else {
      index.layout = Layout::kFolder;
      const auto direct = images_in(root);
      if (!direct.empty()) {
        for (const auto& img : direct)
          index.train.push_back({img.string(), "", root.filename().string(), 0, false, "good"});
      } else {
        for (const auto& s : subs) {
          for (const auto& img : images_in(s))
            index.train.push_back({img.string(), "", s.filename().string(), 0, false, "good"});
        }
      }
    }
  }

  std::set<std::string> found;
  for (const auto& s : index.train) found.insert(s.class_name);
  for (const auto& s : index.test) found.insert(s.class_name);
  if (found.empty())
    throw std::runtime_error("dataset folder '" + root_str + "' holds no images (" + to_string(index.layout) +
                             " layout)");

  if (!only_classes.empty()) {
    std::set<std::string> wanted;
    for (const auto& c : only_classes) {
      if (!found.count(c))
        throw std::runtime_error("unknown class '" + c + "' in '" + root_str + "' (known: " +
                                 join(std::vector<std::string>(found.begin(), found.end())) + ")");
      wanted.insert(c);
    }
    auto drop = [&](std::vector<Sample>& v) {
      v.erase(
          std::remove_if(v.begin(), v.end(), [&](const Sample& s) { return !wanted.count(s.class_name); }),
          v.end());
    };
    drop(index.train);
    drop(index.test);
    found = wanted;
  }

  if (!class_order.empty()) {
    for (const auto& c : found) {
      if (std::find(class_order.begin(), class_order.end(), c) == class_order.end())
        throw std::runtime_error("class '" + c + "' of '" + root_str +
                                 "' is not among the model's classes (" + join(class_order) + ")");
    }
    index.classes = class_order;
  } else if (index.layout != Layout::kFolder && all_in(found, mvtec_ad_classes())) {
    index.classes = mvtec_ad_classes();
  } else if (index.layout != Layout::kFolder && all_in(found, visa_classes())) {
    index.classes = visa_classes();
  } else {
    index.classes.assign(found.begin(), found.end());
  }
  auto assign_ids = [&](std::vector<Sample>& v) {
    for (auto& s : v) {
      s.class_id = static_cast<int>(std::find(index.classes.begin(), index.classes.end(), s.class_name) -
                                    index.classes.begin());
    }
    std::stable_sort(v.begin(), v.end(), by_image);
  };
  assign_ids(index.train);
  assign_ids(index.test);
  return index;
}

}  // namespace decodiff::data
