// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
// an 8-byte little-endian header length, a JSON header, then raw tensor bytes.
// Written here because Debian ships no C++ safetensors library; every offset
// and size read from a file is bound-checked before use.
#pragma once

#include <ATen/ATen.h>

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

namespace decodiff::io {

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SafetensorsContent {
  std::map<std::string, at::Tensor> tensors;  // CPU tensors, owning their memory
  std::map<std::string, std::string> metadata;
};

// Reads the whole file. Supported dtypes: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL.
// Throws SafetensorsError naming the file (and the tensor) on any inconsistency:
// truncated file, header length beyond the file, bad JSON, unknown dtype, a
// shape whose byte size differs from its offsets, overlapping or out-of-range
// offsets, bytes not covered by any tensor.
SafetensorsContent read_safetensors(const std::string& path);

// The same checks on a file's content already in memory (`size` bytes at `data`); `name` stands for the
// file in messages. read_safetensors and this share one implementation.
SafetensorsContent read_safetensors_bytes(const void* data, size_t size, const std::string& name);

// Writes tensors (moved to CPU, made contiguous) and string metadata. Writes to
// a temporary file beside `path` and renames it, so a crash never leaves a
// half-written model under the final name.
void write_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace decodiff::io
