// The DeCo-Diff engine as an evaluation Scorer (Engine::preprocess + Engine::run).
#pragma once

#include <memory>

#include "engine.h"
#include "scorer.h"

namespace decodiff::evaluation {

class EngineScorer : public Scorer {
 public:
  // reverse_steps 0 = the model's default.
  EngineScorer(std::shared_ptr<Engine> engine, int reverse_steps = 0);

  const std::vector<std::string>& classes() const override { return engine_->config().classes; }
  int resize() const override { return engine_->config().input.resize; }
  int crop() const override { return engine_->config().input.crop; }
  std::vector<ScoredImage> score(const std::vector<cv::Mat>& images, const std::vector<int>& class_ids,
                                 bool want_pictures) override;

 private:
  std::shared_ptr<Engine> engine_;
  int reverse_steps_;
};

}  // namespace decodiff::evaluation
