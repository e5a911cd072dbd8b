#include "sweep.hpp"

#include <cmath>

namespace wgf::ui {

void Sweep::start(const Lab& lab, const AppState& s) {
  cfg_ = SweepConfig{};
  cfg_.ks = sweep_indices(lab.schedule().T(), s.sweep_k);
  cfg_.samples = 32;
  cfg_.brownian.steps = 100;
  cfg_.brownian.scale = s.violations.brownian_scale;
  cfg_.rotation_steps = 100;
  cfg_.projection.noisings = 8;
  cfg_.projection.points_per_segment = 12;
  cfg_.seed = s.seed;
  cfg_.validate(lab.schedule());
  field_ = lab.field_snapshot();
  truth_ = lab.truth();
  field_name_ = s.field;
  version_ = lab.field_version();
  rows_.clear();
  next_ = 0;
}

void Sweep::step(Lab& lab, double budget_ms) {
  EngineTimer timer(lab.clock());
  const Clock::time_point t0 = Clock::now();
  const double before = lab.clock().frame_ms();
  while (running()) {
    rows_.push_back(diagnose_time(*field_, *truth_, cfg_.ks[next_++], cfg_));
    if (before + ms_since(t0) >= budget_ms) break;
  }
}

std::vector<double> Sweep::ks() const {
  std::vector<double> v;
  for (const SweepRow& r : rows_) v.push_back(r.k);
  return v;
}

std::vector<double> Sweep::column(double SweepRow::*m) const {
  std::vector<double> v;
  for (const SweepRow& r : rows_) v.push_back(r.*m);
  return v;
}

std::vector<double> Sweep::loop_ratio(PathKind kind) const {
  std::vector<double> v;
  for (const SweepRow& r : rows_) {
    double x = NAN;
    for (const LoopStats& l : r.loops)
      if (l.kind == kind) x = l.ratio_abs_mean;
    v.push_back(x);
  }
  return v;
}

}  // namespace wgf::ui
