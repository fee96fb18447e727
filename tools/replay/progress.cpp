#include "progress.h"

#include <cstdio>

namespace decodiff::replay {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)) {}

void ProgressBar::update(int done) {
  const auto now = Clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  draw(done);
}

void ProgressBar::finish(int done) {
  if (total_ < done) total_ = done;
  draw(done);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(int done) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const double fps = seconds > 0 ? done / seconds : 0;
  constexpr int kWidth = 30;
  std::string bar(kWidth, '.');
  if (total_ > 0)
    for (int i = 0; i < kWidth && i < done * kWidth / total_; ++i) bar[i] = '#';
  char eta[32] = "";
  if (total_ > 0 && fps > 0 && done < total_)
    std::snprintf(eta, sizeof eta, "  ETA %.0f s", (total_ - done) / fps);
  if (total_ > 0)
    std::fprintf(stderr, "\r%s [%s] %d/%d frames  %.1f frames/s%s   ", label_.c_str(), bar.c_str(), done,
                 total_, fps, eta);
  else
    std::fprintf(stderr, "\r%s %d frames  %.1f frames/s   ", label_.c_str(), done, fps);
  std::fflush(stderr);
}

}  // namespace decodiff::replay
