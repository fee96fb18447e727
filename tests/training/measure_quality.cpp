// measure-quality MODEL DATA_ROOT: image and pixel AUROC of a model on an
// MVTec-layout test set, in process (models/default/README.md). A stand-in for
// decodiff-eval where that tool is not built.
#include <opencv2/imgcodecs.hpp>

#include <cstring>
#include <iostream>
#include <map>

#include "dataset_index.h"
#include "engine.h"
#include "metrics/classification.h"

int main(int argc, char** argv) {
  using namespace decodiff;
  if (argc != 3) {
    std::cerr << "usage: measure-quality MODEL DATA_ROOT\n";
    return 2;
  }
  try {
    auto engine = Engine::load(argv[1], {"cpu"});
    const auto& cfg = engine->config();
    auto index = data::index_dataset(argv[2], {}, cfg.classes);
    std::vector<float> scores, pixel_scores;
    std::vector<uint8_t> labels, pixel_labels;
    std::map<std::string, std::pair<std::vector<float>, std::vector<uint8_t>>> per_class;
    for (const auto& s : index.test) {
      cv::Mat bgr = cv::imread(s.image, cv::IMREAD_COLOR);
      InspectRequest req;
      req.frame =
          decodiff::color_view(bgr.data, bgr.cols, bgr.rows, static_cast<int64_t>(bgr.step), 3, 2, 1, 0);
      req.class_id = s.class_id;
      auto r = engine->inspect({req})[0];
      cv::Mat mask = data::load_mask(s.mask, s.image, cfg.input.resize, cfg.input.crop);
      auto map = r.anomaly_map.contiguous();
      const float* m = map.data_ptr<float>();
      for (int i = 0; i < cfg.input.crop * cfg.input.crop; ++i) {
        pixel_scores.push_back(m[i]);
        pixel_labels.push_back(mask.data[i]);
      }
      scores.push_back(r.score);
      labels.push_back(s.anomalous ? 1 : 0);
      per_class[s.class_name].first.push_back(r.score);
      per_class[s.class_name].second.push_back(s.anomalous ? 1 : 0);
      std::cerr << "\r" << scores.size() << "/" << index.test.size() << " images" << std::flush;
    }
    std::cerr << "\n";
    std::cout << "{\"images\": " << scores.size() << ", \"image_auroc\": " << metrics::auroc(scores, labels)
              << ", \"pixel_auroc\": " << metrics::auroc(pixel_scores, pixel_labels)
              << ", \"per_class_image_auroc\": {";
    bool first = true;
    for (const auto& [c, v] : per_class) {
      std::cout << (first ? "" : ", ") << "\"" << c << "\": " << metrics::auroc(v.first, v.second);
      first = false;
    }
    std::cout << "}}\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "measure-quality: " << e.what() << "\n";
    return 1;
  }
}
