// Connected components of a binary mask with 8-connectivity (a 3x3 structuring
// element, as scipy.ndimage.label(mask, np.ones((3, 3))) and skimage's
// measure.label default for 2-D). Written by hand because the metrics do not depend
// on OpenCV.
#pragma once

#include <cstdint>
#include <vector>

namespace decodiff::metrics {

struct Components {
  int width = 0;
  int height = 0;
  // Row-major, width*height: 0 for background, 1..count() for the regions,
  // numbered in raster order of each region's first pixel (as scipy numbers them).
  std::vector<uint32_t> labels;
  // sizes[k] = number of pixels of region k+1.
  std::vector<uint32_t> sizes;
  uint32_t count() const { return static_cast<uint32_t>(sizes.size()); }
};

// `mask` is row-major width*height; nonzero = foreground. Throws
// std::invalid_argument for a null mask or a non-positive size.
Components label_components_8(const uint8_t* mask, int width, int height);

}  // namespace decodiff::metrics
