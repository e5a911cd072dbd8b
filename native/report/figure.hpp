#pragma once
// figure.hpp — paper-style figures drawn onto a Canvas:
//   LineFigure     diagnostics against the time index k on linear or log10 axes, with
//                  shaded mean ± std bands, markers, dashes and a legend;
//   HeatmapFigure  a 2D scalar field with a sequential or diverging colour bar and
//                  quiver / scatter / loop overlays;
//   compose        several figures as panels of one image.
// Each figure exposes layout(), the exact data-to-pixel mapping it draws with, so callers
// and tests can locate data on the rendered image.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "raster.hpp"
#include "ticks.hpp"

namespace wgf::report {

// Qualitative palette (colour-blind friendly, dark enough on white); cycles.
Rgb palette_color(std::size_t index);

// Where a figure put its data area, and how it maps data to pixels.
struct PlotLayout {
  Rect panel;              // the figure draws only inside this
  Rect plot;               // the data area, inside the frame
  AxisMap x, y;            // x: plot.x + 0.5 .. plot.right() - 0.5 (pixel centres),
                           // y: plot.bottom() - 0.5 (y.lo) .. plot.y + 0.5 (y.hi)
  std::vector<Tick> x_ticks, y_ticks;
  int font_scale = 1;      // text scale of tick labels; titles use font_scale + 1
  // NaN coordinates where the value cannot be drawn (not finite, <= 0 on log10).
  Point to_pixel(double x_value, double y_value) const;
};

class Figure {
 public:
  virtual ~Figure() = default;
  // Draws the whole figure (background included) inside panel.
  virtual void draw(Canvas& canvas, Rect panel) const = 0;
  // A width x height canvas holding only this figure.
  Canvas render(int width, int height) const;
};

// ---------------------------------------------------------------------------------------
// Line figures

struct Series {
  std::string name;                         // legend entry; empty keeps it out of the legend
  std::vector<double> x, y;                 // same length; non-finite points break the line
  std::vector<double> band_low, band_high;  // optional shaded band (e.g. mean ± std), both
                                            // empty or both the length of x
  std::optional<Rgb> color;                 // default: palette_color(series index)
  bool markers = false;                     // a disc at every drawable point
  bool dashed = false;
  double line_width = 0;                    // pixels; 0 picks one from the panel size
};

struct LineLayout : PlotLayout {
  Rect legend;  // legend box (inside plot); empty when there is no legend
};

class LineFigure : public Figure {
 public:
  std::string title, x_label, y_label;
  Scale x_scale = Scale::linear, y_scale = Scale::linear;
  // Fixed axis limits; unset ones come from the data, grown to whole tick steps.
  std::optional<double> x_min, x_max, y_min, y_max;
  bool grid = true;
  bool legend = true;
  int font_scale = 0;  // 0: from the panel size
  std::vector<Series> series;

  // Appends a series and returns it for further settings (the reference is valid until
  // the next add).
  Series& add(std::string name, std::vector<double> x, std::vector<double> y);

  // Throws std::invalid_argument for inconsistent series lengths or a panel too small for
  // axes, std::runtime_error when no series has a drawable point.
  LineLayout layout(int width, int height) const;
  LineLayout layout(Rect panel) const;
  void draw(Canvas& canvas, Rect panel) const override;
};

// ---------------------------------------------------------------------------------------
// Heatmaps

enum class Colormap {
  sequential,  // dark blue-purple -> teal -> yellow (viridis-like), luminance increasing
  diverging,   // blue -> white -> red; white exactly at the middle
};
// Colour at t in [0, 1] (clamped); diverging is white at t = 0.5.
Rgb colormap_color(Colormap map, double t);

// Arrows of a vector field sampled at the cell centres of an nx x ny grid laid over the
// heatmap's extent; u, v are (ny, nx) row-major like HeatmapFigure::values. Arrow length is
// proportional to |(u, v)|, the longest filling most of a cell.
struct Quiver {
  int nx = 0, ny = 0;
  std::vector<double> u, v;
  Rgb color{25, 25, 25};
};

struct Scatter {
  std::vector<double> x, y;  // data coordinates
  Rgb color{0, 0, 0};
  double radius = 0;  // pixels; 0 picks one from the panel size
};

// A polyline in data coordinates, closed by default (a loop around a region).
struct Loop {
  std::vector<double> x, y;
  Rgb color{0, 0, 0};
  double width = 0;  // pixels; 0 picks one from the panel size
  bool closed = true;
  bool dashed = false;
};

struct HeatmapLayout : PlotLayout {
  Rect colorbar;                     // the colour strip, right of the plot
  AxisMap value_axis;                // colour limits [lo, hi] -> pixel rows of the strip
                                     // (lo at the bottom, like y)
  std::vector<Tick> colorbar_ticks;  // values inside [lo, hi]
};

class HeatmapFigure : public Figure {
 public:
  std::string title, x_label, y_label, colorbar_label;
  // Cell values, (ny, nx) row-major: values[j * nx + i] is cell i along x, j along y, and
  // row j = 0 is at y_min (the bottom of the picture). Cells tile [x_min, x_max] x
  // [y_min, y_max], so cell i spans x_min + i * dx .. x_min + (i + 1) * dx with
  // dx = (x_max - x_min) / nx. Non-finite cells are drawn grey.
  int nx = 0, ny = 0;
  std::vector<double> values;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  Colormap colormap = Colormap::sequential;
  // Colour limits; unset ones come from the finite values. Diverging maps are symmetric
  // around 0: [-m, m] with m the largest magnitude among the limits / values.
  std::optional<double> v_min, v_max;
  bool equal_aspect = true;  // one data unit is as long on x as on y
  int font_scale = 0;        // 0: from the panel size
  std::vector<Quiver> quivers;
  std::vector<Scatter> scatters;
  std::vector<Loop> loops;

  // Sets the grid and its extent in one call (checks values.size() == nx * ny).
  void set_grid(int nx_cells, int ny_cells, std::vector<double> cell_values, double x_lo,
                double x_hi, double y_lo, double y_hi);

  // Colour of value v under the colour limits of a layout.
  Rgb color_of(double v, const HeatmapLayout& layout) const;

  // Throws std::invalid_argument for a malformed grid or a panel too small for axes,
  // std::runtime_error when no cell is finite.
  HeatmapLayout layout(int width, int height) const;
  HeatmapLayout layout(Rect panel) const;
  void draw(Canvas& canvas, Rect panel) const override;
};

// ---------------------------------------------------------------------------------------
// Multi-panel images

// Lays panels out row by row, cols per row, each panel_width x panel_height, under an
// optional title; a null entry leaves its panel blank. Errors of a panel are rethrown as
// std::runtime_error naming the panel index.
Canvas compose(const std::vector<const Figure*>& panels, int cols, int panel_width,
               int panel_height, const std::string& title = "");

}  // namespace wgf::report
