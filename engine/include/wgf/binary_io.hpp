// Little-endian binary records for checkpoints, and atomic file writes (temp file in the
// same directory + rename, so a crash never leaves a half-written checkpoint behind).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace wgf {

class BinaryWriter {
 public:
  void u32(std::uint32_t v) { raw(&v, 4); }
  void u64(std::uint64_t v) { raw(&v, 8); }
  void i32(std::int32_t v) { raw(&v, 4); }
  void f64(double v) { raw(&v, 8); }
  void str(const std::string& s);
  void floats(const std::vector<float>& v);
  void doubles(const std::vector<double>& v);
  void raw(const void* p, size_t n);
  const std::string& bytes() const { return buf_; }

 private:
  std::string buf_;
};

// Reads what BinaryWriter wrote; every read names the field so a truncated or corrupt file
// fails with "FILE: truncated while reading FIELD" instead of garbage.
class BinaryReader {
 public:
  BinaryReader(std::string path, std::string bytes) : path_(std::move(path)), buf_(std::move(bytes)) {}
  static BinaryReader open(const std::string& path);  // throws if unreadable
  std::uint32_t u32(const char* field);
  std::uint64_t u64(const char* field);
  std::int32_t i32(const char* field);
  double f64(const char* field);
  std::string str(const char* field, size_t max_len = 4096);
  std::vector<float> floats(const char* field, size_t expected_count);
  std::vector<double> doubles(const char* field, size_t max_count = (1u << 26));
  void raw(void* p, size_t n, const char* field);
  bool at_end() const { return pos_ == buf_.size(); }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string path_, buf_;
  size_t pos_ = 0;
};

// Writes `bytes` to `path` atomically; throws std::runtime_error naming the path.
void write_file_atomic(const std::string& path, const std::string& bytes);

}  // namespace wgf
