// Which images a dataset folder holds: MVTec-AD layout, VisA (split_csv/1cls.csv)
// or a plain folder of normal images, with stable class ids.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "image_loading.h"

namespace decodiff::data {

enum class Layout { kMvtec, kVisa, kFolder };
std::string to_string(Layout layout);  // "mvtec", "visa", "folder"

struct Sample {
  std::string image;  // path of the image file
  std::string mask;   // path of the ground-truth mask; empty = no mask (normal)
  std::string class_name;
  int class_id = 0;  // index into DatasetIndex::classes
  bool anomalous = false;
  std::string defect;  // "good" for normal images; the MVTec defect folder; "anomaly" for VisA
};

struct DatasetIndex {
  Layout layout = Layout::kFolder;
  std::string root;
  std::vector<std::string> classes;  // index = class id (may name classes without samples)
  std::vector<Sample> train;         // normal images only
  std::vector<Sample> test;          // empty for the folder layout
};

// The reference's fixed class ids (docs/algorithm.md, "Pre-processing"): index = id.
const std::vector<std::string>& mvtec_ad_classes();
const std::vector<std::string>& visa_classes();

// Indexes a dataset folder. The layout is detected:
//  - VisA: <root>/split_csv/1cls.csv (columns object,split,label,image,mask; paths relative to root);
//  - MVTec: <root>/<class>/train/good/*.png, <root>/<class>/test/<defect>/*.png,
//    <root>/<class>/ground_truth/<defect>/<name>_mask.png (or root itself is one class folder);
//  - folder: <root>/<class>/<images> (one class per subfolder), or images directly
//    under root = one class named after the folder (all in `train`).
// Class ids: `class_order` when given (e.g. a model's class list; every indexed class
// must be in it); otherwise the reference ids when every class is an MVTec-AD
// (resp. VisA) class name (classes = the full reference list); otherwise the
// sorted class names. `only_classes` restricts the samples to those classes.
// Samples are sorted by path, so the index is the same on every run.
// Throws std::runtime_error with one line: no such folder, no images, unknown class
// requested (listing the known ones), a defect image without its mask, a bad CSV.
DatasetIndex index_dataset(const std::string& root, const std::vector<std::string>& only_classes = {},
                           const std::vector<std::string>& class_order = {});

// The samples a VisA split file lists (the text of split_csv/1cls.csv: header object,split,label,image,mask
// in any order, quoted fields allowed; paths relative to `root`), appended to `train` (normal train rows)
// and `test`. `source` names the file in errors; throws std::runtime_error with one line.
void parse_visa_split(std::istream& csv, const std::string& root, const std::string& source,
                      std::vector<Sample>& train, std::vector<Sample>& test);

}  // namespace decodiff::data
