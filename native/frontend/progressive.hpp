// A field map recomputed a chunk of grid points per frame. While training changes the learned
// field every frame, its maps (velocity, curl, Stein value on a 64x64 grid: 5-15 ms each) are
// refreshed in the background within the frame budget and swapped in when complete, so the
// engine work per frame stays bounded; when the user changes an input (k, the field spec) the
// map is recomputed at once instead.
#pragma once
#include <functional>

#include "app_state.hpp"
#include "lab.hpp"
#include "wgf/types.hpp"

namespace wgf::ui {

class ProgressiveMap {
 public:
  // f maps a chunk of points (D, n) to values (R, n), one column per point.
  using Fn = std::function<Points(const Points&)>;

  // Computes f at every column of x now; result() holds it.
  void compute(EngineClock& clock, const Points& x, const Fn& f);
  // Starts a background recomputation (result() keeps the previous values until it completes).
  void start(Points x, Fn f);
  // Runs chunks of the background computation until this frame's engine time reaches
  // budget_ms (at least one chunk); returns true on the frame it completes.
  bool step(EngineClock& clock, double budget_ms, int chunk = 256);
  bool busy() const { return static_cast<bool>(f_); }
  bool ready() const { return result_.cols() > 0; }
  const Points& result() const { return result_; }
  // Counts the results published (compute() or a completed background run).
  int generation() const { return generation_; }

 private:
  Points x_, next_, result_;
  Fn f_;
  Eigen::Index done_ = 0;
  int generation_ = 0;
};

// The share of the frame budget that background map refreshes may use (training gets the rest).
double map_budget_ms(const AppState& s);

}  // namespace wgf::ui
