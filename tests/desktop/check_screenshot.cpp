// check_screenshot PNG LAYOUT NAME:MIN_FRACTION:MIN_COLOURS...: asserts that a screenshot of
// the desktop lab is not a blank frame and that every named region (from the layout JSON the
// app wrote: framebuffer pixels x0, y0, x1, y1) is drawn: at least MIN_FRACTION of its pixels
// differ from the region's most common colour (its background) and it holds at least
// MIN_COLOURS distinct colours (a heatmap has many; text on a panel a few). Exit 1 on failure.
//
// check_screenshot --crop-of PNG LAYOUT NAME CROP: asserts that CROP (an exported figure) is
// exactly region NAME of PNG, pixel for pixel.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

namespace {

struct Stats {
  double off_background = 0;  // fraction of pixels unlike the most common colour
  size_t colours = 0;
  long pixels = 0;
};

Stats region_stats(const unsigned char* px, int width, int x0, int y0, int x1, int y1) {
  std::map<unsigned, long> count;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const unsigned char* p = px + 3 * (static_cast<size_t>(y) * width + x);
      ++count[(unsigned(p[0]) << 16) | (unsigned(p[1]) << 8) | p[2]];
    }
  Stats s;
  long mode = 0;
  for (const auto& [c, n] : count) mode = std::max(mode, n), s.pixels += n;
  s.colours = count.size();
  s.off_background = s.pixels ? 1.0 - static_cast<double>(mode) / static_cast<double>(s.pixels) : 0;
  return s;
}

// CROP must equal region `name` of the screenshot.
int check_crop(const char* full, const char* layout_path, const std::string& name, const char* crop) {
  int w = 0, h = 0, cw = 0, ch = 0, n = 0;
  unsigned char* a = stbi_load(full, &w, &h, &n, 3);
  unsigned char* b = stbi_load(crop, &cw, &ch, &n, 3);
  std::ifstream in(layout_path);
  if (!a || !b || !in) {
    std::fprintf(stderr, "FAIL: cannot read %s, %s or %s\n", full, crop, layout_path);
    return 1;
  }
  const auto r = nlohmann::json::parse(in)["regions"][name];
  const int x0 = std::max(0, r[0].get<int>()), y0 = std::max(0, r[1].get<int>());
  const int x1 = std::min(w, r[2].get<int>()), y1 = std::min(h, r[3].get<int>());
  int rc = 0;
  if (cw != x1 - x0 || ch != y1 - y0) {
    std::fprintf(stderr, "FAIL: %s is %dx%d, region %s is %dx%d\n", crop, cw, ch, name.c_str(), x1 - x0, y1 - y0);
    rc = 1;
  } else {
    long differ = 0;
    for (int y = 0; y < ch; ++y)
      for (int x = 0; x < cw * 3; ++x)
        differ += a[3 * (static_cast<size_t>(y0 + y) * w + x0) + x] != b[static_cast<size_t>(y) * cw * 3 + x];
    std::printf("exported %s: %dx%d, %ld bytes differ from the screenshot's region %s\n", crop, cw, ch, differ,
                name.c_str());
    if (differ) rc = 1;
  }
  stbi_image_free(a);
  stbi_image_free(b);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--crop-of") return check_crop(argv[2], argv[3], argv[4], argv[5]);
  if (argc < 3) {
    std::fprintf(stderr, "usage: check_screenshot PNG LAYOUT [NAME:MIN_FRACTION:MIN_COLOURS ...]\n");
    return 2;
  }
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(argv[1], &w, &h, &n, 3);
  if (!px) {
    std::fprintf(stderr, "check_screenshot: %s: cannot read the PNG (%s)\n", argv[1], stbi_failure_reason());
    return 1;
  }
  std::ifstream in(argv[2]);
  if (!in) {
    std::fprintf(stderr, "check_screenshot: %s: cannot open the layout\n", argv[2]);
    return 1;
  }
  const nlohmann::json layout = nlohmann::json::parse(in);
  int failures = 0;
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    ++failures;
  };
  if (layout["width"] != w || layout["height"] != h)
    fail("image is " + std::to_string(w) + "x" + std::to_string(h) + ", layout says " + layout["width"].dump() + "x" +
         layout["height"].dump());
  const Stats all = region_stats(px, w, 0, 0, w, h);
  std::printf("whole frame %dx%d: %zu colours, %.1f%% off background\n", w, h, all.colours, 100 * all.off_background);
  if (all.colours < 200 || all.off_background < 0.1) fail("the frame is (nearly) blank");
  for (int i = 3; i < argc; ++i) {
    const std::string spec = argv[i];
    const size_t a = spec.rfind(':', spec.rfind(':') - 1), b = spec.rfind(':');
    const std::string name = spec.substr(0, a);
    const double min_frac = std::atof(spec.substr(a + 1, b - a - 1).c_str());
    const size_t min_colours = static_cast<size_t>(std::atol(spec.substr(b + 1).c_str()));
    if (!layout["regions"].contains(name)) {
      fail("region '" + name + "' was not drawn (not in the layout)");
      continue;
    }
    const auto& r = layout["regions"][name];
    const int x0 = std::max(0, r[0].get<int>()), y0 = std::max(0, r[1].get<int>());
    const int x1 = std::min(w, r[2].get<int>()), y1 = std::min(h, r[3].get<int>());
    if (x1 - x0 < 4 || y1 - y0 < 4) {
      fail("region '" + name + "' is empty on screen");
      continue;
    }
    const Stats s = region_stats(px, w, x0, y0, x1, y1);
    std::printf("%-24s [%4d,%4d]-[%4d,%4d]: %6zu colours, %5.1f%% off background (need %zu, %.1f%%)\n", name.c_str(), x0,
                y0, x1, y1, s.colours, 100 * s.off_background, min_colours, 100 * min_frac);
    if (s.off_background < min_frac || s.colours < min_colours) fail("region '" + name + "' is not drawn as expected");
  }
  stbi_image_free(px);
  if (failures) return 1;
  std::printf("screenshot ok\n");
  return 0;
}
