#include "wgf/binary_io.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wgf {

static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE-754 float/double expected");

void BinaryWriter::raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
void BinaryWriter::str(const std::string& s) {
  u64(s.size());
  raw(s.data(), s.size());
}
void BinaryWriter::floats(const std::vector<float>& v) {
  u64(v.size());
  raw(v.data(), v.size() * sizeof(float));
}
void BinaryWriter::doubles(const std::vector<double>& v) {
  u64(v.size());
  raw(v.data(), v.size() * sizeof(double));
}

BinaryReader BinaryReader::open(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return BinaryReader(path, ss.str());
}

void BinaryReader::fail(const std::string& what) const { throw std::runtime_error(path_ + ": " + what); }

void BinaryReader::raw(void* p, size_t n, const char* field) {
  if (buf_.size() - pos_ < n) fail(std::string("truncated while reading ") + field);
  std::memcpy(p, buf_.data() + pos_, n);
  pos_ += n;
}
std::uint32_t BinaryReader::u32(const char* f) { std::uint32_t v; raw(&v, 4, f); return v; }
std::uint64_t BinaryReader::u64(const char* f) { std::uint64_t v; raw(&v, 8, f); return v; }
std::int32_t BinaryReader::i32(const char* f) { std::int32_t v; raw(&v, 4, f); return v; }
double BinaryReader::f64(const char* f) { double v; raw(&v, 8, f); return v; }

std::string BinaryReader::str(const char* field, size_t max_len) {
  const std::uint64_t n = u64(field);
  if (n > max_len) fail(std::string("field ") + field + " has implausible length " + std::to_string(n));
  std::string s(n, '\0');
  raw(s.data(), n, field);
  return s;
}

std::vector<float> BinaryReader::floats(const char* field, size_t expected_count) {
  const std::uint64_t n = u64(field);
  if (n != expected_count)
    fail(std::string("field ") + field + " holds " + std::to_string(n) + " values, expected " + std::to_string(expected_count));
  std::vector<float> v(n);
  raw(v.data(), n * sizeof(float), field);
  return v;
}

std::vector<double> BinaryReader::doubles(const char* field, size_t max_count) {
  const std::uint64_t n = u64(field);
  if (n > max_count) fail(std::string("field ") + field + " has implausible length " + std::to_string(n));
  std::vector<double> v(n);
  raw(v.data(), n * sizeof(double), field);
  return v;
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot open " + tmp + " for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename " + tmp + " into place");
  }
}

}  // namespace wgf
