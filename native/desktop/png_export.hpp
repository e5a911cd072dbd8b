// Reads back a rectangle of the rendered frame (glReadPixels on the back buffer, before the
// swap) and writes it as an RGB PNG (stb_image_write). Coordinates are framebuffer pixels
// with the origin at the top left, as in the PNG.
#pragma once
#include <string>

namespace wgf::desktop {

// Throws std::runtime_error naming the path when the file cannot be written.
void write_framebuffer_png(const std::string& path, int x, int y, int w, int h, int framebuffer_height);

}  // namespace wgf::desktop
