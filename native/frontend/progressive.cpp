#include "progressive.hpp"

#include <algorithm>

namespace wgf::ui {

void ProgressiveMap::compute(EngineClock& clock, const Points& x, const Fn& f) {
  EngineTimer timer(clock);
  result_ = f(x);
  f_ = nullptr;
  ++generation_;
}

void ProgressiveMap::start(Points x, Fn f) {
  x_ = std::move(x);
  f_ = std::move(f);
  next_.resize(0, 0);
  done_ = 0;
}

bool ProgressiveMap::step(EngineClock& clock, double budget_ms, int chunk) {
  if (!f_) return false;
  EngineTimer timer(clock);
  const Clock::time_point t0 = Clock::now();
  const double before = clock.frame_ms();
  do {
    const Eigen::Index n = std::min<Eigen::Index>(chunk, x_.cols() - done_);
    const Points v = f_(x_.middleCols(done_, n));
    if (next_.cols() == 0) next_.resize(v.rows(), x_.cols());
    next_.middleCols(done_, n) = v;
    done_ += n;
  } while (done_ < x_.cols() && before + ms_since(t0) < budget_ms);
  if (done_ < x_.cols()) return false;
  result_ = std::move(next_);
  f_ = nullptr;
  ++generation_;
  return true;
}

double map_budget_ms(const AppState& s) { return 0.5 * s.train.budget_ms; }

}  // namespace wgf::ui
