// axes.cpp — shared axis metrics, tick fitting and axis drawing (see axes.hpp).
#include "axes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace wgf::report::axes {

namespace {

// Position of v along [lo, hi] as a fraction, in the axis' own (possibly log) coordinate.
double fraction(double v, double lo, double hi, Scale scale) {
  if (scale == Scale::log10) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  return (v - lo) / (hi - lo);
}

// Pixel row or column of a tick, or INT_MIN when it cannot be drawn.
int tick_pixel(const AxisMap& axis, double v) {
  const double p = axis.to_pixel(v);
  if (!std::isfinite(p) || std::abs(p) > 1e7) return std::numeric_limits<int>::min();
  return static_cast<int>(std::floor(p));
}

}  // namespace

Style style_for(Rect panel, int font_scale) {
  Style st;
  // 5x7 capitals at scale 1 read like ~9 pt type on a 640x480 figure; grow one step per
  // ~500 px of the shorter side.
  st.s = font_scale > 0 ? font_scale
                        : std::max(1, static_cast<int>(std::lround(std::min(panel.w, panel.h) / 500.0)));
  st.title_s = st.s + 1;
  st.th = text_height(st.s);
  st.pad = 4 * st.s + 4;
  st.gap = 2 * st.s + 2;
  st.tick = 3 * st.s + 1;
  st.minor_tick = 2 * st.s;
  st.line_width = std::clamp(std::min(panel.w, panel.h) / 300.0, 1.5, 6.0);
  return st;
}

int widest_label(const std::vector<Tick>& ticks, int scale) {
  int w = 0;
  for (const Tick& t : ticks) w = std::max(w, text_width(t.label, scale));
  return w;
}

TickSet fit_ticks(double lo, double hi, Scale scale, bool expand, int length_px,
                  bool horizontal, const Style& st) {
  TickSet best;
  for (int m = 8; m >= 2; --m) {
    best = nice_ticks(lo, hi, scale, m, expand);
    const double need = horizontal
                            ? widest_label(best.ticks, st.s) + 3.0 * font::advance * st.s
                            : 2.0 * st.th;
    double prev = -std::numeric_limits<double>::infinity(), closest = std::numeric_limits<double>::infinity();
    for (const Tick& t : best.ticks) {
      if (t.label.empty()) continue;
      const double p = fraction(t.value, best.lo, best.hi, scale) * length_px;
      closest = std::min(closest, p - prev);
      prev = p;
    }
    if (closest >= need) return best;
  }
  return best;
}

int top_margin(const std::string& title, const Style& st) {
  // Without a title the top tick label still needs half its height above the frame.
  return st.pad + 1 +
         (title.empty() ? font::ascent * st.s / 2 : text_height(st.title_s) + 2 * st.gap);
}

int bottom_margin(bool has_x_label, const Style& st) {
  return 1 + st.tick + st.gap + st.th + (has_x_label ? st.gap + st.th : 0) + st.pad;
}

int left_margin(const std::vector<Tick>& y_ticks, bool has_y_label, const Style& st) {
  return st.pad + (has_y_label ? st.th + st.gap : 0) + widest_label(y_ticks, st.s) + st.gap +
         st.tick + 1;
}

int right_overhang(const TickSet& x_ticks, Scale scale, int plot_w, const Style& st) {
  int over = 0;
  for (const Tick& t : x_ticks.ticks) {
    if (t.label.empty()) continue;
    const double p = fraction(t.value, x_ticks.lo, x_ticks.hi, scale) * plot_w;
    over = std::max(over, static_cast<int>(std::ceil(p + text_width(t.label, st.s) / 2.0)) - plot_w);
  }
  return over;
}

AxisMap x_axis(Scale scale, double lo, double hi, Rect plot) {
  return {scale, lo, hi, plot.x + 0.5, plot.right() - 0.5};
}

AxisMap y_axis(Scale scale, double lo, double hi, Rect plot) {
  return {scale, lo, hi, plot.bottom() - 0.5, plot.y + 0.5};
}

void require_room(const char* what, Rect panel, int plot_w, int plot_h) {
  if (plot_w < 16 || plot_h < 16)
    throw std::invalid_argument(std::string(what) + ": a " + std::to_string(panel.w) + "x" +
                                std::to_string(panel.h) +
                                " px panel leaves no room for the plot after titles, labels "
                                "and ticks (plot area " +
                                std::to_string(plot_w) + "x" + std::to_string(plot_h) +
                                "); use a larger size or a smaller font_scale");
}

void draw_grid(Canvas& canvas, const PlotLayout& L) {
  const Rect& p = L.plot;
  // Lines on the first or last row/column would only thicken the frame.
  for (const Tick& t : L.x_ticks) {
    const int px = tick_pixel(L.x, t.value);
    if (px > p.x && px < p.right() - 1)
      canvas.fill_rect({px, p.y, 1, p.h}, t.major ? grid_major : grid_minor);
  }
  for (const Tick& t : L.y_ticks) {
    const int py = tick_pixel(L.y, t.value);
    if (py > p.y && py < p.bottom() - 1)
      canvas.fill_rect({p.x, py, p.w, 1}, t.major ? grid_major : grid_minor);
  }
}

void draw_decorations(Canvas& canvas, const PlotLayout& L, const Style& st,
                      const std::string& title, const std::string& x_label,
                      const std::string& y_label) {
  const Rect& p = L.plot;
  canvas.stroke_rect({p.x - 1, p.y - 1, p.w + 2, p.h + 2}, frame_color);
  for (const Tick& t : L.x_ticks) {
    const int px = tick_pixel(L.x, t.value);
    if (px < p.x - 1 || px > p.right()) continue;
    canvas.fill_rect({px, p.bottom() + 1, 1, t.major ? st.tick : st.minor_tick}, frame_color);
    if (!t.label.empty())
      canvas.draw_text(px, p.bottom() + 1 + st.tick + st.gap, t.label, text_color, st.s,
                       HAlign::center, VAlign::top);
  }
  for (const Tick& t : L.y_ticks) {
    const int py = tick_pixel(L.y, t.value);
    if (py < p.y - 1 || py > p.bottom()) continue;
    const int len = t.major ? st.tick : st.minor_tick;
    canvas.fill_rect({p.x - 1 - len, py, len, 1}, frame_color);
    if (!t.label.empty())
      canvas.draw_text(p.x - 1 - st.tick - st.gap, py, t.label, text_color, st.s, HAlign::right,
                       VAlign::middle);
  }
  if (!title.empty()) {
    // Centred over the plot when it fits the panel there, else over the panel.
    const int w = text_width(title, st.title_s);
    int cx = p.x + p.w / 2;
    if (cx - w / 2 < L.panel.x || cx + w / 2 > L.panel.right()) cx = L.panel.x + L.panel.w / 2;
    canvas.draw_text(cx, p.y - 1 - st.gap, title, text_color, st.title_s, HAlign::center,
                     VAlign::bottom);
  }
  if (!x_label.empty())
    canvas.draw_text(p.x + p.w / 2, p.bottom() + 1 + st.tick + st.gap + st.th + st.gap, x_label,
                     text_color, st.s, HAlign::center, VAlign::top);
  if (!y_label.empty()) {
    const int right = p.x - 1 - st.tick - st.gap - widest_label(L.y_ticks, st.s) - st.gap;
    canvas.draw_text(right, p.y + p.h / 2, y_label, text_color, st.s, HAlign::right,
                     VAlign::middle, true);
  }
}

}  // namespace wgf::report::axes
