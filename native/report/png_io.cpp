// png_io.cpp — PNG encoding and decoding for Canvas through stb_image_write / stb_image.
// The stb implementations are compiled here with static linkage, so wgf_report neither
// depends on libstb's ABI nor clashes with another copy of stb linked into the same
// program.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "raster.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#endif
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace wgf::report {

namespace {

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

// A name next to path that no other writer (thread or process) picks at the same time.
std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  return path + ".tmp" + std::to_string(stamp) + "-" + std::to_string(counter++);
}

}  // namespace

std::vector<std::uint8_t> Canvas::encode_png() const {
  std::vector<std::uint8_t> out;
  const int ok = stbi_write_png_to_func(append_bytes, &out, width_, height_, 3, rgb_.data(),
                                        width_ * 3);
  if (!ok) throw std::runtime_error("PNG encoding failed for a " + std::to_string(width_) + "x" +
                                    std::to_string(height_) + " canvas");
  return out;
}

void Canvas::save_png(const std::string& path) const {
  const std::vector<std::uint8_t> bytes = encode_png();
  const std::string tmp = temporary_name(path);
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) {
      const int err = errno;
      throw std::runtime_error("cannot write PNG '" + path + "': cannot create '" + tmp +
                               "': " + std::strerror(err));
    }
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) {
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write PNG '" + path + "': writing '" + tmp +
                               "' failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write PNG '" + path + "': rename from '" + tmp +
                             "' failed: " + std::strerror(err));
  }
}

Canvas load_png(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &w, &h, &channels, 3), stbi_image_free);
  if (!pixels)
    throw std::runtime_error("cannot read PNG '" + path + "': " + stbi_failure_reason());
  const unsigned char* data = pixels.get();
  Canvas canvas(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const unsigned char* p = data + (static_cast<std::size_t>(y) * w + x) * 3;
      canvas.set_pixel(x, y, {p[0], p[1], p[2]});
    }
  return canvas;
}

}  // namespace wgf::report
