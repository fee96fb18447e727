#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <utility>
#include <vector>

namespace decodiff::io {
namespace {

using json = nlohmann::json;

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
  size_t size;
};

const DtypeInfo kDtypes[] = {
    {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},  {"BF16", at::kBFloat16, 2}, {"F64", at::kDouble, 8},
    {"I64", at::kLong, 8},  {"I32", at::kInt, 4},   {"I16", at::kShort, 2},     {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},   {"BOOL", at::kBool, 1},
};

const DtypeInfo* dtype_by_name(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo* dtype_by_type(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return &d;
  return nullptr;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw SafetensorsError(path + ": " + what);
}

// safetensors stores little-endian data; we only run on little-endian hosts.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "big-endian hosts are not supported");

// Where the bytes come from: a file (read piece by piece, never all at once) or memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Copies `n` bytes at `offset` (which the caller has bound-checked) into `out`; false on a read error.
  virtual bool read(uint64_t offset, void* out, uint64_t n) = 0;
};

class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : in_(path, std::ios::binary) {
    if (!in_) fail(path, "cannot open file (" + std::string(std::strerror(errno)) + ")");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<uint64_t>(in_.tellg());
  }
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, void* out, uint64_t n) override {
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    return static_cast<bool>(in_);
  }

 private:
  std::ifstream in_;
  uint64_t size_ = 0;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const void* data, size_t size) : data_(static_cast<const uint8_t*>(data)), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, void* out, uint64_t n) override {
    if (offset > size_ || n > size_ - offset) return false;
    if (n) std::memcpy(out, data_ + offset, n);
    return true;
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
};

SafetensorsContent parse(ByteSource& in, const std::string& path) {
  const uint64_t file_size = in.size();
  if (file_size < 8) fail(path, "not a safetensors file: only " + std::to_string(file_size) + " bytes");

  uint8_t len_bytes[8];
  if (!in.read(0, len_bytes, 8)) fail(path, "could not read the header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > file_size - 8) {
    fail(path, "truncated or not a safetensors file: header of " + std::to_string(header_len) +
                   " bytes does not fit in a file of " + std::to_string(file_size) + " bytes");
  }
  if (header_len > (100u << 20)) fail(path, "header larger than 100 MB; refusing to parse");

  std::string header(header_len, '\0');
  if (!in.read(8, header.data(), header_len)) fail(path, "could not read the header");
  json doc;
  try {
    doc = json::parse(header);
  } catch (const json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail(path, "header is not a JSON object");

  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;

  SafetensorsContent content;
  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  std::vector<std::pair<std::string, const json*>> entries;

  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(path, "__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) fail(path, "__metadata__ value '" + m.key() + "' is not a string");
        content.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const json& e = *it;
    const std::string& name = it.key();
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
      fail(path, "tensor '" + name + "': entry needs dtype, shape and data_offsets");
    if (!e["dtype"].is_string()) fail(path, "tensor '" + name + "': dtype is not a string");
    const DtypeInfo* dt = dtype_by_name(e["dtype"].get<std::string>());
    if (!dt) fail(path, "tensor '" + name + "': unsupported dtype " + e["dtype"].get<std::string>());
    const json& shape = e["shape"];
    const json& offs = e["data_offsets"];
    if (!shape.is_array()) fail(path, "tensor '" + name + "': shape is not an array");
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() ||
        !offs[1].is_number_unsigned())
      fail(path, "tensor '" + name + "': data_offsets must be two non-negative integers");
    std::vector<int64_t> sizes;
    uint64_t numel = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned())
        fail(path, "tensor '" + name + "': shape has a non-integer or negative dim");
      const uint64_t v = d.get<uint64_t>();
      if (v > (uint64_t{1} << 40) || (v != 0 && numel > std::numeric_limits<uint64_t>::max() / v / 8))
        fail(path, "tensor '" + name + "': shape too large");
      numel *= v;
      sizes.push_back(static_cast<int64_t>(v));
    }
    const uint64_t begin = offs[0].get<uint64_t>(), end = offs[1].get<uint64_t>();
    if (begin > end || end > data_size)
      fail(path, "tensor '" + name + "': data offsets [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") outside the " + std::to_string(data_size) +
                     "-byte data section (truncated file?)");
    if (end - begin != numel * dt->size)
      fail(path, "tensor '" + name + "': shape needs " + std::to_string(numel * dt->size) +
                     " bytes but offsets give " + std::to_string(end - begin));
    spans.push_back({begin, end, name});
    auto tensor = at::empty(sizes, at::TensorOptions().dtype(dt->type));
    if (numel && !in.read(data_start + begin, tensor.data_ptr(), end - begin))
      fail(path, "tensor '" + name + "': could not read its bytes");
    content.tensors.emplace(name, std::move(tensor));
  }

  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  uint64_t covered = 0;  // the data section is tensors back to back, as the format requires
  const Span* previous = nullptr;
  for (const Span& span : spans) {
    if (span.begin == span.end) continue;  // empty tensors take no bytes
    if (span.begin < covered) fail(path, "tensors '" + previous->name + "' and '" + span.name + "' overlap");
    if (span.begin > covered)
      fail(path, "bytes " + std::to_string(covered) + ".." + std::to_string(span.begin) +
                     " of the data section belong to no tensor");
    covered = span.end;
    previous = &span;
  }
  if (covered != data_size)
    fail(path, "bytes " + std::to_string(covered) + ".." + std::to_string(data_size) +
                   " of the data section belong to no tensor");
  return content;
}

}  // namespace

SafetensorsContent read_safetensors(const std::string& path) {
  FileSource in(path);
  return parse(in, path);
}

SafetensorsContent read_safetensors_bytes(const void* data, size_t size, const std::string& name) {
  MemorySource in(data, size);
  return parse(in, name);
}

void write_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> ordered;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const DtypeInfo* dt = dtype_by_type(t.scalar_type());
    if (!dt)
      throw SafetensorsError(path + ": tensor '" + name + "': dtype " +
                             std::string(c10::toString(t.scalar_type())) + " cannot be stored");
    auto cpu = t.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(cpu.numel()) * dt->size;
    header[name] = {
        {"dtype", dt->name}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    ordered.push_back(std::move(cpu));
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text.push_back(' ');  // keeps tensor data 8-byte aligned

  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw SafetensorsError(path + ": cannot write (" + std::string(std::strerror(errno)) + ")");
    uint64_t len = text.size();
    uint8_t len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<uint8_t>(len >> (8 * i));
    out.write(reinterpret_cast<const char*>(len_bytes), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : ordered)
      out.write(static_cast<const char*>(t.data_ptr()),
                static_cast<std::streamsize>(t.numel() * t.element_size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw SafetensorsError(path + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw SafetensorsError(path + ": cannot rename into place: " + ec.message());
  }
}

}  // namespace decodiff::io
