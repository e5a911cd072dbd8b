#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "wgf/dsm.hpp"

namespace {
std::shared_ptr<wgf::Mlp> tiny_model(wgf::Parameterization p = wgf::Parameterization::Score) {
  wgf::MlpConfig c;
  c.width = 32;
  c.depth = 2;
  c.param = p;
  return std::make_shared<wgf::Mlp>(c, 7);
}
}  // namespace

// The DSM loss of the exact score, E lambda |s_true(x_t) - s(x_t | x0)|^2, is the floor no
// network can beat (the conditional target's variance around its mean, the true score).
double exact_score_loss(const wgf::Density& p, const wgf::Schedule& sch, int n) {
  wgf::Rng rng(123);
  const wgf::Points x0 = p.sample(rng, n);
  double acc = 0;
  for (int j = 0; j < n; ++j) {
    const double t = sch.time(static_cast<int>(rng.uniform_int(1, sch.T())));
    const double m = sch.mean_coef(t), s = sch.sigma(t);
    wgf::Points eps(2, 1);
    eps << rng.normal(), rng.normal();
    const wgf::Points xt = m * x0.col(j) + s * eps;
    acc += s * s * (p.score(xt, m, s) + eps / s).squaredNorm();  // eps weighting: lambda = sigma^2
  }
  return acc / n;
}

TEST_CASE("dsm: training drives the loss down to the exact score's irreducible loss", "[slow][dsm]") {
  using P = wgf::Parameterization;
  auto data = std::shared_ptr<const wgf::Density>(wgf::make_density("gmm8"));
  const double floor = exact_score_loss(*data, *wgf::make_cosine_vp(), 100000);
  for (P p : {P::Score, P::Eps, P::Potential}) {
    wgf::MlpConfig mc;
    mc.width = 64;
    mc.depth = 3;
    mc.param = p;
    wgf::TrainConfig cfg;
    cfg.batch = 256;
    cfg.lr = 2e-3;
    cfg.weighting = wgf::Weighting::Eps;
    cfg.lr_schedule = wgf::LrSchedule::Cosine;
    cfg.total_steps = 4000;
    wgf::DsmTrainer tr(data, std::make_shared<wgf::Mlp>(mc, 1), cfg, 1);
    for (int i = 0; i < cfg.total_steps; ++i) tr.step();
    const auto& h = tr.loss_history();
    double first = 0, last = 0;
    for (int i = 0; i < 200; ++i) {
      first += h[static_cast<size_t>(i)] / 200;
      last += h[h.size() - 1 - static_cast<size_t>(i)] / 200;
    }
    INFO(wgf::to_string(p) << " first " << first << " last " << last << " exact-score floor " << floor);
    // The floor is estimated to +-0.005 (1e5 samples) and the mean of the last 200 batch
    // losses to +-0.01; an untrained net sits ~45% above the floor. Seen after 4000 steps:
    // score and eps 4-5% above it, potential 9% (it learns through its input gradient, a
    // second-order signal, and converges more slowly), so 6% and 12% are the bounds.
    CHECK(first > 1.3 * floor);
    CHECK(last < (p == P::Potential ? 1.12 : 1.06) * floor);
    CHECK(last > floor - 0.03);  // nothing beats the exact score (up to estimation noise)
  }
}

TEST_CASE("dsm: the conservative regulariser lowers the Jacobian asymmetry", "[slow][dsm]") {
  // Same data, seed and steps, with and without lambda E||J - J^T||^2: the learned field's
  // mean |curl| on forward samples at k = 200 must drop clearly (seen: 0.26 -> 0.11 at lambda = 1).
  auto data = std::shared_ptr<const wgf::Density>(wgf::make_density("moons"));
  auto mean_abs_curl = [&](double lambda) {
    wgf::MlpConfig mc;
    mc.width = 64;
    mc.depth = 3;
    wgf::TrainConfig cfg;
    cfg.batch = 128;
    cfg.lr = 2e-3;
    cfg.weighting = wgf::Weighting::Eps;
    cfg.jac_reg = lambda;
    auto model = std::make_shared<wgf::Mlp>(mc, 2);
    wgf::DsmTrainer tr(data, model, cfg, 2);
    for (int i = 0; i < 1500; ++i) tr.step();
    CHECK(tr.penalty_history().size() == (lambda > 0 ? 1500u : 0u));
    wgf::Rng r(5);
    const double t = model->schedule().time(200);
    const wgf::Points x = model->schedule().mean_coef(t) * data->sample(r, 400);
    const Eigen::MatrixXd J = wgf::MlpField(model).jacobian(x, t);
    double acc = 0;
    for (int j = 0; j < 400; ++j) acc += std::abs(J(1, 2 * j) - J(0, 2 * j + 1)) / 400;
    return acc;
  };
  const double plain = mean_abs_curl(0.0), reg = mean_abs_curl(1.0);
  INFO("mean |curl| plain " << plain << " regularised " << reg);
  CHECK(reg < 0.5 * plain);
}

TEST_CASE("dsm: weightings", "[fast][dsm]") {
  auto data = std::shared_ptr<const wgf::Density>(wgf::make_density("gaussian"));
  wgf::TrainConfig cfg;
  cfg.weighting = wgf::Weighting::Likelihood;
  wgf::DsmTrainer lik(data, tiny_model(), cfg, 1);
  double mean = 0;
  for (int k = 1; k <= 1000; ++k) mean += lik.weight(k) / 1000;
  CHECK(mean == Approx(1.0).epsilon(1e-12));
  // For VP, g^2 (t_k - t_{k-1}) = 2 (t_k - t_{k-1}) = -log(1 - beta_k) ~ beta_k: increasing in k.
  CHECK(lik.weight(900) > lik.weight(100));
  cfg.weighting = wgf::Weighting::Eps;
  wgf::DsmTrainer eps(data, tiny_model(), cfg, 1);
  const auto& sch = eps.model().schedule();
  CHECK(eps.weight(250) == Approx(std::pow(sch.sigma(sch.time(250)), 2)).epsilon(1e-14));
}

TEST_CASE("dsm: checkpoint resume is bit-exact", "[fast][dsm]") {
  auto data = std::shared_ptr<const wgf::Density>(wgf::make_density("moons"));
  wgf::TrainConfig cfg;
  cfg.batch = 64;
  wgf::DsmTrainer a(data, tiny_model(), cfg, 99);
  for (int i = 0; i < 20; ++i) a.step();
  a.save_checkpoint("test_dsm_resume.bin");
  for (int i = 0; i < 20; ++i) a.step();

  wgf::DsmTrainer b(data, tiny_model(), cfg, 12345);  // different seed: state must come from the file
  b.load_checkpoint("test_dsm_resume.bin");
  CHECK(b.steps_done() == 20);
  for (int i = 0; i < 20; ++i) b.step();
  CHECK(b.model().params() == a.model().params());
  CHECK(b.loss_history() == a.loss_history());

  // A checkpoint of another model shape is refused with the reason.
  wgf::MlpConfig other;
  other.width = 16;
  wgf::DsmTrainer c(data, std::make_shared<wgf::Mlp>(other, 1), cfg, 1);
  CHECK_THROWS_WITH(c.load_checkpoint("test_dsm_resume.bin"), Catch::Contains("differs from this run's"));
  // ... and so is one of another training configuration (it would not resume bit-for-bit).
  wgf::TrainConfig reg = cfg;
  reg.jac_reg = 0.5;
  wgf::DsmTrainer d(data, tiny_model(), reg, 1);
  CHECK_THROWS_WITH(d.load_checkpoint("test_dsm_resume.bin"), Catch::Contains("jac_reg is 0.000000 but this run uses 0.5"));
  std::remove("test_dsm_resume.bin");
}

TEST_CASE("dsm: a non-finite loss stops training with a clear message", "[fast][dsm]") {
  auto data = std::shared_ptr<const wgf::Density>(wgf::make_density("gmm8"));
  auto model = tiny_model();
  wgf::DsmTrainer tr(data, model, wgf::TrainConfig{}, 3);
  tr.step();
  model->params()[5] = std::nanf("");
  CHECK_THROWS_AS(tr.step(), wgf::NonFiniteLoss);
  CHECK_THROWS_WITH(tr.step(), Catch::Contains("training diverged"));
  wgf::TrainConfig bad;
  bad.batch = 0;
  CHECK_THROWS_WITH(wgf::DsmTrainer(data, tiny_model(), bad, 1), Catch::Contains("batch must be >= 1"));
}
