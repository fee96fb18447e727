#include "metrics/connected_components.h"

#include <stdexcept>
#include <string>

namespace decodiff::metrics {
namespace {

uint32_t find_root(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

void unite(std::vector<uint32_t>& parent, uint32_t a, uint32_t b) {
  a = find_root(parent, a);
  b = find_root(parent, b);
  if (a < b) parent[b] = a;
  if (b < a) parent[a] = b;
}

}  // namespace

Components label_components_8(const uint8_t* mask, int width, int height) {
  if (mask == nullptr) throw std::invalid_argument("label_components_8: mask is null");
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("label_components_8: size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is not positive");
  }
  Components out;
  out.width = width;
  out.height = height;
  const size_t w = static_cast<size_t>(width);
  out.labels.assign(w * static_cast<size_t>(height), 0);
  std::vector<uint32_t>& labels = out.labels;

  // Pass 1: provisional labels from the already visited neighbours (W, NW, N, NE),
  // merged in a union-find whose roots are the smallest provisional label.
  std::vector<uint32_t> parent(1, 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const size_t i = static_cast<size_t>(y) * w + static_cast<size_t>(x);
      if (!mask[i]) continue;
      uint32_t label = 0;
      auto visit = [&](int nx, int ny) {
        if (nx < 0 || nx >= width || ny < 0) return;
        const uint32_t n = labels[static_cast<size_t>(ny) * w + static_cast<size_t>(nx)];
        if (n == 0) return;
        if (label == 0) {
          label = n;
        } else if (n != label) {
          unite(parent, label, n);
        }
      };
      visit(x - 1, y);
      visit(x - 1, y - 1);
      visit(x, y - 1);
      visit(x + 1, y - 1);
      if (label == 0) {
        label = static_cast<uint32_t>(parent.size());
        parent.push_back(label);
      }
      labels[i] = label;
    }
  }

  // Pass 2: final labels in raster order of each region's first pixel.
  std::vector<uint32_t> final_label(parent.size(), 0);
  for (uint32_t& label : labels) {
    if (label == 0) continue;
    const uint32_t root = find_root(parent, label);
    if (final_label[root] == 0) {
      out.sizes.push_back(0);
      final_label[root] = static_cast<uint32_t>(out.sizes.size());
    }
    label = final_label[root];
    ++out.sizes[label - 1];
  }
  return out;
}

}  // namespace decodiff::metrics
