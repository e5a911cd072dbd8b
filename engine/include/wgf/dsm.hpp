// Denoising score matching (paper Eq. 16): k ~ Unif{1..T}, x0 ~ data, eps ~ N(0, I),
// x_t = m(t_k) x0 + sigma(t_k) eps, minimise lambda(k) || NN(x_t, t_k) - s(x_t | x0) ||^2
// with s(x_t | x0) = -eps / sigma (ou.hpp). Weightings lambda(k):
//   uniform     1 (the paper's flow-matching view: plain regression on the WGF velocity);
//   eps         sigma_k^2 (DDPM's eps-loss: || sigma NN + eps ||^2);
//   likelihood  g^2(t_k) (t_k - t_{k-1}), normalised to mean 1 over k (Song et al.'s
//               likelihood weighting carried to the uniform-k measure; for VP it is
//               DDPM's ELBO weight ~ beta_k).
// Step-wise: a UI interleaves step() with frames. Stops with a clear message on NaN/Inf.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wgf/adam.hpp"
#include "wgf/density.hpp"
#include "wgf/mlp.hpp"
#include "wgf/rng.hpp"

namespace wgf {

enum class Weighting { Uniform, Eps, Likelihood };
Weighting parse_weighting(const std::string& s);  // uniform|eps|likelihood
std::string to_string(Weighting w);
// lambda(k) for k = 0..T on the schedule's grid (the weightings above); shared by the 2D
// trainer here and the image trainer in gpu/.
std::vector<double> dsm_weights(const Schedule& schedule, Weighting w);

// Learning-rate schedule: constant, or cosine decay from lr to lr * 1e-2 over total_steps
// (the late, small steps are what make the small-t score accurate enough to sample well).
enum class LrSchedule { Constant, Cosine };
LrSchedule parse_lr_schedule(const std::string& s);  // constant|cosine
std::string to_string(LrSchedule s);

struct TrainConfig {
  int batch = 256;
  double lr = 1e-3;
  Weighting weighting = Weighting::Uniform;
  LrSchedule lr_schedule = LrSchedule::Constant;
  int total_steps = 0;  // the cosine schedule's length (required > 0 for cosine)
  // lambda of the conservative regulariser lambda E||J - J^T||_F^2 (0: off), estimated with
  // one Gaussian probe pair per sample (Mlp::add_asymmetry_penalty).
  double jac_reg = 0.0;
  void validate() const;
};

class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DsmTrainer {
 public:
  DsmTrainer(std::shared_ptr<const Density> data, std::shared_ptr<Mlp> model, TrainConfig cfg, std::uint64_t seed);

  // One Adam step on a fresh batch; returns the batch loss (mean over the batch of
  // lambda || s_theta - s(x_t|x0) ||^2). Throws NonFiniteLoss naming the step.
  // RNG order per step (part of the native/web parity contract): x0 for the whole batch
  // (Density::sample), then k for each column, then eps column by column, then (only with
  // jac_reg > 0) the probes u and v, column by column.
  double step();

  std::int64_t steps_done() const { return optimizer_.steps(); }
  const std::vector<double>& loss_history() const { return losses_; }
  // The regulariser's value per step (empty while jac_reg = 0); not part of loss_history.
  const std::vector<double>& penalty_history() const { return penalties_; }
  const TrainConfig& config() const { return cfg_; }
  // Base learning rate for the following steps (a UI slider); the schedule scales it.
  void set_lr(double lr);
  // The learning rate the next step will use.
  double current_lr() const;
  Mlp& model() { return *model_; }
  std::shared_ptr<Mlp> model_ptr() const { return model_; }
  double weight(int k) const { return lambda_[static_cast<size_t>(k)]; }

  // Resumable checkpoint: model + Adam moments + step + RNG + loss history; atomic write.
  void save_checkpoint(const std::string& path) const;
  // Restores a checkpoint written by save_checkpoint for the same model shape; throws
  // std::runtime_error naming the file and the mismatching field.
  void load_checkpoint(const std::string& path);

 private:
  std::shared_ptr<const Density> data_;
  std::shared_ptr<Mlp> model_;
  TrainConfig cfg_;
  Adam optimizer_;
  Rng rng_;
  std::vector<double> lambda_;  // lambda(k), k = 0..T
  std::vector<double> losses_, penalties_;
};

}  // namespace wgf
