// The diagnostics versus time index k, shared by the Violations and Null-kernel panels:
// wgf::diagnose_time (Eq. 4/7 loop ratios per path mechanism, Eq. 5 Jacobian asymmetry,
// Eqs. 20-21 Stein statistics) at `sweep_k` indices, one index per call of step(), on a frozen
// copy of the field so that training may go on meanwhile. Small sample counts (32 forward
// samples, 100-segment paths) keep one index near 10-20 ms: a lab view, not the paper's
// 256-sample statistics (`wgflab` runs those).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lab.hpp"
#include "wgf/diagnostics.hpp"

namespace wgf::ui {

class Sweep {
 public:
  void start(const Lab& lab, const AppState& s);
  // Computes rows until this frame's engine time reaches budget_ms (at least one row).
  void step(Lab& lab, double budget_ms);
  bool running() const { return next_ < cfg_.ks.size(); }
  bool empty() const { return rows_.empty(); }
  const std::vector<SweepRow>& rows() const { return rows_; }
  size_t total() const { return cfg_.ks.size(); }
  const std::string& field_name() const { return field_name_; }
  std::uint64_t field_version() const { return version_; }
  // Series for plots and the run JSON: x = k.
  std::vector<double> ks() const;
  std::vector<double> column(double SweepRow::*m) const;
  // Eq. 7 ratio statistic |ratio| mean of path kind `kind` at every row.
  std::vector<double> loop_ratio(PathKind kind) const;

 private:
  SweepConfig cfg_;
  std::shared_ptr<const VectorField> field_;
  std::shared_ptr<const ExactScore> truth_;
  std::vector<SweepRow> rows_;
  size_t next_ = 0;
  std::string field_name_;
  std::uint64_t version_ = 0;
};

}  // namespace wgf::ui
