// Adam (Kingma & Ba) with bias correction, over a flat float parameter vector.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wgf {

struct AdamConfig {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

class Adam {
 public:
  Adam(size_t n, AdamConfig cfg) : cfg_(cfg), m_(n, 0.0f), v_(n, 0.0f) {}
  // theta <- theta - lr * mhat / (sqrt(vhat) + eps)
  void step(std::vector<float>& params, const std::vector<float>& grads);
  const AdamConfig& config() const { return cfg_; }
  void set_lr(double lr) { cfg_.lr = lr; }
  std::int64_t steps() const { return t_; }

  // State, for checkpoints.
  std::vector<float>& m() { return m_; }
  std::vector<float>& v() { return v_; }
  const std::vector<float>& m() const { return m_; }
  const std::vector<float>& v() const { return v_; }
  void set_steps(std::int64_t t) { t_ = t; }

 private:
  AdamConfig cfg_;
  std::vector<float> m_, v_;
  std::int64_t t_ = 0;
};

}  // namespace wgf
