#include "wgf/adam.hpp"

#include <cmath>
#include <stdexcept>

namespace wgf {

void Adam::step(std::vector<float>& params, const std::vector<float>& grads) {
  if (params.size() != m_.size() || grads.size() != m_.size()) throw std::invalid_argument("Adam: size mismatch");
  ++t_;
  const float b1 = static_cast<float>(cfg_.beta1), b2 = static_cast<float>(cfg_.beta2);
  // Bias corrections folded into the step size and epsilon (as PyTorch does).
  const double c1 = 1.0 - std::pow(cfg_.beta1, static_cast<double>(t_));
  const double c2 = 1.0 - std::pow(cfg_.beta2, static_cast<double>(t_));
  const float step = static_cast<float>(cfg_.lr / c1);
  const float sqrt_c2 = static_cast<float>(std::sqrt(c2));
  const float eps = static_cast<float>(cfg_.eps);
  float* p = params.data();
  const float* g = grads.data();
  float* m = m_.data();
  float* v = v_.data();
  for (size_t i = 0, n = m_.size(); i < n; ++i) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    p[i] -= step * m[i] / (std::sqrt(v[i]) / sqrt_c2 + eps);
  }
}

}  // namespace wgf
