// Plot helpers drawn only through ImGui's draw lists (ImPlot's rule: no backend, no GL), so
// they run headless in tests and unchanged on the web: axes with ticks (linear or log),
// heatmaps with a colour bar, quivers, streamlines, particle scatters, line plots with a
// legend, and draggable handles. Fast enough for a 64x64 map plus 2,000 particles per frame:
// a heatmap cell is one rectangle, a particle one small square.
//
// Data shapes follow the engine: points are (2, N) columns; grid values come in
// wgf::Grid2D::points() order (node (i, j) at index j nx + i, x running fastest).
//
// Sections: [colour] [axes] [fields] [curves] [interaction]
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "wgf/diagnostics.hpp"
#include "wgf/types.hpp"

namespace wgf::ui::plot {

struct Range {
  double lo = 0, hi = 1;
  double span() const { return hi - lo; }
};
// The smallest range holding the finite values (padded when flat); log: positive values only.
Range data_range(const std::vector<double>& v, bool log = false);
Range data_range(const Vec& v);
// [-m, m] with m the largest |value| (for diverging maps of signed fields such as the curl).
Range symmetric_range(const Vec& v);

// ---- [colour] -------------------------------------------------------------------------------
enum class Colormap { Viridis, Diverging };  // Diverging: blue - white - red, 0 in the middle
ImU32 colormap(Colormap m, double u, float alpha = 1.0f);  // u in [0, 1] (clamped)
// A qualitative colour for series i (curves, legend entries).
ImU32 series_colour(int i, float alpha = 1.0f);

// ---- [axes] ---------------------------------------------------------------------------------
struct Rect {
  ImVec2 min, max;
  float width() const { return max.x - min.x; }
  float height() const { return max.y - min.y; }
};

struct AxesStyle {
  bool log_x = false, log_y = false;
  bool equal_aspect = false;       // square data units (field plots)
  const char* x_label = nullptr;
  const char* y_label = nullptr;
  const char* title = nullptr;
  bool colorbar = false;           // leave room on the right for colorbar()
};

// One plot: an ImGui item (it takes the mouse) whose inner rectangle shows the data box
// x x y. Between begin and end, drawing is clipped to the inner rectangle.
class Axes {
 public:
  // size: pixels; a negative or zero component fills the available width/height.
  Axes(const char* id, ImVec2 size, Range x, Range y, const AxesStyle& style = {});
  ~Axes();  // draws ticks, labels, frame and colour bar; pops the clip rectangle
  Axes(const Axes&) = delete;
  Axes& operator=(const Axes&) = delete;

  ImVec2 to_screen(double x, double y) const;
  void to_data(ImVec2 p, double& x, double& y) const;
  ImDrawList* draw() const { return dl_; }
  const Rect& inner() const { return inner_; }
  const Rect& outer() const { return outer_; }
  const Range& x() const { return x_; }
  const Range& y() const { return y_; }
  ImGuiID id() const { return id_; }

  // Mouse state of the plot item this frame.
  bool hovered() const { return hovered_; }
  bool clicked() const { return clicked_; }   // left button went down on the plot
  bool held() const { return held_; }         // left button is down and began on the plot
  double mouse_x() const { return mx_; }
  double mouse_y() const { return my_; }

  // A colour bar on the right margin (needs style.colorbar), drawn by the destructor.
  void colorbar(Range v, Colormap m, const char* label = nullptr);
  // Legend entries, drawn in the top-right corner by the destructor.
  void legend(const std::string& label, ImU32 colour);

 private:
  ImDrawList* dl_;
  ImGuiID id_;
  Rect outer_, inner_;
  Range x_, y_;
  AxesStyle style_;
  bool hovered_ = false, clicked_ = false, held_ = false;
  double mx_ = 0, my_ = 0;
  bool has_bar_ = false;
  Range bar_;
  Colormap bar_map_ = Colormap::Viridis;
  std::string bar_label_;
  std::vector<std::pair<std::string, ImU32>> legend_;
};

// "Nice" tick positions (1, 2, 5 x 10^n) inside r; log: the decades (and 2, 5 when few).
std::vector<double> ticks(Range r, int max_ticks, bool log = false);
std::string tick_label(double v);

// ---- [fields] -------------------------------------------------------------------------------
// Grid values as node-centred cells coloured by `cmap` over the value range v.
void heatmap(const Axes& a, const Grid2D& grid, const Vec& values, Range v, Colormap cmap, float alpha = 1.0f);
// Arrows from each column of `at` (2, N) along `vec` (2, N); length |vec| * scale data units,
// clamped to max_len when max_len > 0.
void quiver(const Axes& a, const Points& at, const Points& vec, double scale, ImU32 colour, double max_len = 0,
            float thickness = 1.2f);
// Streamlines of a grid field (values (2, nx ny)): traced once when the field changes, drawn
// every frame.
struct Streamlines {
  std::vector<Points> lines;  // each (2, L)
};
// Seeds on a seeds x seeds lattice, traced both ways along the normalised field (midpoint
// steps of half a cell, bilinear interpolation) until they leave the box or stall.
Streamlines trace_streamlines(const Grid2D& grid, const Points& values, int seeds = 20, int max_steps = 40);
void streamlines(const Axes& a, const Streamlines& s, ImU32 colour, float thickness = 1.0f);
// One small square per column of x (2, N).
void scatter(const Axes& a, const Points& x, ImU32 colour, float half_size = 1.5f);

// ---- [curves] -------------------------------------------------------------------------------
void line(const Axes& a, const std::vector<double>& xs, const std::vector<double>& ys, ImU32 colour,
          float thickness = 1.5f);
// A path through the columns of p (2, L) (closed: back to the first).
void polyline(const Axes& a, const Points& p, ImU32 colour, float thickness = 1.5f, bool closed = false);
void vline(const Axes& a, double x, ImU32 colour, float thickness = 1.0f);
void hline(const Axes& a, double y, ImU32 colour, float thickness = 1.0f);
void marker(const Axes& a, double x, double y, ImU32 colour, float radius = 3.5f);

// ---- [interaction] ----------------------------------------------------------------------------
// A draggable handle at (x, y): a press within a few pixels grabs it, dragging moves it.
// Returns true while it is being dragged. Handles of one plot are told apart by `key`.
bool drag_handle(const Axes& a, int key, double& x, double& y, ImU32 colour, float radius = 5.0f);
// True while any handle of this plot is held (a click on the plot that grabbed no handle is
// free for tools: placing or drawing loops).
bool handle_held(const Axes& a);

}  // namespace wgf::ui::plot
