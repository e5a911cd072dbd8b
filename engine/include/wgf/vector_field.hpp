// VectorField: the one interface every score-like field implements (DESIGN.md): the exact
// score of a density, an MLP, later a LibTorch or TorchScript model, and the test fields of
// the diagnostics. Samplers and diagnostics see nothing else.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "wgf/density.hpp"
#include "wgf/schedule.hpp"
#include "wgf/types.hpp"

namespace wgf {

class VectorField {
 public:
  virtual ~VectorField() = default;
  virtual int dim() const = 0;
  virtual std::string name() const = 0;
  // s(x, t) for a batch sharing one time t; x (D, N) -> (D, N).
  virtual Points eval(const Points& x, double t) const = 0;
  // Jacobian-vector products J(x_j, t) v_j, one direction per point; x, v (D, N) -> (D, N).
  // Default: central differences, (s(x + h v) - s(x - h v)) / 2h with h scaled to |x|.
  virtual Points jvp(const Points& x, double t, const Points& v) const;
  // True when jvp() is exact (analytic or automatic differentiation), not a difference.
  virtual bool exact_jvp() const { return false; }
  // Full input Jacobians ds/dx for every point, as a (D, D * N) matrix of D x D blocks.
  Eigen::MatrixXd jacobian(const Points& x, double t) const;
};

// The exact noisy score grad log p_t of a density under a schedule: t -> (m(t), sigma(t)).
// Its jvp is a central difference of the exact score (the score itself is exact).
class ExactScore final : public VectorField {
 public:
  ExactScore(std::shared_ptr<const Density> density, std::shared_ptr<const Schedule> schedule)
      : density_(std::move(density)), schedule_(std::move(schedule)) {}
  int dim() const override { return density_->dim(); }
  std::string name() const override { return "exact"; }
  Points eval(const Points& x, double t) const override {
    return density_->score(x, schedule_->mean_coef(t), schedule_->sigma(t));
  }
  const Density& density() const { return *density_; }
  const Schedule& schedule() const { return *schedule_; }

 private:
  std::shared_ptr<const Density> density_;
  std::shared_ptr<const Schedule> schedule_;
};

}  // namespace wgf
