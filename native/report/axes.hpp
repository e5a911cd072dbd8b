#pragma once
// axes.hpp — internal to wgf_report: the metrics, tick fitting, margins and axis drawing
// that LineFigure and HeatmapFigure share, so both kinds of panel look alike.
#include <string>
#include <vector>

#include "figure.hpp"

namespace wgf::report::axes {

constexpr Rgb text_color{25, 25, 25};
constexpr Rgb frame_color{60, 60, 60};
constexpr Rgb grid_major{222, 222, 222};
constexpr Rgb grid_minor{244, 244, 244};

// Sizes in pixels for one panel, all derived from the text scale s.
struct Style {
  int s = 1;           // tick labels, axis labels, legend
  int title_s = 2;     // title
  int th = 9;          // text height at s (capitals + descender)
  int pad = 8;         // outer padding of the panel
  int gap = 3;         // between a label and what it labels
  int tick = 4;        // major tick length
  int minor_tick = 2;  // minor tick length
  double line_width = 2;
};
// font_scale > 0 forces s; 0 picks it from the panel size.
Style style_for(Rect panel, int font_scale);

int widest_label(const std::vector<Tick>& ticks, int scale);

// The densest nice ticks (at most 8 majors) whose labels keep clear of each other on an
// axis length_px long; horizontal labels sit side by side, vertical ones stack.
TickSet fit_ticks(double lo, double hi, Scale scale, bool expand, int length_px,
                  bool horizontal, const Style& st);

int top_margin(const std::string& title, const Style& st);
int bottom_margin(bool has_x_label, const Style& st);
int left_margin(const std::vector<Tick>& y_ticks, bool has_y_label, const Style& st);
// Room the last x tick label needs to the right of a plot plot_w pixels wide.
int right_overhang(const TickSet& x_ticks, Scale scale, int plot_w, const Style& st);

// Axis maps onto the pixel centres of plot (see PlotLayout).
AxisMap x_axis(Scale scale, double lo, double hi, Rect plot);
AxisMap y_axis(Scale scale, double lo, double hi, Rect plot);

// Throws std::invalid_argument when the plot area left by the margins is too small.
void require_room(const char* what, Rect panel, int plot_w, int plot_h);

void draw_grid(Canvas& canvas, const PlotLayout& layout);
// Frame, ticks, tick labels, title and axis labels.
void draw_decorations(Canvas& canvas, const PlotLayout& layout, const Style& st,
                      const std::string& title, const std::string& x_label,
                      const std::string& y_label);

}  // namespace wgf::report::axes
