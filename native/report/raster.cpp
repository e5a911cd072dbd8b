// raster.cpp — Canvas primitives.
// [SECTION] colours and rectangles
// [SECTION] canvas basics
// [SECTION] lines: coverage mask, segment clipping, dashes
// [SECTION] polygons and discs
// [SECTION] text
// (PNG encoding and decoding live in png_io.cpp.)
#include "raster.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "font5x9.hpp"

namespace wgf::report {

// [SECTION] colours and rectangles ------------------------------------------------------

namespace {

std::uint8_t to_byte(double v) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

bool finite(Point p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Integer pixel range [lo, hi] covering the continuous interval [a, b], clamped to
// [min_px, max_px]. Returns false when empty. Safe for huge or infinite a, b.
bool pixel_span(double a, double b, int min_px, int max_px, int& lo, int& hi) {
  if (!(a <= b) || max_px < min_px) return false;
  if (b < min_px || a >= static_cast<double>(max_px) + 1) return false;
  lo = std::max(min_px, static_cast<int>(std::floor(std::max(a, static_cast<double>(min_px)))));
  hi = std::min(max_px, static_cast<int>(std::floor(std::min(b, static_cast<double>(max_px)))));
  return lo <= hi;
}

}  // namespace

Rgb mix(Rgb a, Rgb b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return {to_byte(a.r + (b.r - a.r) * t), to_byte(a.g + (b.g - a.g) * t),
          to_byte(a.b + (b.b - a.b) * t)};
}

Rect intersect(Rect a, Rect b) {
  const int x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const int x1 = std::min(a.right(), b.right()), y1 = std::min(a.bottom(), b.bottom());
  if (x1 <= x0 || y1 <= y0) return {x0, y0, 0, 0};
  return {x0, y0, x1 - x0, y1 - y0};
}

// [SECTION] canvas basics -----------------------------------------------------------------

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width <= 0 || height <= 0 || width > 32768 || height > 32768)
    throw std::invalid_argument("Canvas: size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is outside 1..32768 per side");
  clip_ = bounds();
  rgb_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  fill(background);
}

Rgb Canvas::pixel(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_)
    throw std::out_of_range("Canvas::pixel(" + std::to_string(x) + ", " + std::to_string(y) +
                            ") is outside the " + std::to_string(width_) + "x" +
                            std::to_string(height_) + " canvas");
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Canvas::set_clip(Rect clip) { clip_ = intersect(clip, bounds()); }

void Canvas::set_pixel(int x, int y, Rgb c) {
  if (!clip_.contains(x, y)) return;
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  rgb_[i] = c.r;
  rgb_[i + 1] = c.g;
  rgb_[i + 2] = c.b;
}

void Canvas::blend_pixel(int x, int y, Rgb c, double alpha) {
  if (!clip_.contains(x, y) || !(alpha > 0)) return;
  alpha = std::min(alpha, 1.0);
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  rgb_[i] = to_byte(rgb_[i] + (c.r - rgb_[i]) * alpha);
  rgb_[i + 1] = to_byte(rgb_[i + 1] + (c.g - rgb_[i + 1]) * alpha);
  rgb_[i + 2] = to_byte(rgb_[i + 2] + (c.b - rgb_[i + 2]) * alpha);
}

void Canvas::fill(Rgb c) {
  for (std::size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = c.r;
    rgb_[i + 1] = c.g;
    rgb_[i + 2] = c.b;
  }
}

void Canvas::fill_rect(Rect r, Rgb c, double alpha) {
  const Rect box = intersect(r, clip_);
  for (int y = box.y; y < box.bottom(); ++y)
    for (int x = box.x; x < box.right(); ++x) {
      if (alpha >= 1.0) set_pixel(x, y, c);
      else blend_pixel(x, y, c, alpha);
    }
}

void Canvas::stroke_rect(Rect r, Rgb c, int thickness) {
  const int t = std::max(1, std::min({thickness, (r.w + 1) / 2, (r.h + 1) / 2}));
  fill_rect({r.x, r.y, r.w, t}, c);
  fill_rect({r.x, r.bottom() - t, r.w, t}, c);
  fill_rect({r.x, r.y + t, t, r.h - 2 * t}, c);
  fill_rect({r.right() - t, r.y + t, t, r.h - 2 * t}, c);
}

void Canvas::blit(const Canvas& src, int x, int y) {
  const Rect box = intersect({x, y, src.width(), src.height()}, clip_);
  for (int py = box.y; py < box.bottom(); ++py)
    for (int px = box.x; px < box.right(); ++px) set_pixel(px, py, src.pixel(px - x, py - y));
}

// [SECTION] lines: coverage mask, segment clipping, dashes --------------------------------

namespace {

// Per-pixel coverage over a box, combined with max() so that overlapping pieces of one
// stroke (joints, dashes) blend once.
class CoverageMask {
 public:
  explicit CoverageMask(Rect box)
      : box_(box), cov_(static_cast<std::size_t>(std::max(0, box.w)) * std::max(0, box.h), 0.f) {}

  // Capsule of radius r around segment ab; coverage = clamp(r + 0.5 - distance, 0, 1),
  // a one-pixel linear ramp at the edge.
  void add_segment(Point a, Point b, double r) {
    if (box_.empty()) return;
    const double reach = r + 1.0;
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double len2 = dx * dx + dy * dy;
    int row0 = 0, row1 = 0;
    if (!pixel_span(std::min(a.y, b.y) - reach, std::max(a.y, b.y) + reach, box_.y,
                    box_.bottom() - 1, row0, row1))
      return;
    for (int py = row0; py <= row1; ++py) {
      const double yc = py + 0.5;
      // Parameter range whose points lie within reach of this row's centre line; the
      // nearest segment point of any covered pixel is inside it.
      double t0 = 0, t1 = 1;
      if (std::abs(dy) > 1e-12) {
        t0 = (yc - reach - a.y) / dy;
        t1 = (yc + reach - a.y) / dy;
        if (t0 > t1) std::swap(t0, t1);
        t0 = std::max(t0, 0.0);
        t1 = std::min(t1, 1.0);
        if (t0 > t1) continue;
      } else if (std::abs(a.y - yc) > reach) {
        continue;
      }
      const double xa = a.x + t0 * dx, xb = a.x + t1 * dx;
      int col0 = 0, col1 = 0;
      if (!pixel_span(std::min(xa, xb) - reach, std::max(xa, xb) + reach, box_.x,
                      box_.right() - 1, col0, col1))
        continue;
      for (int px = col0; px <= col1; ++px) {
        const double xc = px + 0.5;
        double t = len2 > 0 ? ((xc - a.x) * dx + (yc - a.y) * dy) / len2 : 0.0;
        t = std::clamp(t, 0.0, 1.0);
        const double ex = xc - (a.x + t * dx), ey = yc - (a.y + t * dy);
        const double d = std::sqrt(ex * ex + ey * ey);  // bounded: a, b are clipped
        const double c = std::clamp(r + 0.5 - d, 0.0, 1.0);
        float& slot = cov_[static_cast<std::size_t>(py - box_.y) * box_.w + (px - box_.x)];
        slot = std::max(slot, static_cast<float>(c));
      }
    }
  }

  void composite(Canvas& canvas, Rgb c, double alpha) const {
    for (int y = 0; y < box_.h; ++y)
      for (int x = 0; x < box_.w; ++x) {
        const float v = cov_[static_cast<std::size_t>(y) * box_.w + x];
        if (v > 0) canvas.blend_pixel(box_.x + x, box_.y + y, c, v * alpha);
      }
  }

 private:
  Rect box_;
  std::vector<float> cov_;
};

// Liang-Barsky: the parameter interval [t0, t1] of segment ab inside the rectangle
// [x0, x1] x [y0, y1]; false when the segment misses it.
bool clip_segment(Point a, Point b, double x0, double y0, double x1, double y1, double& t0,
                  double& t1) {
  t0 = 0;
  t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - x0, x1 - a.x, a.y - y0, y1 - a.y};
  for (int k = 0; k < 4; ++k) {
    if (p[k] == 0) {
      if (q[k] < 0) return false;
      continue;
    }
    const double t = q[k] / p[k];
    if (p[k] < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

Point lerp(Point a, Point b, double t) { return {a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t}; }

}  // namespace

bool clip_segment(Point& a, Point& b, Rect box) {
  double t0 = 0, t1 = 1;
  if (!finite(a) || !finite(b) ||
      !clip_segment(a, b, box.x, box.y, box.right(), box.bottom(), t0, t1))
    return false;
  const Point a0 = a, b0 = b;
  a = lerp(a0, b0, t0);
  b = lerp(a0, b0, t1);
  return true;
}

namespace {

// Bounding box (in pixels) of the finite points grown by margin, within limit.
Rect point_box(const std::vector<Point>& pts, double margin, Rect limit) {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (const Point& p : pts) {
    if (!finite(p)) continue;
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  int c0 = 0, c1 = 0, r0 = 0, r1 = 0;
  if (!pixel_span(x0 - margin, x1 + margin, limit.x, limit.right() - 1, c0, c1) ||
      !pixel_span(y0 - margin, y1 + margin, limit.y, limit.bottom() - 1, r0, r1))
    return {limit.x, limit.y, 0, 0};
  return {c0, r0, c1 - c0 + 1, r1 - r0 + 1};
}

}  // namespace

void Canvas::draw_line(Point a, Point b, Rgb c, double width, double alpha) {
  draw_polyline({a, b}, c, width, {}, false, alpha);
}

void Canvas::draw_polyline(const std::vector<Point>& points, Rgb c, double width, Dash dash,
                           bool closed, double alpha) {
  if (points.empty() || !(width > 0)) return;
  const double r = width / 2;
  const double reach = r + 1.0;
  const Rect box = point_box(points, reach, clip_);
  if (box.empty()) return;
  CoverageMask mask(box);
  // Segments are clipped to the (grown) box before dashing, so far-away or huge
  // coordinates cost nothing; s keeps the dash phase continuous along the whole line.
  const double bx0 = box.x - reach, by0 = box.y - reach;
  const double bx1 = box.right() + reach, by1 = box.bottom() + reach;
  const bool dashed = dash.on > 0 && dash.off > 0;
  const double period = dash.on + dash.off;
  const std::size_t n = points.size();
  const std::size_t segments = closed && n > 2 ? n : n - 1;
  double s = 0;
  if (n == 1 && finite(points[0])) mask.add_segment(points[0], points[0], r);
  for (std::size_t k = 0; k < segments; ++k) {
    const Point a = points[k], b = points[(k + 1) % n];
    if (!finite(a) || !finite(b)) continue;
    const double len = std::hypot(b.x - a.x, b.y - a.y);
    double t0 = 0, t1 = 1;
    if (!clip_segment(a, b, bx0, by0, bx1, by1, t0, t1)) {
      s += len;
      continue;
    }
    if (!dashed || len == 0) {
      mask.add_segment(lerp(a, b, t0), lerp(a, b, t1), r);
      s += len;
      continue;
    }
    double u = t0 * len;
    const double u_end = t1 * len;
    while (u < u_end) {
      const double phase = std::fmod(s + u, period);
      if (phase < dash.on) {
        const double e = std::min(u_end, u + std::max(dash.on - phase, 1e-6));
        // Round caps add r at each end; pull the ends in so a dash is `on` pixels long.
        const double mid = (u + e) / 2, half = std::max(0.0, (e - u) / 2 - r);
        mask.add_segment(lerp(a, b, (mid - half) / len), lerp(a, b, (mid + half) / len), r);
        u = e;
      } else {
        u += std::max(period - phase, 1e-6);
      }
    }
    s += len;
  }
  mask.composite(*this, c, alpha);
}

// [SECTION] polygons and discs -------------------------------------------------------------

void Canvas::fill_polygon(const std::vector<Point>& points, Rgb c, double alpha) {
  std::vector<Point> pts;
  for (const Point& p : points)
    if (finite(p)) pts.push_back(p);
  if (pts.size() < 3) return;
  const Rect box = point_box(pts, 1.0, clip_);
  if (box.empty()) return;

  // Edges sorted by their top; an active list holds the ones crossing the scanline, so a
  // long band polygon costs O(edges crossing a row), not O(all edges), per row.
  struct Edge {
    double y_top, y_bottom, x_at_top, dx_dy;
    int dir;  // +1 going down, -1 going up (non-zero winding)
  };
  std::vector<Edge> edges;
  const std::size_t n = pts.size();
  for (std::size_t e = 0; e < n; ++e) {
    const Point a = pts[e], b = pts[(e + 1) % n];
    if (a.y == b.y) continue;
    const bool down = b.y > a.y;
    const Point top = down ? a : b, bottom = down ? b : a;
    if (bottom.y <= box.y || top.y >= box.bottom()) continue;
    edges.push_back({top.y, bottom.y, top.x, (bottom.x - top.x) / (bottom.y - top.y), down ? 1 : -1});
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& l, const Edge& r) { return l.y_top < r.y_top; });

  // Four sub-scanlines per row; each span adds its exact horizontal overlap, so edges get
  // anti-aliased in both directions.
  constexpr int sub = 4;
  std::vector<float> row(static_cast<std::size_t>(box.w));
  std::vector<std::size_t> active;
  std::vector<std::pair<double, int>> crossings;
  std::size_t next = 0;
  const auto add_span = [&](double xa, double xb, float weight) {
    int lo = 0, hi = 0;
    if (!pixel_span(xa, xb, box.x, box.right() - 1, lo, hi)) return;
    for (int px = lo; px <= hi; ++px) {
      const double overlap = std::min(xb, px + 1.0) - std::max(xa, static_cast<double>(px));
      if (overlap > 0) row[static_cast<std::size_t>(px - box.x)] += weight * static_cast<float>(overlap);
    }
  };
  for (int py = box.y; py < box.bottom(); ++py) {
    std::fill(row.begin(), row.end(), 0.f);
    bool any = false;
    for (int k = 0; k < sub; ++k) {
      const double ys = py + (k + 0.5) / sub;
      while (next < edges.size() && edges[next].y_top <= ys) active.push_back(next++);
      active.erase(std::remove_if(active.begin(), active.end(),
                                  [&](std::size_t i) { return edges[i].y_bottom <= ys; }),
                   active.end());
      crossings.clear();
      for (const std::size_t i : active) {
        const Edge& e = edges[i];
        if (ys < e.y_top) continue;
        crossings.emplace_back(e.x_at_top + (ys - e.y_top) * e.dx_dy, e.dir);
      }
      std::sort(crossings.begin(), crossings.end());
      int winding = 0;
      double start = 0;
      for (const auto& [x, dir] : crossings) {
        const int before = winding;
        winding += dir;
        if (before == 0 && winding != 0) {
          start = x;
        } else if (before != 0 && winding == 0) {
          add_span(start, x, 1.0f / sub);
          any = true;
        }
      }
    }
    if (!any) continue;
    for (int px = 0; px < box.w; ++px)
      if (row[static_cast<std::size_t>(px)] > 0)
        blend_pixel(box.x + px, py, c, alpha * std::min(1.0f, row[static_cast<std::size_t>(px)]));
  }
}

void Canvas::fill_circle(Point centre, double radius, Rgb c, double alpha) {
  if (!finite(centre) || !(radius > 0)) return;
  const Rect box = point_box({centre}, radius + 1.0, clip_);
  for (int py = box.y; py < box.bottom(); ++py)
    for (int px = box.x; px < box.right(); ++px) {
      const double ex = px + 0.5 - centre.x, ey = py + 0.5 - centre.y;
      const double d = std::sqrt(ex * ex + ey * ey);
      const double cov = std::clamp(radius + 0.5 - d, 0.0, 1.0);
      if (cov > 0) blend_pixel(px, py, c, cov * alpha);
    }
}

// [SECTION] text ---------------------------------------------------------------------------

int glyph_count(const std::string& text) {
  return static_cast<int>(font::decode_utf8(text).size());
}

int text_width(const std::string& text, int scale) {
  const int n = glyph_count(text);
  return n == 0 ? 0 : (n * font::advance - (font::advance - font::glyph_width)) * scale;
}

int text_height(int scale) { return font::glyph_height * scale; }

Rect text_box(int x, int y, const std::string& text, int scale, HAlign ha, VAlign va,
              bool vertical) {
  const int along = text_width(text, scale), across = text_height(scale);
  const int w = vertical ? across : along;
  const int h = vertical ? along : across;
  const int left = ha == HAlign::left ? x : ha == HAlign::center ? x - w / 2 : x - w;
  int top = y;
  if (vertical) {
    if (va == VAlign::middle) top = y - h / 2;
    else if (va == VAlign::baseline || va == VAlign::bottom) top = y - h;
  } else {
    if (va == VAlign::middle) top = y - font::ascent * scale / 2;
    else if (va == VAlign::baseline) top = y - font::ascent * scale;
    else if (va == VAlign::bottom) top = y - h;
  }
  return {left, top, w, h};
}

Rect Canvas::draw_text(int x, int y, const std::string& text, Rgb c, int scale, HAlign ha,
                       VAlign va, bool vertical) {
  scale = std::max(1, scale);
  const Rect box = text_box(x, y, text, scale, ha, va, vertical);
  const std::vector<char32_t> cps = font::decode_utf8(text);
  // Length of the text in font pixels; vertical text maps font column u to screen row
  // (along - 1 - u), i.e. it is turned 90 degrees counter-clockwise.
  const int along = static_cast<int>(cps.size()) * font::advance - 1;
  for (std::size_t g = 0; g < cps.size(); ++g) {
    const std::uint8_t* rows = font::glyph_rows(cps[g]);
    for (int row = 0; row < font::glyph_height; ++row)
      for (int col = 0; col < font::glyph_width; ++col) {
        if (!(rows[row] & (0x10 >> col))) continue;
        const int u = static_cast<int>(g) * font::advance + col;
        if (vertical)
          fill_rect({box.x + row * scale, box.y + (along - 1 - u) * scale, scale, scale}, c);
        else
          fill_rect({box.x + u * scale, box.y + row * scale, scale, scale}, c);
      }
  }
  return box;
}

}  // namespace wgf::report
