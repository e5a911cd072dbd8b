#include "wgf/adam.hpp"

#include <algorithm>
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
  // The same per-element arithmetic as one loop, split in three over chunks that stay in L1:
  // std::sqrt may set errno, which keeps the compiler from vectorising any loop that calls
  // it, so only the square roots run scalar and the moment and parameter updates vectorise
  // (bit-identical results, ~2x faster for the 2D lessons' 36k parameters).
  constexpr size_t kChunk = 1024;
  float root_v[kChunk];
  for (size_t i0 = 0, n = m_.size(); i0 < n; i0 += kChunk) {
    const size_t k = std::min(kChunk, n - i0);
    float *pc = p + i0, *mc = m + i0, *vc = v + i0;
    const float* gc = g + i0;
    for (size_t i = 0; i < k; ++i) {
      mc[i] = b1 * mc[i] + (1.0f - b1) * gc[i];
      vc[i] = b2 * vc[i] + (1.0f - b2) * gc[i] * gc[i];
    }
    for (size_t i = 0; i < k; ++i) root_v[i] = std::sqrt(vc[i]);
    for (size_t i = 0; i < k; ++i) pc[i] -= step * mc[i] / (root_v[i] / sqrt_c2 + eps);
  }
}

}  // namespace wgf
