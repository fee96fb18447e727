// Writing a whole byte string to a file descriptor: the loop over partial
// writes and interrupted calls that the results-location file, decodiffpublish's JSON lines and its snapshots
// share.
#pragma once

#include <cstddef>

namespace decodiff::gst {

// Writes `size` bytes; 0 when all went out, else the errno of the failure
// (EIO when the file took nothing).
int write_all(int fd, const char* data, size_t size);

}  // namespace decodiff::gst
