// Small helpers shared by the panels: explanatory text, combos over string lists, log
// sliders, the plot box of the current state, and Refresher, which decides when a cached
// field map is recomputed (only when its inputs change; while training changes the learned
// field every frame, at most every few tenths of a second).
#pragma once
#include <sstream>
#include <string>
#include <vector>

#include <imgui.h>

#include "app_state.hpp"
#include "lab.hpp"
#include "wgf/diagnostics.hpp"

namespace wgf::ui {

// A section heading with a rule under it.
void section(const char* title);
// A paragraph in the paper's words, wrapped, in a softer colour.
void explain(const char* text);
// A combo over `options`; returns true when the value changed.
bool combo(const char* label, std::string& value, const std::vector<std::string>& options);
bool slider_log(const char* label, double& v, double lo, double hi, const char* fmt = "%.3g");
bool slider_double(const char* label, double& v, double lo, double hi, const char* fmt = "%.3g");
// A number for labels: %.3g, or "-" when not finite.
std::string fmt(double v, const char* f = "%.3g");

// The plot box [-view, view]^2 with n x n nodes.
Grid2D view_grid(const AppState& s, int n);

// The key of a cached computation: its inputs, joined.
template <class... A>
std::string make_key(const A&... a) {
  std::ostringstream o;
  ((o << a << '|'), ...);
  return o.str();
}

class Refresher {
 public:
  // True when the inputs changed: at once when `key` changed, and when only `version` (the
  // field's training version) changed, once `min_interval_s` has passed since the last refresh.
  bool due(const std::string& key, std::uint64_t version, double min_interval_s = 0.3) const;
  // True when the inputs other than the training version changed (the user changed something).
  bool key_changed(const std::string& key) const { return key != key_; }
  void done(const std::string& key, std::uint64_t version);
  void invalidate() { key_.clear(); }
  bool valid() const { return !key_.empty(); }

 private:
  std::string key_;
  std::uint64_t version_ = 0;
  Clock::time_point when_{};
};

}  // namespace wgf::ui
