#pragma once
// raster.hpp — an RGB8 canvas with the few drawing primitives the report figures need:
// rectangles, anti-aliased lines and polylines (optionally dashed), anti-aliased polygons
// and discs, text in a built-in 5x9 bitmap font (scaled by an integer factor, optionally
// rotated 90 degrees), and PNG encoding. No GUI, no engine dependency.
//
// Coordinates: pixel (i, j) covers the square [i, i+1) x [j, j+1), so its centre is at
// (i + 0.5, j + 0.5); x grows to the right, y grows downwards. Every write goes through
// the canvas clip rectangle (the whole canvas unless set_clip narrows it).
#include <cstdint>
#include <string>
#include <vector>

namespace wgf::report {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};
inline bool operator==(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
inline bool operator!=(Rgb a, Rgb b) { return !(a == b); }

constexpr Rgb white{255, 255, 255};
constexpr Rgb black{0, 0, 0};

// Linear interpolation a -> b by t in [0, 1] (per channel, rounded).
Rgb mix(Rgb a, Rgb b, double t);

struct Point {
  double x = 0, y = 0;  // continuous pixel coordinates (see the header comment)
};

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  int right() const { return x + w; }   // one past the last column
  int bottom() const { return y + h; }  // one past the last row
  bool empty() const { return w <= 0 || h <= 0; }
  bool contains(int px, int py) const { return px >= x && px < x + w && py >= y && py < y + h; }
};
Rect intersect(Rect a, Rect b);

// Clips segment ab to the continuous rectangle [box.x, box.right()] x [box.y, box.bottom()]
// (Liang-Barsky), moving a and b onto it; false when the segment misses the rectangle.
bool clip_segment(Point& a, Point& b, Rect box);

// Dash pattern in pixels along the line; on == 0 draws a solid line.
struct Dash {
  double on = 0, off = 0;
};

enum class HAlign { left, center, right };
// middle centres the cap height (rows 0..6 of a glyph), which is what centres digits on a
// tick; baseline puts the bottom of the capitals on y.
enum class VAlign { top, middle, baseline, bottom };

// Font metrics: every glyph is 5x9 font pixels (7 above the baseline, 2 of descender) and
// advances 6; scale multiplies all of them.
namespace font {
constexpr int glyph_width = 5;
constexpr int glyph_height = 9;
constexpr int ascent = 7;
constexpr int advance = 6;
}  // namespace font

// Number of glyphs the string draws (UTF-8 aware; unknown code points draw a box).
int glyph_count(const std::string& text);
// Width and height of the ink box of horizontal text at this scale.
int text_width(const std::string& text, int scale);
int text_height(int scale);

// Where draw_text puts its box for the given anchor and alignment. For vertical text
// (rotated 90 degrees counter-clockwise, read bottom to top) the box is text_height wide
// and text_width tall and the alignment applies to that on-screen box (baseline acts as
// bottom).
Rect text_box(int x, int y, const std::string& text, int scale, HAlign ha, VAlign va,
              bool vertical = false);

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = white);

  int width() const { return width_; }
  int height() const { return height_; }
  Rect bounds() const { return {0, 0, width_, height_}; }
  // Row-major RGB8, 3 bytes per pixel, no padding.
  const std::vector<std::uint8_t>& rgb() const { return rgb_; }

  Rgb pixel(int x, int y) const;  // throws std::out_of_range outside the canvas

  // Clipping: every primitive below writes only inside clip() (always within bounds()).
  void set_clip(Rect clip);
  void reset_clip() { clip_ = bounds(); }
  Rect clip() const { return clip_; }

  void set_pixel(int x, int y, Rgb c);
  // c over the pixel with opacity alpha in [0, 1].
  void blend_pixel(int x, int y, Rgb c, double alpha);

  void fill(Rgb c);  // ignores the clip
  void fill_rect(Rect r, Rgb c, double alpha = 1.0);
  // Outline of r drawn inside r, thickness pixels wide.
  void stroke_rect(Rect r, Rgb c, int thickness = 1);

  // Anti-aliased segment of the given width with round caps.
  void draw_line(Point a, Point b, Rgb c, double width, double alpha = 1.0);
  // Anti-aliased polyline; joints are not double-blended. Non-finite points break the
  // line. closed joins the last point to the first.
  void draw_polyline(const std::vector<Point>& points, Rgb c, double width, Dash dash = {},
                     bool closed = false, double alpha = 1.0);
  // Anti-aliased polygon fill (non-zero winding). Non-finite points are ignored.
  void fill_polygon(const std::vector<Point>& points, Rgb c, double alpha = 1.0);
  // Anti-aliased disc.
  void fill_circle(Point centre, double radius, Rgb c, double alpha = 1.0);

  // Draws text anchored at (x, y) and returns its box (text_box with the same arguments);
  // every inked pixel lies inside that box.
  Rect draw_text(int x, int y, const std::string& text, Rgb c, int scale,
                 HAlign ha = HAlign::left, VAlign va = VAlign::top, bool vertical = false);

  // Copies src with its top-left corner at (x, y), honouring the clip.
  void blit(const Canvas& src, int x, int y);

  std::vector<std::uint8_t> encode_png() const;
  // Writes a PNG atomically (a temporary file next to path, then rename); throws
  // std::runtime_error naming the path when that fails.
  void save_png(const std::string& path) const;

 private:
  int width_, height_;
  Rect clip_;
  std::vector<std::uint8_t> rgb_;
};

// Reads a PNG (any channel layout, converted to RGB8); throws std::runtime_error naming
// the path when the file is missing or not a PNG.
Canvas load_png(const std::string& path);

}  // namespace wgf::report
