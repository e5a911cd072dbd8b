// The small MLP of the web and 2D lessons: z = [x; phi(t)] -> L hidden layers -> output,
// float32, batched (one sample per column), with hand-written backward passes.
//
// Parameterisations (DESIGN.md "Training"):
//   score      NN(x, t) is s directly (out dim D);
//   eps        NN predicts eps and s = -eps_hat / sigma_t (out dim D);
//   potential  NN(x, t) is a scalar phi and s = grad_x phi, exactly conservative; training
//              back-propagates through that input gradient (a forward-over-reverse pass,
//              see mlp.cpp).
// Time input: c(t) = ln(sigma_t) / 4 (the EDM noise conditioning, clamped at sigma = 1e-4),
// then `time_features` sinusoids sin/cos(w_j c) with w_j geometric in [1, 32]; with
// time_features = 0 the network sees c(t) itself as one input.
//
// Sections: [config] [Mlp: forward, backward, jvp] [checkpoint I/O] [MlpField]
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wgf/rng.hpp"
#include "wgf/schedule.hpp"
#include "wgf/types.hpp"
#include "wgf/vector_field.hpp"

namespace wgf {

// ---- [config] ------------------------------------------------------------------------
enum class Activation { SiLU, ELU, ReLU, Tanh };
enum class Parameterization { Score, Eps, Potential };

Activation parse_activation(const std::string& s);       // silu|elu|relu|tanh
Parameterization parse_parameterization(const std::string& s);  // score|eps|potential
std::string to_string(Activation a);
std::string to_string(Parameterization p);
class BinaryWriter;
class BinaryReader;

struct MlpConfig {
  int dim = 2;              // D, data dimension
  int width = 128;          // hidden units per layer
  int depth = 3;            // hidden layers L (>= 1)
  Activation activation = Activation::SiLU;
  Parameterization param = Parameterization::Score;
  int time_features = 16;   // even, or 0 for the raw c(t) input
  std::string schedule = "cosine";  // fixes sigma(t) (time input, eps parameterisation)
  int T = 1000;
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};
// "dim=2 width=128 depth=3 silu score tf=16 cosine T=1000", for messages and run JSON.
std::string describe(const MlpConfig& c);

// ---- [Mlp] ---------------------------------------------------------------------------
class Mlp {
 public:
  // Weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's nn.Linear default).
  Mlp(const MlpConfig& config, std::uint64_t seed);

  const MlpConfig& config() const { return cfg_; }
  const Schedule& schedule() const { return *schedule_; }
  std::shared_ptr<const Schedule> schedule_ptr() const { return schedule_; }
  int input_dim() const { return cfg_.dim + std::max(1, cfg_.time_features); }
  int output_dim() const { return cfg_.param == Parameterization::Potential ? 1 : cfg_.dim; }
  size_t num_params() const { return params_.size(); }
  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }
  // Parameter gradient of the last loss_backward(), same layout as params().
  const std::vector<float>& grads() const { return grads_; }

  // The score s(x, t) the network represents, per column; x (D, B), t (B) -> (D, B).
  // Leaves the forward caches set (for jvp / loss_backward on the same batch).
  PointsF score(const PointsF& x, const Eigen::VectorXf& t);

  // Given dL/ds (D, B) at the batch of the last score() call, overwrite grads() with dL/dtheta.
  void loss_backward(const PointsF& dL_ds);

  // J_s(x_j, t_j) v_j per column at the batch of the last score() call; v (D, B) -> (D, B).
  PointsF score_jvp(const PointsF& v);

  // Conservative regulariser (DESIGN.md "Training", the paper's "next checks"): at the batch
  // of the last score() call, returns lambda/B sum_j (u_j^T (J - J^T) v_j)^2 — an unbiased
  // estimate of lambda E||J - J^T||_F^2 for probes u, v ~ N(0, I) (D, B) — and ADDS its
  // parameter gradient to grads(). Call after loss_backward(). Zero for `potential`.
  double add_asymmetry_penalty(const PointsF& u, const PointsF& v, double lambda);

  // Serialisation of config + params into a record (embedded by training checkpoints).
  void write(BinaryWriter& w) const;
  static Mlp read(BinaryReader& r);
  // Checkpoint: versioned binary file, written atomically (temp file + rename).
  void save(const std::string& path) const;
  static Mlp load(const std::string& path);  // throws std::runtime_error naming path and field

 private:
  struct Layer {
    int in, out;
    size_t w_off, b_off;  // offsets into params_: W is (out, in) column-major, b is (out)
  };
  Eigen::Map<Eigen::MatrixXf> W(size_t l) { return {params_.data() + layers_[l].w_off, layers_[l].out, layers_[l].in}; }
  Eigen::Map<const Eigen::MatrixXf> W(size_t l) const {
    return {params_.data() + layers_[l].w_off, layers_[l].out, layers_[l].in};
  }
  Eigen::Map<Eigen::VectorXf> b(size_t l) { return {params_.data() + layers_[l].b_off, layers_[l].out}; }
  Eigen::Map<Eigen::MatrixXf> gW(size_t l) { return {grads_.data() + layers_[l].w_off, layers_[l].out, layers_[l].in}; }
  Eigen::Map<Eigen::VectorXf> gb(size_t l) { return {grads_.data() + layers_[l].b_off, layers_[l].out}; }

  void forward(const PointsF& x, const Eigen::VectorXf& t);  // fills Z_, A_, H_, dH_, out_
  void input_gradient();  // potential: G_l = dphi/dA_l and s = W_1x^T G_1
  // grads() += grad_theta sum_j U_j . (dO/dx)(x_j) V_j at the cached batch; V (D, B), U (out, B).
  void tangent_backward(const PointsF& V, const Eigen::MatrixXf& U);

  MlpConfig cfg_;
  std::shared_ptr<const Schedule> schedule_;
  std::vector<Layer> layers_;  // L hidden + 1 output
  std::vector<float> params_, grads_;
  std::vector<float> freqs_;

  // Forward caches for the current batch (B columns).
  Eigen::VectorXf t_, sigma_;                  // per-sample time and sigma_t
  Eigen::MatrixXf Z_;                          // (in0, B) network input
  std::vector<Eigen::MatrixXf> A_, H_, dH_;    // per hidden layer: pre-activation, act(A), act'(A)
  Eigen::MatrixXf out_;                        // (out, B) raw network output
  std::vector<Eigen::MatrixXf> G_;             // potential: [U_l, G_l = dphi/dA_l]; score/eps backward: [0], [1] are workspace
  PointsF s_;                                  // (D, B) score
};

// ---- [MlpField] ------------------------------------------------------------------------
// An Mlp seen as a VectorField (float64 in and out, exact JVPs). Evaluation mutates the
// network's caches, so one MlpField is not to be shared between threads.
class MlpField final : public VectorField {
 public:
  explicit MlpField(std::shared_ptr<Mlp> mlp) : mlp_(std::move(mlp)) {}
  int dim() const override { return mlp_->config().dim; }
  std::string name() const override { return "mlp"; }
  Points eval(const Points& x, double t) const override;
  Points jvp(const Points& x, double t, const Points& v) const override;
  bool exact_jvp() const override { return true; }
  Mlp& mlp() const { return *mlp_; }

 private:
  std::shared_ptr<Mlp> mlp_;
};

}  // namespace wgf
