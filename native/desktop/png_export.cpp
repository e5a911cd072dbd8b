#include "png_export.hpp"

#include <filesystem>
#include <stdexcept>
#include <vector>

#include <SDL_opengl.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace wgf::desktop {

void write_framebuffer_png(const std::string& path, int x, int y, int w, int h, int framebuffer_height) {
  if (w <= 0 || h <= 0) throw std::runtime_error(path + ": empty region to export");
  std::vector<unsigned char> px(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  // GL's origin is the bottom-left corner: row 0 of the read is the bottom row of the region.
  glReadPixels(x, framebuffer_height - (y + h), w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  stbi_flip_vertically_on_write(1);
  stbi_write_png_compression_level = 9;
  if (!stbi_write_png(path.c_str(), w, h, 3, px.data(), w * 3))
    throw std::runtime_error(path + ": cannot write the PNG (does the folder exist and is it writable?)");
}

}  // namespace wgf::desktop
