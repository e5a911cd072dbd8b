#include "wgf/dsm.hpp"

#include <cmath>
#include <cstring>

#include "wgf/binary_io.hpp"
#include "wgf/ou.hpp"

namespace wgf {

Weighting parse_weighting(const std::string& s) {
  if (s == "uniform") return Weighting::Uniform;
  if (s == "eps") return Weighting::Eps;
  if (s == "likelihood") return Weighting::Likelihood;
  throw std::invalid_argument("unknown weighting '" + s + "': expected uniform, eps or likelihood");
}

std::string to_string(Weighting w) {
  switch (w) {
    case Weighting::Uniform: return "uniform";
    case Weighting::Eps: return "eps";
    case Weighting::Likelihood: return "likelihood";
  }
  return "?";
}

LrSchedule parse_lr_schedule(const std::string& s) {
  if (s == "constant") return LrSchedule::Constant;
  if (s == "cosine") return LrSchedule::Cosine;
  throw std::invalid_argument("unknown learning-rate schedule '" + s + "': expected constant or cosine");
}

std::string to_string(LrSchedule s) { return s == LrSchedule::Cosine ? "cosine" : "constant"; }

void TrainConfig::validate() const {
  if (batch < 1) throw std::invalid_argument("batch must be >= 1, got " + std::to_string(batch));
  if (!(lr > 0) || !std::isfinite(lr)) throw std::invalid_argument("learning rate must be a finite number > 0");
  if (!(jac_reg >= 0) || !std::isfinite(jac_reg))
    throw std::invalid_argument("jac_reg (the asymmetry penalty's lambda) must be a finite number >= 0");
  if (lr_schedule == LrSchedule::Cosine && total_steps < 1)
    throw std::invalid_argument("the cosine learning-rate schedule needs total_steps >= 1");
}

DsmTrainer::DsmTrainer(std::shared_ptr<const Density> data, std::shared_ptr<Mlp> model, TrainConfig cfg, std::uint64_t seed)
    : data_(std::move(data)), model_(std::move(model)), cfg_(cfg),
      optimizer_(model_->num_params(), AdamConfig{cfg.lr}), rng_(seed) {
  cfg_.validate();
  if (data_->dim() != model_->config().dim)
    throw std::invalid_argument("density '" + data_->name() + "' is " + std::to_string(data_->dim()) +
                                "-D but the model's dim is " + std::to_string(model_->config().dim));
  lambda_ = dsm_weights(model_->schedule(), cfg_.weighting);
}

std::vector<double> dsm_weights(const Schedule& sch, Weighting w) {
  const int T = sch.T();
  std::vector<double> lambda(static_cast<size_t>(T) + 1, 1.0);
  if (w == Weighting::Eps) {
    for (int k = 0; k <= T; ++k) lambda[static_cast<size_t>(k)] = std::pow(sch.sigma(sch.time(k)), 2);
  } else if (w == Weighting::Likelihood) {
    double mean = 0.0;
    for (int k = 1; k <= T; ++k) {
      const double tk = sch.time(k);
      lambda[static_cast<size_t>(k)] = sch.diffusion_sq(tk) * (tk - sch.time(k - 1));
      mean += lambda[static_cast<size_t>(k)] / T;
    }
    for (auto& l : lambda) l /= mean;
  }
  return lambda;
}

void DsmTrainer::set_lr(double lr) {
  if (!(lr > 0) || !std::isfinite(lr)) throw std::invalid_argument("learning rate must be a finite number > 0");
  cfg_.lr = lr;
}

double DsmTrainer::current_lr() const {
  if (cfg_.lr_schedule == LrSchedule::Constant) return cfg_.lr;
  const double u = std::min(1.0, static_cast<double>(steps_done()) / cfg_.total_steps);
  const double floor = 1e-2 * cfg_.lr;
  return floor + 0.5 * (cfg_.lr - floor) * (1.0 + std::cos(3.14159265358979323846 * u));
}

double DsmTrainer::step() {
  const Schedule& sch = model_->schedule();
  const int D = data_->dim(), B = cfg_.batch;
  const Points x0 = data_->sample(rng_, B);
  std::vector<int> k(static_cast<size_t>(B));
  for (auto& kj : k) kj = static_cast<int>(rng_.uniform_int(1, sch.T()));
  Points eps(D, B);
  sample_normal(rng_, eps);

  PointsF xt(D, B), target(D, B);
  Eigen::VectorXf t(B), lam(B);
  for (int j = 0; j < B; ++j) {
    const double tk = sch.time(k[static_cast<size_t>(j)]);
    const double m = sch.mean_coef(tk), s = sch.sigma(tk);
    t[j] = static_cast<float>(tk);
    lam[j] = static_cast<float>(lambda_[static_cast<size_t>(k[static_cast<size_t>(j)])]);
    xt.col(j) = (m * x0.col(j) + s * eps.col(j)).cast<float>();
    target.col(j) = (-eps.col(j) / s).cast<float>();  // s(x_t | x0)
  }
  const PointsF s = model_->score(xt, t);
  const PointsF r = s - target;
  // loss = (1/B) sum_j lambda_j |r_j|^2, accumulated in double for a stable report.
  const Eigen::ArrayXf sq = r.colwise().squaredNorm().transpose().array();
  const double loss = (sq * lam.array()).cast<double>().sum() / B;
  if (!std::isfinite(loss))
    throw NonFiniteLoss("training diverged: loss is " + std::to_string(loss) + " at step " +
                        std::to_string(steps_done() + 1) + " (try a smaller learning rate or the eps weighting)");
  const PointsF dL_ds = (r.array().rowwise() * (2.0f / B * lam.transpose().array())).matrix();
  model_->loss_backward(dL_ds);
  if (cfg_.jac_reg > 0) {
    Points u(D, B), v(D, B);
    sample_normal(rng_, u);
    sample_normal(rng_, v);
    penalties_.push_back(model_->add_asymmetry_penalty(u.cast<float>(), v.cast<float>(), cfg_.jac_reg));
  }
  // 0 * g is 0 for a finite g and NaN for NaN or +-Inf, so one vectorised sum finds any
  // non-finite entry (a branch per element kept the plain loop scalar: ~20 us at 36k params).
  const std::vector<float>& grads = model_->grads();
  if (!std::isfinite((Eigen::Map<const Eigen::ArrayXf>(grads.data(), static_cast<Eigen::Index>(grads.size())) * 0.0f).sum()))
    throw NonFiniteLoss("training diverged: non-finite gradient at step " + std::to_string(steps_done() + 1));
  optimizer_.set_lr(current_lr());
  optimizer_.step(model_->params(), model_->grads());
  losses_.push_back(loss);
  return loss;
}

namespace {
constexpr char kMagic[8] = {'W', 'G', 'F', 'T', 'R', 'N', '\0', '\1'};
constexpr std::uint32_t kVersion = 1;
}  // namespace

void DsmTrainer::save_checkpoint(const std::string& path) const {
  BinaryWriter w;
  w.raw(kMagic, 8);
  w.u32(kVersion);
  model_->write(w);  // config + params, as in a plain model checkpoint
  w.str(to_string(cfg_.weighting));
  w.i32(cfg_.batch);
  w.f64(cfg_.lr);
  w.str(to_string(cfg_.lr_schedule));
  w.i32(cfg_.total_steps);
  w.f64(cfg_.jac_reg);
  w.u64(static_cast<std::uint64_t>(optimizer_.steps()));
  const Rng::State st = rng_.state();
  for (auto s : st.s) w.u64(s);
  w.u32(st.has_spare ? 1 : 0);
  w.f64(st.spare);
  w.floats(optimizer_.m());
  w.floats(optimizer_.v());
  w.doubles(losses_);
  w.doubles(penalties_);
  write_file_atomic(path, w.bytes());
}

void DsmTrainer::load_checkpoint(const std::string& path) {
  BinaryReader r = BinaryReader::open(path);
  char magic[8];
  r.raw(magic, 8, "magic");
  if (std::memcmp(magic, kMagic, 8) != 0) r.fail("not a WGF Lab training checkpoint (bad magic bytes)");
  const std::uint32_t version = r.u32("version");
  if (version != kVersion) r.fail("training checkpoint version " + std::to_string(version) + " is not supported");
  Mlp saved = Mlp::read(r);
  const MlpConfig &a = saved.config(), &b = model_->config();
  if (a.dim != b.dim || a.width != b.width || a.depth != b.depth || a.activation != b.activation ||
      a.param != b.param || a.time_features != b.time_features || a.schedule != b.schedule || a.T != b.T)
    r.fail("the checkpoint's model (" + describe(a) + ") differs from this run's (" + describe(b) + ")");
  const std::string weighting = r.str("weighting", 16);
  if (weighting != to_string(cfg_.weighting))
    r.fail("weighting is '" + weighting + "' but this run uses '" + to_string(cfg_.weighting) + "'");
  const int batch = r.i32("batch");
  if (batch != cfg_.batch) r.fail("batch is " + std::to_string(batch) + " but this run uses " + std::to_string(cfg_.batch));
  cfg_.lr = r.f64("lr");  // the stored base rate; a caller may set_lr() another one after
  const std::string lr_schedule = r.str("lr_schedule", 16);
  const int total_steps = r.i32("total_steps");
  const double jac_reg = r.f64("jac_reg");
  if (lr_schedule != to_string(cfg_.lr_schedule) || (cfg_.lr_schedule == LrSchedule::Cosine && total_steps != cfg_.total_steps))
    r.fail("learning-rate schedule is '" + lr_schedule + "' over " + std::to_string(total_steps) + " steps but this run uses '" +
           to_string(cfg_.lr_schedule) + "' over " + std::to_string(cfg_.total_steps));
  if (jac_reg != cfg_.jac_reg)
    r.fail("jac_reg is " + std::to_string(jac_reg) + " but this run uses " + std::to_string(cfg_.jac_reg));
  const std::uint64_t steps = r.u64("step");
  Rng::State st{};
  for (auto& s : st.s) s = r.u64("rng");
  st.has_spare = r.u32("rng") != 0;
  st.spare = r.f64("rng");
  const size_t n = model_->num_params();
  std::vector<float> m = r.floats("adam.m", n), v = r.floats("adam.v", n);
  std::vector<double> losses = r.doubles("loss_history");
  std::vector<double> penalties = r.doubles("penalty_history");
  if (!r.at_end()) r.fail("unexpected trailing bytes");
  model_->params() = saved.params();
  optimizer_.m() = std::move(m);
  optimizer_.v() = std::move(v);
  optimizer_.set_steps(static_cast<std::int64_t>(steps));
  optimizer_.set_lr(cfg_.lr);
  rng_.set_state(st);
  losses_ = std::move(losses);
  penalties_ = std::move(penalties);
}

}  // namespace wgf
