#include "wgf/ou.hpp"

#include <stdexcept>
#include <string>

namespace wgf {

void sample_normal(Rng& rng, Points& eps) {
  double* p = eps.data();
  for (Eigen::Index i = 0; i < eps.size(); ++i) p[i] = rng.normal();
}

Points ou_forward(const Schedule& schedule, const Points& x0, const Points& eps, double t) {
  return schedule.mean_coef(t) * x0 + schedule.sigma(t) * eps;
}

Points ou_conditional_score(const Schedule& schedule, const Points& eps, double t) {
  const double s = schedule.sigma(t);
  if (!(s > 0)) throw std::invalid_argument("conditional score needs sigma(t) > 0, got t=" + std::to_string(t));
  return -eps / s;
}

}  // namespace wgf
