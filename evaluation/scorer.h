// What the evaluation needs from a model: a score and an anomaly map per image
// (and, for the pictures, the input crop and the reconstruction). The engine
// implements it (engine_scorer.h); tests plug in stubs with known maps.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "defect_measures.h"

namespace decodiff::evaluation {

struct ScoredImage {
  float score = 0.0f;      // image score (max of the map for DeCo-Diff)
  cv::Mat map;             // CV_32FC1, crop x crop
  cv::Mat input;           // CV_8UC3 RGB, crop x crop (when pictures were asked for)
  cv::Mat reconstruction;  // CV_8UC3 RGB, crop x crop (when pictures were asked for)
  // For the codec fidelity and the UNet selectivity (defect_measures.h); empty
  // when the scorer does not measure them.
  CodecError codec;           // x0 = decode(encode(x)) against the input crop
  cv::Mat latent_correction;  // CV_32FC1 latent x latent: mean over channels of |z_rec - z|
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  virtual const std::vector<std::string>& classes() const = 0;  // index = the model's class id
  virtual int resize() const = 0;                               // pre-processing: resize x resize ...
  virtual int crop() const = 0;                                 // ... then the center crop x crop
  // images: RGB CV_8UC3 of any size (the scorer pre-processes them); one
  // class id per image; returns one result per image, in order.
  virtual std::vector<ScoredImage> score(const std::vector<cv::Mat>& images,
                                         const std::vector<int>& class_ids, bool want_pictures) = 0;
};

}  // namespace decodiff::evaluation
