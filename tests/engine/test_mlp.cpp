// MLP: hand-written backward and JVP against finite differences for every
// parameterisation; the potential field's Jacobian is symmetric; Adam overfits; checkpoints.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "wgf/adam.hpp"
#include "wgf/mlp.hpp"

namespace {

struct Batch {
  wgf::PointsF x, w;
  Eigen::VectorXf t;
};

Batch make_batch(int B, std::uint64_t seed) {
  wgf::Rng r(seed);
  Batch b{wgf::PointsF(2, B), wgf::PointsF(2, B), Eigen::VectorXf(B)};
  for (int j = 0; j < B; ++j) {
    b.x(0, j) = static_cast<float>(1.5 * r.normal());
    b.x(1, j) = static_cast<float>(1.5 * r.normal());
    b.w(0, j) = static_cast<float>(r.normal());
    b.w(1, j) = static_cast<float>(r.normal());
    b.t[j] = static_cast<float>(0.1 + 1.5 * r.uniform());  // sigma_t >= 0.4: eps scaling tame
  }
  return b;
}

// L = sum(w o s) + 1/2 |s|^2, so dL/ds = w + s. Accumulated in double.
double loss(wgf::Mlp& net, const Batch& b) {
  const wgf::PointsF s = net.score(b.x, b.t);
  return (b.w.cast<double>().cwiseProduct(s.cast<double>())).sum() + 0.5 * s.cast<double>().squaredNorm();
}

wgf::MlpConfig small(wgf::Parameterization p, wgf::Activation a) {
  wgf::MlpConfig c;
  c.width = 12;
  c.depth = 3;
  c.time_features = 4;
  c.param = p;
  c.activation = a;
  return c;
}

}  // namespace

TEST_CASE("mlp: parameter gradient = finite differences - every parameterisation", "[fast][mlp]") {
  using P = wgf::Parameterization;
  using A = wgf::Activation;
  for (P p : {P::Score, P::Eps, P::Potential})
    for (A a : {A::SiLU, A::ELU, A::Tanh}) {
      // The potential's loss involves act', and ELU's act' has a kink at 0: a difference
      // quotient straddling it is only first-order accurate, so ELU is checked for the other two.
      if (p == P::Potential && a == A::ELU) continue;
      wgf::Mlp net(small(p, a), 17);
      const Batch b = make_batch(7, 4);
      const wgf::PointsF s = net.score(b.x, b.t);
      net.loss_backward(b.w + s);
      const std::vector<float> g = net.grads();
      // Fourth-order central difference in float32: truncation O(h^4) is negligible at
      // h = 1e-2; rounding of L (|L| ~ 10, float eps 6e-8, ~100 terms) gives ~1e-4 absolute
      // error in the quotient, so |g - fd| <= 2e-3 * max|g| + 5e-4 is a strict but safe bound.
      const float h = 1e-2f;
      double gmax = 0;
      for (float v : g) gmax = std::max(gmax, static_cast<double>(std::abs(v)));
      int checked = 0;
      for (size_t i = 0; i < g.size(); i += 3) {
        auto& th = net.params()[i];
        const float th0 = th;
        auto at = [&](float d) { th = th0 + d; const double v = loss(net, b); th = th0; return v; };
        const double fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
        INFO("param " << wgf::to_string(p) << "/" << wgf::to_string(a) << " index " << i);
        CHECK(std::abs(g[i] - fd) <= 2e-3 * gmax + 5e-4);
        ++checked;
      }
      CHECK(checked > 50);
    }
}

TEST_CASE("mlp: score JVP = finite differences of the score", "[fast][mlp]") {
  using P = wgf::Parameterization;
  for (P p : {P::Score, P::Eps, P::Potential}) {
    wgf::Mlp net(small(p, wgf::Activation::SiLU), 5);
    const Batch b = make_batch(6, 9);
    net.score(b.x, b.t);
    const wgf::PointsF jv = net.score_jvp(b.w);
    const float h = 1e-2f;
    auto s_at = [&](float d) -> Eigen::MatrixXd { return net.score(b.x + d * b.w, b.t).cast<double>(); };
    const Eigen::MatrixXd fd = (8 * (s_at(h) - s_at(-h)) - (s_at(2 * h) - s_at(-2 * h))) / (12 * h);
    // Same float32 error budget as above, relative to the JVP's scale.
    INFO(wgf::to_string(p));
    CHECK((jv.cast<double>() - fd).cwiseAbs().maxCoeff() <= 2e-3 * fd.cwiseAbs().maxCoeff() + 5e-4);
  }
}

TEST_CASE("mlp: the potential parameterisation is exactly conservative", "[fast][mlp]") {
  // s = grad phi, so ds/dx is a Hessian: symmetric up to float rounding.
  auto f = std::make_shared<wgf::Mlp>(small(wgf::Parameterization::Potential, wgf::Activation::SiLU), 3);
  wgf::MlpField field(f);
  wgf::Points x(2, 5);
  x << 0.3, -1.0, 2.0, 0.0, 1.2, -0.7, 0.4, 1.1, -2.0, 0.9;
  const Eigen::MatrixXd J = field.jacobian(x, 0.5);
  for (int j = 0; j < 5; ++j) {
    const Eigen::Matrix2d Jj = J.block(0, 2 * j, 2, 2);
    CHECK(std::abs(Jj(0, 1) - Jj(1, 0)) <= 1e-5 * Jj.cwiseAbs().maxCoeff());
    CHECK(Jj.cwiseAbs().maxCoeff() > 1e-5);  // and not trivially zero
  }
  // The score parameterisation is not: same weights shape, generic asymmetric Jacobian.
  auto g = std::make_shared<wgf::Mlp>(small(wgf::Parameterization::Score, wgf::Activation::SiLU), 3);
  const Eigen::MatrixXd K = wgf::MlpField(g).jacobian(x, 0.5);
  CHECK(std::abs(K(0, 1) - K(1, 0)) > 1e-3);
}

TEST_CASE("mlp: asymmetry penalty - unbiased and with the right gradient", "[fast][mlp]") {
  using P = wgf::Parameterization;
  for (P p : {P::Score, P::Eps}) {
    wgf::Mlp net(small(p, wgf::Activation::SiLU), 8);
    const Batch b = make_batch(5, 6);
    wgf::Rng r(4);
    auto probes = [&](int B) {
      wgf::PointsF q(2, B);
      for (int j = 0; j < B; ++j) q(0, j) = static_cast<float>(r.normal()), q(1, j) = static_cast<float>(r.normal());
      return q;
    };
    const wgf::PointsF u = probes(5), v = probes(5);
    const double lambda = 0.7;
    auto penalty = [&]() {
      net.score(b.x, b.t);
      std::fill(const_cast<std::vector<float>&>(net.grads()).begin(), const_cast<std::vector<float>&>(net.grads()).end(), 0.0f);
      return net.add_asymmetry_penalty(u, v, lambda);
    };
    penalty();
    const std::vector<float> g = net.grads();
    double gmax = 0;
    for (float x : g) gmax = std::max(gmax, static_cast<double>(std::abs(x)));
    REQUIRE(gmax > 1e-4);
    const float h = 1e-2f;
    for (size_t i = 0; i < g.size(); i += 5) {
      auto& th = net.params()[i];
      const float th0 = th;
      auto at = [&](float d) { th = th0 + d; const double val = penalty(); th = th0; return val; };
      const double fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
      INFO(wgf::to_string(p) << " param " << i);
      CHECK(std::abs(g[i] - fd) <= 2e-3 * gmax + 5e-4);  // float32 budget as for the loss
    }
    // Unbiased: the mean over many probe pairs is lambda ||J - J^T||_F^2 = lambda 2 curl^2
    // averaged over the batch, from the exact Jacobian.
    net.score(b.x, b.t);
    const wgf::PointsF e0 = wgf::PointsF::Constant(2, 5, 0.0f).colwise() + Eigen::Vector2f(1, 0);
    const wgf::PointsF e1 = wgf::PointsF::Constant(2, 5, 0.0f).colwise() + Eigen::Vector2f(0, 1);
    const wgf::PointsF J0 = net.score_jvp(e0), J1 = net.score_jvp(e1);  // columns of J
    const double exact = lambda * 2.0 * (J0.row(1) - J1.row(0)).squaredNorm() / 5;
    double acc = 0;
    const int reps = 20000;
    for (int i = 0; i < reps; ++i) acc += net.add_asymmetry_penalty(probes(5), probes(5), lambda) / reps;
    // c^2 = curl^2 (u1 v2 - u2 v1)^2 has relative sd sqrt(Var/E^2) = sqrt(5) per sample; the
    // mean of 5 x 20000 of them is within 4 sd = 4 sqrt(5 / 1e5) = 2.8%.
    CHECK(acc == Approx(exact).epsilon(0.03));
  }
}

TEST_CASE("mlp: Adam overfits a tiny fixed set", "[fast][mlp]") {
  wgf::MlpConfig c;
  c.width = 32;
  c.depth = 2;
  wgf::Mlp net(c, 1);
  const Batch b = make_batch(16, 2);
  wgf::Adam adam(net.num_params(), wgf::AdamConfig{3e-3});
  double first = 0, last = 0;
  for (int it = 0; it < 3000; ++it) {
    const wgf::PointsF s = net.score(b.x, b.t);
    const wgf::PointsF r = s - b.w;  // regress onto fixed random targets
    const double l = r.cast<double>().squaredNorm() / 16;
    if (it == 0) first = l;
    last = l;
    net.loss_backward(2.0f / 16 * r);
    adam.step(net.params(), net.grads());
  }
  INFO("first " << first << " last " << last);
  CHECK(last < 1e-3 * first);
}

TEST_CASE("mlp: checkpoint round trip and corrupt files", "[fast][mlp]") {
  wgf::Mlp net(small(wgf::Parameterization::Eps, wgf::Activation::Tanh), 21);
  const std::string path = "test_mlp_ckpt.bin";
  net.save(path);
  wgf::Mlp back = wgf::Mlp::load(path);
  CHECK(back.params() == net.params());
  CHECK(back.config().param == wgf::Parameterization::Eps);
  CHECK(back.config().activation == wgf::Activation::Tanh);
  const Batch b = make_batch(4, 1);
  CHECK((back.score(b.x, b.t) - net.score(b.x, b.t)).cwiseAbs().maxCoeff() == 0.0f);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& s) { std::ofstream(path, std::ios::binary | std::ios::trunc) << s; };
  write(bytes.substr(0, bytes.size() - 10));
  CHECK_THROWS_WITH(wgf::Mlp::load(path), Catch::Contains(path) && Catch::Contains("truncated while reading params"));
  std::string bad = bytes;
  bad[0] = 'X';
  write(bad);
  CHECK_THROWS_WITH(wgf::Mlp::load(path), Catch::Contains("bad magic"));
  bad = bytes;
  bad[8] = 9;  // version field
  write(bad);
  CHECK_THROWS_WITH(wgf::Mlp::load(path), Catch::Contains("version 9 is not supported"));
  CHECK_THROWS_WITH(wgf::Mlp::load("no/such/file.bin"), Catch::Contains("cannot open"));
  std::remove(path.c_str());
}

TEST_CASE("mlp: invalid configs are rejected naming the field", "[fast][mlp]") {
  wgf::MlpConfig c;
  c.width = 0;
  CHECK_THROWS_WITH(wgf::Mlp(c, 0), Catch::Contains("width"));
  c = {};
  c.time_features = 3;
  CHECK_THROWS_WITH(wgf::Mlp(c, 0), Catch::Contains("time_features"));
  c = {};
  c.schedule = "vp";
  CHECK_THROWS_WITH(wgf::Mlp(c, 0), Catch::Contains("unknown schedule 'vp'"));
}
