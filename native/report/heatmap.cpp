// heatmap.cpp — colour maps and HeatmapFigure (a 2D field with colour bar and overlays).
// [SECTION] colour maps
// [SECTION] layout
// [SECTION] drawing: cells, overlays, colour bar
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "axes.hpp"
#include "figure.hpp"

namespace wgf::report {

// [SECTION] colour maps -------------------------------------------------------------------

namespace {

struct Anchor {
  double t;
  Rgb c;
};

// Anchors chosen by hand: the sequential map runs dark purple -> blue -> teal -> green ->
// yellow with Rec.709 luma strictly increasing (21, 52, 75, 94, 111, 129, 151, 184, 220), so
// it prints in greyscale; the diverging map darkens symmetrically away from white at 0.5.
constexpr std::array<Anchor, 9> sequential_anchors = {{{0.000, {68, 1, 84}},
                                                       {0.125, {71, 39, 119}},
                                                       {0.250, {62, 73, 137}},
                                                       {0.375, {49, 103, 142}},
                                                       {0.500, {38, 130, 142}},
                                                       {0.625, {31, 158, 136}},
                                                       {0.750, {53, 183, 120}},
                                                       {0.875, {137, 208, 78}},
                                                       {1.000, {250, 230, 35}}}};
constexpr std::array<Anchor, 7> diverging_anchors = {{{0.0, {40, 55, 140}},
                                                      {0.2, {70, 120, 190}},
                                                      {0.4, {180, 210, 235}},
                                                      {0.5, {255, 255, 255}},
                                                      {0.6, {245, 190, 170}},
                                                      {0.8, {210, 80, 65}},
                                                      {1.0, {135, 15, 30}}}};

template <std::size_t N>
Rgb interpolate(const std::array<Anchor, N>& anchors, double t) {
  t = std::clamp(t, 0.0, 1.0);
  for (std::size_t k = 1; k < N; ++k)
    if (t <= anchors[k].t)
      return mix(anchors[k - 1].c, anchors[k].c,
                 (t - anchors[k - 1].t) / (anchors[k].t - anchors[k - 1].t));
  return anchors[N - 1].c;
}

constexpr Rgb missing_color{190, 190, 190};

}  // namespace

Rgb colormap_color(Colormap map, double t) {
  if (std::isnan(t)) return missing_color;
  return map == Colormap::diverging ? interpolate(diverging_anchors, t)
                                    : interpolate(sequential_anchors, t);
}

// [SECTION] layout --------------------------------------------------------------------------

namespace {

struct ColorbarMetrics {
  int gap, width;
};

ColorbarMetrics colorbar_metrics(const axes::Style& st) { return {2 * st.gap + 2, 8 * st.s + 6}; }

}  // namespace

void HeatmapFigure::set_grid(int nx_cells, int ny_cells, std::vector<double> cell_values,
                             double x_lo, double x_hi, double y_lo, double y_hi) {
  if (nx_cells <= 0 || ny_cells <= 0 ||
      cell_values.size() != static_cast<std::size_t>(nx_cells) * static_cast<std::size_t>(ny_cells))
    throw std::invalid_argument("HeatmapFigure::set_grid: " + std::to_string(cell_values.size()) +
                                " values for a " + std::to_string(nx_cells) + " x " +
                                std::to_string(ny_cells) + " grid");
  nx = nx_cells;
  ny = ny_cells;
  values = std::move(cell_values);
  x_min = x_lo;
  x_max = x_hi;
  y_min = y_lo;
  y_max = y_hi;
}

Rgb HeatmapFigure::color_of(double v, const HeatmapLayout& L) const {
  if (!std::isfinite(v)) return missing_color;
  return colormap_color(colormap, (v - L.value_axis.lo) / (L.value_axis.hi - L.value_axis.lo));
}

HeatmapLayout HeatmapFigure::layout(int width, int height) const {
  return layout(Rect{0, 0, width, height});
}

HeatmapLayout HeatmapFigure::layout(Rect panel) const {
  const std::string what = title.empty() ? "HeatmapFigure" : "HeatmapFigure \"" + title + "\"";
  if (nx <= 0 || ny <= 0 || values.size() != static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny))
    throw std::invalid_argument(what + ": " + std::to_string(values.size()) + " values for a " +
                                std::to_string(nx) + " x " + std::to_string(ny) + " grid");
  if (!std::isfinite(x_min) || !std::isfinite(x_max) || !std::isfinite(y_min) ||
      !std::isfinite(y_max) || !(x_max > x_min) || !(y_max > y_min))
    throw std::invalid_argument(what + ": extent [" + std::to_string(x_min) + ", " +
                                std::to_string(x_max) + "] x [" + std::to_string(y_min) + ", " +
                                std::to_string(y_max) + "] is not a finite box with min < max");
  for (const Quiver& q : quivers)
    if (q.nx <= 0 || q.ny <= 0 ||
        q.u.size() != static_cast<std::size_t>(q.nx) * static_cast<std::size_t>(q.ny) ||
        q.v.size() != q.u.size())
      throw std::invalid_argument(what + ": quiver of " + std::to_string(q.u.size()) + " u / " +
                                  std::to_string(q.v.size()) + " v values for a " +
                                  std::to_string(q.nx) + " x " + std::to_string(q.ny) + " grid");
  for (const Scatter& s : scatters)
    if (s.x.size() != s.y.size())
      throw std::invalid_argument(what + ": scatter with " + std::to_string(s.x.size()) +
                                  " x but " + std::to_string(s.y.size()) + " y values");
  for (const Loop& l : loops)
    if (l.x.size() != l.y.size())
      throw std::invalid_argument(what + ": loop with " + std::to_string(l.x.size()) +
                                  " x but " + std::to_string(l.y.size()) + " y values");

  // Colour limits.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : values)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!(lo <= hi))
    throw std::runtime_error(what + ": no finite value among the " + std::to_string(values.size()) +
                             " cells");
  if (colormap == Colormap::diverging) {
    double m = (v_min || v_max) ? 0.0 : std::max(std::abs(lo), std::abs(hi));
    if (v_min) m = std::max(m, std::abs(*v_min));
    if (v_max) m = std::max(m, std::abs(*v_max));
    if (!(m > 0) || !std::isfinite(m)) m = 1;
    lo = -m;
    hi = m;
  } else {
    if (v_min) lo = *v_min;
    if (v_max) hi = *v_max;
    if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo)
      throw std::invalid_argument(what + ": colour limits [" + std::to_string(lo) + ", " +
                                  std::to_string(hi) + "] are not an interval");
    if (hi == lo) {
      const double d = lo == 0 ? 0.5 : std::abs(lo) * 0.05;
      lo -= d;
      hi += d;
    }
  }

  const axes::Style st = axes::style_for(panel, font_scale);
  const ColorbarMetrics cb = colorbar_metrics(st);
  const int top = axes::top_margin(title, st);
  const int bottom = axes::bottom_margin(!x_label.empty(), st);
  const auto margins = [&](int plot_h, TickSet& yt, TickSet& vt, int& left, int& right) {
    yt = axes::fit_ticks(y_min, y_max, Scale::linear, false, plot_h, false, st);
    vt = axes::fit_ticks(lo, hi, Scale::linear, false, plot_h, false, st);
    left = axes::left_margin(yt.ticks, !y_label.empty(), st);
    right = 1 + cb.gap + cb.width + 1 + st.tick + st.gap + axes::widest_label(vt.ticks, st.s) +
            (colorbar_label.empty() ? 0 : st.gap + st.th) + st.pad;
  };
  TickSet yt, vt, xt;
  int left = 0, right = 0;
  int plot_h = panel.h - top - bottom;
  axes::require_room(what.c_str(), panel, panel.w, plot_h);
  margins(plot_h, yt, vt, left, right);
  int plot_w = panel.w - left - right;
  axes::require_room(what.c_str(), panel, plot_w, plot_h);
  if (equal_aspect) {
    // One data unit gets the same number of pixels on both axes; the ticks of a shorter
    // plot are refitted, and the margins with them.
    const double aspect = (x_max - x_min) / (y_max - y_min);
    if (plot_w > plot_h * aspect) {
      plot_w = std::max(16, static_cast<int>(std::lround(plot_h * aspect)));
    } else {
      plot_h = std::max(16, static_cast<int>(std::lround(plot_w / aspect)));
      margins(plot_h, yt, vt, left, right);
      if (plot_w > panel.w - left - right) {
        plot_w = panel.w - left - right;
        plot_h = std::max(16, static_cast<int>(std::lround(plot_w / aspect)));
      }
    }
  }
  xt = axes::fit_ticks(x_min, x_max, Scale::linear, false, plot_w, true, st);
  right = std::max(right, st.pad + axes::right_overhang(xt, Scale::linear, plot_w, st));
  axes::require_room(what.c_str(), panel, plot_w, plot_h);
  // Centre the block (margins + plot) in the panel.
  const int spare_w = std::max(0, panel.w - left - plot_w - right);
  const int spare_h = std::max(0, panel.h - top - plot_h - bottom);

  HeatmapLayout L;
  L.panel = panel;
  L.font_scale = st.s;
  L.plot = {panel.x + spare_w / 2 + left, panel.y + spare_h / 2 + top, plot_w, plot_h};
  L.x = axes::x_axis(Scale::linear, x_min, x_max, L.plot);
  L.y = axes::y_axis(Scale::linear, y_min, y_max, L.plot);
  L.x_ticks = xt.ticks;
  L.y_ticks = yt.ticks;
  L.colorbar = {L.plot.right() + 1 + cb.gap, L.plot.y, cb.width, L.plot.h};
  L.value_axis = axes::y_axis(Scale::linear, lo, hi, L.colorbar);
  L.colorbar_ticks = vt.ticks;
  return L;
}

// [SECTION] drawing: cells, overlays, colour bar ------------------------------------------

namespace {

void draw_arrow(Canvas& canvas, Point tail, Point tip, double head_len, Rgb c, double width) {
  const double len = std::hypot(tip.x - tail.x, tip.y - tail.y);
  if (!(len > 0)) return;
  const double ux = (tip.x - tail.x) / len, uy = (tip.y - tail.y) / len;
  head_len = std::min(head_len, len);
  const Point base{tip.x - ux * head_len, tip.y - uy * head_len};
  const double half = 0.5 * head_len;
  canvas.draw_line(tail, {tip.x - ux * head_len * 0.7, tip.y - uy * head_len * 0.7}, c, width);
  canvas.fill_polygon({tip, {base.x - uy * half, base.y + ux * half}, {base.x + uy * half, base.y - ux * half}}, c);
}

}  // namespace

void HeatmapFigure::draw(Canvas& canvas, Rect panel) const {
  const HeatmapLayout L = layout(panel);
  const axes::Style st = axes::style_for(panel, font_scale);
  const Rect saved = canvas.clip();
  const Rect area = intersect(panel, saved);
  canvas.set_clip(area);
  canvas.fill_rect(panel, white);

  // Cells: each pixel centre takes the value of the cell it falls in.
  const Rect& p = L.plot;
  std::vector<int> col_cell(static_cast<std::size_t>(p.w)), row_cell(static_cast<std::size_t>(p.h));
  for (int i = 0; i < p.w; ++i) {
    const double f = (L.x.to_data(p.x + i + 0.5) - x_min) / (x_max - x_min);
    col_cell[static_cast<std::size_t>(i)] = std::clamp(static_cast<int>(std::floor(std::clamp(f, 0.0, 1.0) * nx)), 0, nx - 1);
  }
  for (int j = 0; j < p.h; ++j) {
    const double f = (L.y.to_data(p.y + j + 0.5) - y_min) / (y_max - y_min);
    row_cell[static_cast<std::size_t>(j)] = std::clamp(static_cast<int>(std::floor(std::clamp(f, 0.0, 1.0) * ny)), 0, ny - 1);
  }
  for (int j = 0; j < p.h; ++j)
    for (int i = 0; i < p.w; ++i) {
      const std::size_t cell = static_cast<std::size_t>(row_cell[static_cast<std::size_t>(j)]) * nx +
                               static_cast<std::size_t>(col_cell[static_cast<std::size_t>(i)]);
      canvas.set_pixel(p.x + i, p.y + j, color_of(values[cell], L));
    }

  // Overlays, clipped to the plot.
  canvas.set_clip(intersect(p, area));
  const double px_per_x = (L.x.pixel_hi - L.x.pixel_lo) / (x_max - x_min);
  const double px_per_y = (L.y.pixel_hi - L.y.pixel_lo) / (y_max - y_min);  // negative
  for (const Loop& loop : loops) {
    std::vector<Point> pts;
    for (std::size_t i = 0; i < loop.x.size(); ++i) pts.push_back(L.to_pixel(loop.x[i], loop.y[i]));
    const double w = loop.width > 0 ? loop.width : st.line_width;
    const Dash dash = loop.dashed ? Dash{3 * w + 3, 2 * w + 2} : Dash{};
    // A light halo keeps the loop visible on dark and light cells alike.
    canvas.draw_polyline(pts, white, w + 2, dash, loop.closed, 0.7);
    canvas.draw_polyline(pts, loop.color, w, dash, loop.closed);
  }
  for (const Quiver& q : quivers) {
    const double cell_w = std::abs(px_per_x) * (x_max - x_min) / q.nx;
    const double cell_h = std::abs(px_per_y) * (y_max - y_min) / q.ny;
    const double cell = std::min(cell_w, cell_h);
    double longest = 0;
    for (std::size_t k = 0; k < q.u.size(); ++k)
      if (std::isfinite(q.u[k]) && std::isfinite(q.v[k]))
        longest = std::max(longest, std::hypot(q.u[k] * px_per_x, q.v[k] * px_per_y));
    if (!(longest > 0)) continue;
    const double scale = 0.85 * cell / longest;  // the longest arrow spans 85% of a cell
    const double head = std::min(0.3 * cell + 1.5, 0.45 * 0.85 * cell);
    const double width = std::max(1.0, 0.6 * st.line_width);
    for (int j = 0; j < q.ny; ++j)
      for (int i = 0; i < q.nx; ++i) {
        const std::size_t k = static_cast<std::size_t>(j) * q.nx + i;
        if (!std::isfinite(q.u[k]) || !std::isfinite(q.v[k])) continue;
        const Point c = L.to_pixel(x_min + (i + 0.5) * (x_max - x_min) / q.nx,
                                   y_min + (j + 0.5) * (y_max - y_min) / q.ny);
        const double dx = q.u[k] * px_per_x * scale, dy = q.v[k] * px_per_y * scale;
        const double len = std::hypot(dx, dy);
        if (len < 1.0) continue;
        draw_arrow(canvas, {c.x - dx / 2, c.y - dy / 2}, {c.x + dx / 2, c.y + dy / 2},
                   std::min(head, 0.45 * len), q.color, width);
      }
  }
  for (const Scatter& s : scatters) {
    const double r = s.radius > 0 ? s.radius : 1.2 * st.line_width + 1;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const Point c = L.to_pixel(s.x[i], s.y[i]);
      canvas.fill_circle(c, r + 1, white);
      canvas.fill_circle(c, r, s.color);
    }
  }

  canvas.set_clip(area);
  axes::draw_decorations(canvas, L, st, title, x_label, y_label);

  // Colour bar: one colour per pixel row, ticks and labels on its right.
  const Rect& bar = L.colorbar;
  for (int j = 0; j < bar.h; ++j)
    canvas.fill_rect({bar.x, bar.y + j, bar.w, 1},
                     color_of(L.value_axis.to_data(bar.y + j + 0.5), L));
  canvas.stroke_rect({bar.x - 1, bar.y - 1, bar.w + 2, bar.h + 2}, axes::frame_color);
  for (const Tick& t : L.colorbar_ticks) {
    const double py = L.value_axis.to_pixel(t.value);
    if (!std::isfinite(py)) continue;
    const int row = static_cast<int>(std::floor(py));
    canvas.fill_rect({bar.right() + 1, row, st.tick, 1}, axes::frame_color);
    canvas.draw_text(bar.right() + 1 + st.tick + st.gap, row, t.label, axes::text_color, st.s,
                     HAlign::left, VAlign::middle);
  }
  if (!colorbar_label.empty())
    canvas.draw_text(bar.right() + 1 + st.tick + st.gap + axes::widest_label(L.colorbar_ticks, st.s) + st.gap,
                     bar.y + bar.h / 2, colorbar_label, axes::text_color, st.s, HAlign::left,
                     VAlign::middle, true);
  canvas.set_clip(saved);
}

}  // namespace wgf::report
