// figure.cpp — Figure basics, LineFigure and compose (HeatmapFigure is in heatmap.cpp).
// [SECTION] palette, layout, render
// [SECTION] LineFigure: data ranges and layout
// [SECTION] LineFigure: mapping series to pixels, legend placement
// [SECTION] LineFigure: drawing
// [SECTION] compose
#include "figure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "axes.hpp"

namespace wgf::report {

// [SECTION] palette, layout, render -------------------------------------------------------

Rgb palette_color(std::size_t index) {
  // Okabe-Ito hues (minus the yellow, too light on white) plus dark grey and a brown.
  static constexpr std::array<Rgb, 8> colors = {{{0, 114, 178},
                                                 {213, 94, 0},
                                                 {0, 158, 115},
                                                 {204, 121, 167},
                                                 {230, 159, 0},
                                                 {86, 180, 233},
                                                 {80, 80, 80},
                                                 {140, 86, 55}}};
  return colors[index % colors.size()];
}

Point PlotLayout::to_pixel(double x_value, double y_value) const {
  return {x.to_pixel(x_value), y.to_pixel(y_value)};
}

Canvas Figure::render(int width, int height) const {
  Canvas canvas(width, height);
  draw(canvas, canvas.bounds());
  return canvas;
}

// [SECTION] LineFigure: data ranges and layout ------------------------------------------

namespace {

bool drawable(double v, Scale scale) {
  return std::isfinite(v) && (scale == Scale::linear || v > 0);
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

std::string quoted_title(const std::string& kind, const std::string& title) {
  return title.empty() ? kind : kind + " \"" + title + "\"";
}

// Limits of one axis: fixed ends as given, free ends from the data; expand (grow to whole
// ticks) only when both ends are free.
struct AxisLimits {
  double lo = 0, hi = 1;
  bool expand = true;
};

AxisLimits resolve_limits(const std::string& what, Range data, std::optional<double> fixed_lo,
                          std::optional<double> fixed_hi, Scale scale) {
  AxisLimits out;
  out.expand = !fixed_lo && !fixed_hi;
  out.lo = fixed_lo ? *fixed_lo : data.lo;
  out.hi = fixed_hi ? *fixed_hi : data.hi;
  if (fixed_lo && !fixed_hi && out.hi <= out.lo) out.hi = scale == Scale::log10 ? out.lo * 10 : out.lo + 1;
  if (fixed_hi && !fixed_lo && out.hi <= out.lo) out.lo = scale == Scale::log10 ? out.hi / 10 : out.hi - 1;
  if (!std::isfinite(out.lo) || !std::isfinite(out.hi) || out.hi < out.lo ||
      (!out.expand && out.hi == out.lo) || (scale == Scale::log10 && out.lo <= 0))
    throw std::invalid_argument(what + ": axis limits [" + std::to_string(out.lo) + ", " +
                                std::to_string(out.hi) + "] are not a usable " +
                                (scale == Scale::log10 ? "log10" : "linear") + " range");
  return out;
}

Rgb series_color(const Series& s, std::size_t index) {
  return s.color ? *s.color : palette_color(index);
}

// [SECTION] LineFigure: mapping series to pixels, legend placement ----------------------

// One series in pixel coordinates.
struct MappedSeries {
  Rgb color;
  double width = 2;
  double marker_radius = 3;
  bool dashed = false, markers = false, band = false;
  std::vector<std::vector<Point>> runs;  // unbroken stretches of drawable points
  // Unbroken stretches of the band: (high, low) edge points at the same x.
  std::vector<std::vector<std::pair<Point, Point>>> band_runs;
};

Dash dash_for(double width) { return {3 * width + 3, 2 * width + 2}; }

std::vector<MappedSeries> map_series(const LineFigure& f, const PlotLayout& L,
                                     const axes::Style& st) {
  std::vector<MappedSeries> out;
  for (std::size_t k = 0; k < f.series.size(); ++k) {
    const Series& s = f.series[k];
    MappedSeries m;
    m.color = series_color(s, k);
    m.width = s.line_width > 0 ? s.line_width : st.line_width;
    m.marker_radius = 1.4 * m.width + 1;
    m.dashed = s.dashed;
    m.markers = s.markers;
    m.band = !s.band_low.empty();
    std::vector<Point> run;
    std::vector<std::pair<Point, Point>> band_run;
    const auto ok = [](Point p) { return std::isfinite(p.x) && std::isfinite(p.y); };
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const Point p = L.to_pixel(s.x[i], s.y[i]);
      if (ok(p)) {
        run.push_back(p);
      } else if (!run.empty()) {
        m.runs.push_back(std::move(run));
        run.clear();
      }
      if (!m.band) continue;
      const Point hi = L.to_pixel(s.x[i], s.band_high[i]), lo = L.to_pixel(s.x[i], s.band_low[i]);
      if (ok(hi) && ok(lo)) {
        band_run.emplace_back(hi, lo);
      } else if (!band_run.empty()) {
        m.band_runs.push_back(std::move(band_run));
        band_run.clear();
      }
    }
    if (!run.empty()) m.runs.push_back(std::move(run));
    if (band_run.size() >= 2) m.band_runs.push_back(std::move(band_run));
    out.push_back(std::move(m));
  }
  return out;
}

// How much of the data would sit under box: line length, markers and (lightly weighted)
// band area inside it, in pixels.
double data_ink(const std::vector<MappedSeries>& mapped, Rect box) {
  double ink = 0;
  for (const MappedSeries& m : mapped) {
    for (const auto& run : m.runs) {
      for (std::size_t i = 0; i < run.size(); ++i) {
        const bool inside = run[i].x >= box.x && run[i].x <= box.right() && run[i].y >= box.y &&
                            run[i].y <= box.bottom();
        if (inside && (m.markers || run.size() == 1)) ink += 4 * m.marker_radius;
        if (i + 1 == run.size()) continue;
        Point a = run[i], b = run[i + 1];
        if (clip_segment(a, b, box)) ink += m.width * std::hypot(b.x - a.x, b.y - a.y);
      }
    }
    for (const auto& band : m.band_runs) {
      for (std::size_t i = 0; i + 1 < band.size(); ++i) {
        auto a = band[i], b = band[i + 1];
        if (a.first.x > b.first.x) std::swap(a, b);
        const double x0 = std::max(a.first.x, static_cast<double>(box.x));
        const double x1 = std::min(b.first.x, static_cast<double>(box.right()));
        const double dx = b.first.x - a.first.x;
        for (double x = x0; x < x1; x += 1) {
          const double t = dx > 0 ? (x + 0.5 - a.first.x) / dx : 0;
          const double y_hi = a.first.y + t * (b.first.y - a.first.y);
          const double y_lo = a.second.y + t * (b.second.y - a.second.y);
          const double top = std::max(std::min(y_hi, y_lo), static_cast<double>(box.y));
          const double bottom = std::min(std::max(y_hi, y_lo), static_cast<double>(box.bottom()));
          if (bottom > top) ink += 0.25 * (bottom - top) * std::min(1.0, x1 - x);
        }
      }
    }
  }
  return ink;
}

struct LegendMetrics {
  int inner, sample_w, row_h;
};

LegendMetrics legend_metrics(const axes::Style& st) {
  return {2 * st.s + 3, 18 * st.s + 6, st.th + 2 * st.s + 2};
}

}  // namespace

Series& LineFigure::add(std::string name, std::vector<double> x, std::vector<double> y) {
  Series s;
  s.name = std::move(name);
  s.x = std::move(x);
  s.y = std::move(y);
  series.push_back(std::move(s));
  return series.back();
}

LineLayout LineFigure::layout(int width, int height) const { return layout(Rect{0, 0, width, height}); }

LineLayout LineFigure::layout(Rect panel) const {
  const std::string what = quoted_title("LineFigure", title);
  for (const Series& s : series) {
    if (s.x.size() != s.y.size())
      throw std::invalid_argument(what + ": series \"" + s.name + "\" has " +
                                  std::to_string(s.x.size()) + " x values but " +
                                  std::to_string(s.y.size()) + " y values");
    const bool band = !s.band_low.empty() || !s.band_high.empty();
    if (band && (s.band_low.size() != s.x.size() || s.band_high.size() != s.x.size()))
      throw std::invalid_argument(what + ": series \"" + s.name + "\" has a band of " +
                                  std::to_string(s.band_low.size()) + " low / " +
                                  std::to_string(s.band_high.size()) +
                                  " high values for " + std::to_string(s.x.size()) + " points");
  }

  // Data ranges over drawable points; with both x limits fixed, y only looks at points
  // inside them.
  Range xr, yr;
  std::size_t points = 0;
  for (const Series& s : series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const double xv = s.x[i];
      if (!drawable(xv, x_scale)) continue;
      if (x_min && x_max && (xv < *x_min || xv > *x_max)) continue;
      bool any = false;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (const double yv : {s.y[i], s.band_low.empty() ? nan : s.band_low[i],
                              s.band_high.empty() ? nan : s.band_high[i]}) {
        if (!drawable(yv, y_scale)) continue;
        yr.add(yv);
        any = true;
      }
      if (drawable(s.y[i], y_scale)) ++points;
      if (any) xr.add(xv);
    }
  }
  if (points == 0 || xr.empty() || yr.empty()) {
    std::string why = what + ": no finite data to plot in " + std::to_string(series.size()) +
                      " series (a point needs finite x and y";
    if (x_scale == Scale::log10 || y_scale == Scale::log10)
      why += "; values <= 0 are skipped on a log10 axis";
    throw std::runtime_error(why + ")");
  }
  const AxisLimits xl = resolve_limits(what, xr, x_min, x_max, x_scale);
  const AxisLimits yl = resolve_limits(what, yr, y_min, y_max, y_scale);

  const axes::Style st = axes::style_for(panel, font_scale);
  LineLayout L;
  L.panel = panel;
  L.font_scale = st.s;
  const int top = axes::top_margin(title, st);
  const int plot_h = panel.h - top - axes::bottom_margin(!x_label.empty(), st);
  axes::require_room(what.c_str(), panel, panel.w, plot_h);
  const TickSet yt = axes::fit_ticks(yl.lo, yl.hi, y_scale, yl.expand, plot_h, false, st);
  const int left = axes::left_margin(yt.ticks, !y_label.empty(), st);
  // The right margin depends on the last x label, which depends on the plot width: two
  // passes settle it.
  int right = st.pad + 3 * font::advance * st.s;
  TickSet xt;
  int plot_w = 0;
  for (int pass = 0; pass < 2; ++pass) {
    plot_w = panel.w - left - right;
    axes::require_room(what.c_str(), panel, plot_w, plot_h);
    xt = axes::fit_ticks(xl.lo, xl.hi, x_scale, xl.expand, plot_w, true, st);
    right = st.pad + std::max(0, axes::right_overhang(xt, x_scale, plot_w, st));
  }
  L.plot = {panel.x + left, panel.y + top, plot_w, plot_h};
  L.x = axes::x_axis(x_scale, xt.lo, xt.hi, L.plot);
  L.y = axes::y_axis(y_scale, yt.lo, yt.hi, L.plot);
  L.x_ticks = xt.ticks;
  L.y_ticks = yt.ticks;

  // Legend: where it covers the least data, trying the corners first (top right, top
  // left, bottom right, bottom left), then the middles of the top, bottom, right and left
  // edges; the first of equally empty places wins.
  int text_w = 0, entries = 0;
  for (const Series& s : series)
    if (!s.name.empty()) {
      text_w = std::max(text_w, text_width(s.name, st.s));
      ++entries;
    }
  if (legend && entries > 0) {
    const LegendMetrics lm = legend_metrics(st);
    const int w = 2 * lm.inner + lm.sample_w + st.gap + text_w;
    const int h = 2 * lm.inner + entries * lm.row_h - (lm.row_h - st.th);
    const int inset = st.gap + 2;
    const Rect& p = L.plot;
    const int x_left = p.x + inset, x_mid = p.x + (p.w - w) / 2, x_right = p.right() - inset - w;
    const int y_top = p.y + inset, y_mid = p.y + (p.h - h) / 2, y_bottom = p.bottom() - inset - h;
    const std::array<Rect, 8> places = {{{x_right, y_top, w, h},
                                         {x_left, y_top, w, h},
                                         {x_right, y_bottom, w, h},
                                         {x_left, y_bottom, w, h},
                                         {x_mid, y_top, w, h},
                                         {x_mid, y_bottom, w, h},
                                         {x_right, y_mid, w, h},
                                         {x_left, y_mid, w, h}}};
    const std::vector<MappedSeries> mapped = map_series(*this, L, st);
    double best_ink = std::numeric_limits<double>::infinity();
    for (const Rect& place : places) {
      const double ink = data_ink(mapped, place);
      if (ink < best_ink) {
        best_ink = ink;
        L.legend = place;
      }
    }
  }
  return L;
}

// [SECTION] LineFigure: drawing -----------------------------------------------------------

void LineFigure::draw(Canvas& canvas, Rect panel) const {
  const LineLayout L = layout(panel);
  const axes::Style st = axes::style_for(panel, font_scale);
  const std::vector<MappedSeries> mapped = map_series(*this, L, st);
  const Rect saved = canvas.clip();
  const Rect area = intersect(panel, saved);
  canvas.set_clip(area);
  canvas.fill_rect(panel, white);
  if (grid) axes::draw_grid(canvas, L);

  canvas.set_clip(intersect(L.plot, area));
  constexpr double band_alpha = 0.2;
  for (const MappedSeries& m : mapped)
    for (const auto& band : m.band_runs) {
      std::vector<Point> polygon;
      for (const auto& edge : band) polygon.push_back(edge.first);
      for (auto it = band.rbegin(); it != band.rend(); ++it) polygon.push_back(it->second);
      canvas.fill_polygon(polygon, m.color, band_alpha);
    }
  for (const MappedSeries& m : mapped)
    for (const auto& run : m.runs) {
      if (run.size() == 1) canvas.fill_circle(run[0], 0.8 * m.width + 0.5, m.color);
      else canvas.draw_polyline(run, m.color, m.width, m.dashed ? dash_for(m.width) : Dash{});
    }
  for (const MappedSeries& m : mapped) {
    if (!m.markers) continue;
    for (const auto& run : m.runs)
      for (const Point& p : run) {
        canvas.fill_circle(p, m.marker_radius + 1, white);
        canvas.fill_circle(p, m.marker_radius, m.color);
      }
  }

  canvas.set_clip(area);
  axes::draw_decorations(canvas, L, st, title, x_label, y_label);

  if (!L.legend.empty()) {
    const LegendMetrics lm = legend_metrics(st);
    canvas.fill_rect(L.legend, white, 0.88);
    canvas.stroke_rect(L.legend, {170, 170, 170});
    int row = 0;
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (series[k].name.empty()) continue;
      const MappedSeries& m = mapped[k];
      const int top = L.legend.y + lm.inner + row * lm.row_h;
      const int mid = top + font::ascent * st.s / 2;
      const int x0 = L.legend.x + lm.inner;
      if (m.band) canvas.fill_rect({x0, top, lm.sample_w, font::ascent * st.s}, m.color, band_alpha);
      canvas.draw_line({x0 + 0.5, mid + 0.5}, {x0 + lm.sample_w - 0.5, mid + 0.5}, m.color, m.width);
      if (m.dashed) {
        // Show the dash rhythm: cut the sample line with background-coloured gaps.
        const Dash d = dash_for(m.width);
        for (double x = x0 + d.on; x < x0 + lm.sample_w - 1; x += d.on + d.off)
          canvas.fill_rect({static_cast<int>(x), mid - static_cast<int>(m.width) - 1,
                            static_cast<int>(d.off), 2 * static_cast<int>(m.width) + 3},
                           white);
      }
      if (m.markers) {
        const Point c{x0 + lm.sample_w / 2.0, mid + 0.5};
        canvas.fill_circle(c, m.marker_radius + 1, white);
        canvas.fill_circle(c, m.marker_radius, m.color);
      }
      canvas.draw_text(x0 + lm.sample_w + st.gap, mid, series[k].name, axes::text_color, st.s,
                       HAlign::left, VAlign::middle);
      ++row;
    }
  }
  canvas.set_clip(saved);
}

// [SECTION] compose -------------------------------------------------------------------------

Canvas compose(const std::vector<const Figure*>& panels, int cols, int panel_width,
               int panel_height, const std::string& title) {
  if (panels.empty() || cols <= 0 || panel_width <= 0 || panel_height <= 0)
    throw std::invalid_argument("compose: need at least one panel, cols >= 1 and a positive "
                                "panel size (got " + std::to_string(panels.size()) +
                                " panels, cols " + std::to_string(cols) + ", " +
                                std::to_string(panel_width) + "x" + std::to_string(panel_height) + ")");
  const int n = static_cast<int>(panels.size());
  const int rows = (n + cols - 1) / cols;
  const int used_cols = std::min(cols, n);
  const axes::Style st = axes::style_for({0, 0, panel_width, panel_height}, 0);
  const int title_h = title.empty() ? 0 : text_height(st.title_s) + 2 * st.pad;
  Canvas canvas(used_cols * panel_width, rows * panel_height + title_h);
  if (!title.empty())
    canvas.draw_text(canvas.width() / 2, st.pad, title, axes::text_color, st.title_s,
                     HAlign::center, VAlign::top);
  for (int i = 0; i < n; ++i) {
    if (!panels[static_cast<std::size_t>(i)]) continue;
    const Rect panel{(i % cols) * panel_width, title_h + (i / cols) * panel_height, panel_width,
                     panel_height};
    try {
      panels[static_cast<std::size_t>(i)]->draw(canvas, panel);
    } catch (const std::exception& e) {
      throw std::runtime_error("compose: panel " + std::to_string(i) + " (row " +
                               std::to_string(i / cols) + ", column " + std::to_string(i % cols) +
                               "): " + e.what());
    }
  }
  return canvas;
}

}  // namespace wgf::report
