// Sections: [config] [activations] [construction] [forward] [backward] [jvp] [checkpoint] [MlpField]
//
// Notation (one sample per column, B columns):
//   Z = [x; phi(t)]             (in0, B)
//   A_1 = W_1 Z + b_1, H_l = act(A_l), A_{l+1} = W_{l+1} H_l + b_{l+1}   (width, B)
//   O = W_o H_L + b_o           (out, B)
//   W_1x = the first D columns of W_1 (the part that multiplies x).
#include "wgf/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "wgf/binary_io.hpp"

namespace wgf {

// ---- [config] ------------------------------------------------------------------------
Activation parse_activation(const std::string& s) {
  if (s == "silu") return Activation::SiLU;
  if (s == "elu") return Activation::ELU;
  if (s == "relu") return Activation::ReLU;
  if (s == "tanh") return Activation::Tanh;
  throw std::invalid_argument("unknown activation '" + s + "': expected silu, elu, relu or tanh");
}
Parameterization parse_parameterization(const std::string& s) {
  if (s == "score") return Parameterization::Score;
  if (s == "eps") return Parameterization::Eps;
  if (s == "potential") return Parameterization::Potential;
  throw std::invalid_argument("unknown parameterisation '" + s + "': expected score, eps or potential");
}
std::string to_string(Activation a) {
  switch (a) {
    case Activation::SiLU: return "silu";
    case Activation::ELU: return "elu";
    case Activation::ReLU: return "relu";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}
std::string to_string(Parameterization p) {
  switch (p) {
    case Parameterization::Score: return "score";
    case Parameterization::Eps: return "eps";
    case Parameterization::Potential: return "potential";
  }
  return "?";
}

void MlpConfig::validate() const {
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw std::invalid_argument("MLP config: " + msg);
  };
  need(dim >= 1 && dim <= 4096, "dim must be in 1..4096, got " + std::to_string(dim));
  need(width >= 1 && width <= 8192, "width must be in 1..8192, got " + std::to_string(width));
  need(depth >= 1 && depth <= 64, "depth must be in 1..64, got " + std::to_string(depth));
  need(time_features >= 0 && time_features % 2 == 0 && time_features <= 256,
       "time_features must be an even number in 0..256, got " + std::to_string(time_features));
  need(T >= 1, "T must be >= 1");
  make_schedule(schedule, T);  // throws on an unknown name
}

std::string describe(const MlpConfig& c) {
  return "dim=" + std::to_string(c.dim) + " width=" + std::to_string(c.width) + " depth=" + std::to_string(c.depth) +
         " " + to_string(c.activation) + " " + to_string(c.param) + " tf=" + std::to_string(c.time_features) + " " +
         c.schedule + " T=" + std::to_string(c.T);
}

// ---- [activations] ---------------------------------------------------------------------
namespace {

using ArrF = Eigen::ArrayXXf;

// out_i = sum_j M_ij, summed in ascending j for every i. Eigen's rowwise().sum() picks its
// association from the destination's alignment, and the destination here is a view into the
// flat gradient vector: the same batch would then round differently in two model instances
// (seen as a bit-level drift after resuming a checkpoint). This fixed order is deterministic.
template <class Out>
void row_sums(const Eigen::MatrixXf& M, Out&& out) {
  Eigen::VectorXf acc = M.col(0);
  for (Eigen::Index j = 1; j < M.cols(); ++j) acc += M.col(j);
  out = acc;
}

// Products with a thin side (the output layer of the 2D lessons: out = D = 2 rows) waste most
// of Eigen's GEMM register tile; row-by-row matrix-vector products are 2-3x faster there.
constexpr Eigen::Index kThinRows = 8;

// Batch columns per chunk of a weight-gradient product dA prev^T. Eigen 3.4's float GEMM on
// AVX-512 falls from ~125 to ~80 GFLOP/s when this inner dimension reaches 512 (width 128);
// fixed chunks of 256 keep it at full speed, and a fixed order keeps results deterministic.
constexpr Eigen::Index kGradChunk = 256;

// G = dA prev^T: dA (out, B), prev (in, B) -> G (out, in), a view into the gradient vector.
template <class Out>
void weight_gradient(const Eigen::MatrixXf& dA, const Eigen::MatrixXf& prev, Out&& G) {
  if (dA.rows() <= kThinRows) {
    for (Eigen::Index i = 0; i < dA.rows(); ++i) G.row(i).noalias() = dA.row(i) * prev.transpose();
    return;
  }
  const Eigen::Index B = dA.cols();
  G.noalias() = dA.leftCols(std::min(kGradChunk, B)) * prev.leftCols(std::min(kGradChunk, B)).transpose();
  for (Eigen::Index j0 = kGradChunk; j0 < B; j0 += kGradChunk) {
    const Eigen::Index n = std::min(kGradChunk, B - j0);
    G.noalias() += dA.middleCols(j0, n) * prev.middleCols(j0, n).transpose();
  }
}

// dA_prev = (W^T dA) o dH: W (out, in), dA (out, B), dH (in, B) -> out (in, B), resized.
template <class Weights>
void back_propagate(const Weights& W, const Eigen::MatrixXf& dA, const Eigen::MatrixXf& dH, Eigen::MatrixXf& out) {
  out.resize(W.cols(), dA.cols());
  if (W.rows() <= kThinRows) {
    const Eigen::MatrixXf Wt = W.transpose();  // (in, out) with contiguous columns
    for (Eigen::Index j = 0; j < dA.cols(); ++j) {
      auto o = out.col(j);
      o = Wt.col(0) * dA(0, j);
      for (Eigen::Index i = 1; i < Wt.cols(); ++i) o += Wt.col(i) * dA(i, j);
      o.array() *= dH.col(j).array();
    }
    return;
  }
  out.noalias() = W.transpose() * dA;
  out.array() *= dH.array();
}

// H = act(A), dH = act'(A); A, H, dH are matrices or column blocks of the same shape.
template <class MA, class MH, class MD>
void activate(Activation act, const MA& A, MH&& H, MD&& dH) {
  const auto a = A.array();
  switch (act) {
    case Activation::SiLU: {
      // sig = 1 / (1 + e^{-a}); silu = a sig; silu' = sig (1 + a (1 - sig)).
      dH.array() = (1.0f + (-a).exp()).inverse();  // sig, reused below
      H.array() = a * dH.array();
      dH.array() = dH.array() * (1.0f + a * (1.0f - dH.array()));
      break;
    }
    case Activation::ELU: {
      dH.array() = a.min(0.0f).exp();  // e, reused below
      H.array() = (a > 0.0f).select(a, dH.array() - 1.0f);
      dH.array() = (a > 0.0f).select(ArrF::Ones(a.rows(), a.cols()), dH.array());
      break;
    }
    case Activation::ReLU:
      H.array() = a.max(0.0f);
      dH.array() = (a > 0.0f).template cast<float>();
      break;
    case Activation::Tanh:
      H.array() = a.tanh();
      dH.array() = 1.0f - H.array().square();
      break;
  }
}

// A += b, H = act(A), dH = act'(A) for the activations with a packet form: activate()'s
// arithmetic, operation for operation, written with Eigen's packet primitives (portable:
// SSE/AVX/AVX-512/NEON/wasm, or scalars) so that each element is loaded once and A + b, act
// and act' are stored together; the forward pass's largest element-wise cost. Bit-identical
// to the expression form when the rows are a multiple of the packet size; the per-column tail
// is scalar. op(x, h, d) on packets and scalars alike.
template <class Op>
void bias_packet(const Eigen::Ref<const Eigen::VectorXf>& b, Eigen::MatrixXf& A, Eigen::MatrixXf& H,
                 Eigen::MatrixXf& dH, const Op& op) {
  using namespace Eigen::internal;
  using Packet = packet_traits<float>::type;
  constexpr Eigen::Index kP = packet_traits<float>::size;
  const Eigen::Index rows = A.rows();
  const float* bias = b.data();
  for (Eigen::Index j = 0; j < A.cols(); ++j) {
    float *a = A.col(j).data(), *h = H.col(j).data(), *d = dH.col(j).data();
    Eigen::Index i = 0;
    for (; i + kP <= rows; i += kP) {
      const Packet x = padd(ploadu<Packet>(a + i), ploadu<Packet>(bias + i));
      Packet hp, dp;
      op(x, hp, dp);
      pstoreu(a + i, x);
      pstoreu(h + i, hp);
      pstoreu(d + i, dp);
    }
    for (; i < rows; ++i) {
      const float x = a[i] + bias[i];
      a[i] = x;
      op(x, h[i], d[i]);
    }
  }
}

// sig = 1 / (1 + e^{-x}); silu = x sig; silu' = sig (1 + x (1 - sig)).
struct SiluOp {
  template <class P>
  void operator()(const P& x, P& h, P& d) const {
    using namespace Eigen::internal;
    const P one = pset1<P>(1.0f);
    const P sig = pdiv(one, padd(one, pexp(pnegate(x))));
    h = pmul(x, sig);
    d = pmul(sig, padd(one, pmul(x, psub(one, sig))));
  }
  void operator()(float x, float& h, float& d) const {
    const float sig = 1.0f / (1.0f + std::exp(-x));
    h = x * sig;
    d = sig * (1.0f + x * (1.0f - sig));
  }
};

// e = exp(min(x, 0)); elu = x > 0 ? x : e - 1; elu' = x > 0 ? 1 : e.
struct EluOp {
  template <class P>
  void operator()(const P& x, P& h, P& d) const {
    using namespace Eigen::internal;
    const P one = pset1<P>(1.0f), zero = pset1<P>(0.0f);
    const P e = pexp(pmin(x, zero));
    const P pos = pcmp_lt(zero, x);
    h = pselect(pos, x, psub(e, one));
    d = pselect(pos, one, e);
  }
  void operator()(float x, float& h, float& d) const {
    const float e = std::exp(std::min(x, 0.0f));
    h = x > 0.0f ? x : e - 1.0f;
    d = x > 0.0f ? 1.0f : e;
  }
};

// A += b (per column), H = act(A), dH = act'(A), one block of columns at a time: the
// activation's several element-wise passes then run on data still in L1 instead of
// streaming the whole (width, B) matrices through the cache three or four times.
void bias_activate(Activation act, const Eigen::Ref<const Eigen::VectorXf>& b, Eigen::MatrixXf& A,
                   Eigen::MatrixXf& H, Eigen::MatrixXf& dH) {
  if (act == Activation::SiLU) return bias_packet(b, A, H, dH, SiluOp{});
  if (act == Activation::ELU) return bias_packet(b, A, H, dH, EluOp{});
  const Eigen::Index cols = std::max<Eigen::Index>(1, 2048 / std::max<Eigen::Index>(1, A.rows()));  // ~8 KB
  for (Eigen::Index j0 = 0; j0 < A.cols(); j0 += cols) {
    const Eigen::Index n = std::min(cols, A.cols() - j0);
    auto a = A.middleCols(j0, n);
    a.colwise() += b;
    activate(act, a, H.middleCols(j0, n), dH.middleCols(j0, n));
  }
}

// act''(A), needed only by the potential parameterisation and its JVP.
Eigen::MatrixXf second_derivative(Activation act, const Eigen::MatrixXf& A, const Eigen::MatrixXf& H) {
  const auto a = A.array();
  switch (act) {
    case Activation::SiLU: {
      const ArrF s = (1.0f + (-a).exp()).inverse();
      return (s * (1.0f - s) * (2.0f + a * (1.0f - 2.0f * s))).matrix();
    }
    case Activation::ELU: return (a > 0.0f).select(ArrF::Zero(a.rows(), a.cols()), a.min(0.0f).exp()).matrix();
    case Activation::ReLU: return Eigen::MatrixXf::Zero(A.rows(), A.cols());
    case Activation::Tanh: return (-2.0f * H.array() * (1.0f - H.array().square())).matrix();
  }
  return {};
}

}  // namespace

// ---- [construction] ---------------------------------------------------------------------
Mlp::Mlp(const MlpConfig& config, std::uint64_t seed) : cfg_(config) {
  cfg_.validate();
  schedule_ = make_schedule(cfg_.schedule, cfg_.T);
  const int half = cfg_.time_features / 2;
  for (int j = 0; j < half; ++j)
    freqs_.push_back(half == 1 ? 1.0f : static_cast<float>(std::pow(32.0, static_cast<double>(j) / (half - 1))));

  size_t off = 0;
  int in = input_dim();
  for (int l = 0; l <= cfg_.depth; ++l) {
    const int out = l < cfg_.depth ? cfg_.width : output_dim();
    Layer L{in, out, off, off + static_cast<size_t>(in) * out};
    off = L.b_off + static_cast<size_t>(out);
    layers_.push_back(L);
    in = out;
  }
  params_.assign(off, 0.0f);
  grads_.assign(off, 0.0f);
  Rng rng(seed);
  for (const auto& L : layers_) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(L.in));
    for (size_t i = L.w_off; i < L.b_off + static_cast<size_t>(L.out); ++i)
      params_[i] = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  }
  A_.resize(cfg_.depth);
  H_.resize(cfg_.depth);
  dH_.resize(cfg_.depth);
}

// ---- [forward] ------------------------------------------------------------------------
void Mlp::forward(const PointsF& x, const Eigen::VectorXf& t) {
  const int D = cfg_.dim;
  const Eigen::Index B = x.cols();
  if (x.rows() != D) throw std::invalid_argument("MLP input has " + std::to_string(x.rows()) + " rows, expected dim " + std::to_string(D));
  if (t.size() != B) throw std::invalid_argument("MLP: one time per column expected");
  t_ = t;
  sigma_.resize(B);
  Z_.resize(input_dim(), B);
  Z_.topRows(D) = x;
  const Eigen::Index F = std::max<Eigen::Index>(1, 2 * static_cast<Eigen::Index>(freqs_.size()));  // feature rows
  for (Eigen::Index j = 0; j < B; ++j) {
    if (j > 0 && t[j] == t[j - 1]) {  // a batch at one time (samplers, MlpField): features computed once
      sigma_[j] = sigma_[j - 1];
      Z_.col(j).segment(D, F) = Z_.col(j - 1).segment(D, F);
      continue;
    }
    const double sg = schedule_->sigma(static_cast<double>(t[j]));
    sigma_[j] = static_cast<float>(sg);
    const float c = static_cast<float>(0.25 * std::log(std::max(sg, 1e-4)));
    if (freqs_.empty()) {
      Z_(D, j) = c;
    } else {
      for (size_t f = 0; f < freqs_.size(); ++f) {
        Z_(D + 2 * static_cast<Eigen::Index>(f), j) = std::sin(freqs_[f] * c);
        Z_(D + 2 * static_cast<Eigen::Index>(f) + 1, j) = std::cos(freqs_[f] * c);
      }
    }
  }
  const Eigen::MatrixXf* prev = &Z_;
  for (int l = 0; l < cfg_.depth; ++l) {
    A_[l].resize(cfg_.width, B);
    H_[l].resize(cfg_.width, B);
    dH_[l].resize(cfg_.width, B);
    A_[l].noalias() = W(l) * *prev;
    bias_activate(cfg_.activation, b(l), A_[l], H_[l], dH_[l]);
    prev = &H_[l];
  }
  out_.resize(output_dim(), B);
  if (out_.rows() <= kThinRows) {
    for (Eigen::Index i = 0; i < out_.rows(); ++i) out_.row(i).noalias() = W(cfg_.depth).row(i) * *prev;
  } else {
    out_.noalias() = W(cfg_.depth) * *prev;
  }
  out_.colwise() += b(cfg_.depth);
}

void Mlp::input_gradient() {
  // U_l = dphi/dH_l, G_l = dphi/dA_l = U_l o act'(A_l); s = W_1x^T G_1.
  const int L = cfg_.depth;
  const Eigen::Index B = out_.cols();
  G_.resize(2 * L);  // [0, L): U_l, [L, 2L): G_l
  G_[L - 1] = W(L).transpose().replicate(1, B);
  for (int l = L - 1; l >= 0; --l) {
    if (l < L - 1) G_[l].noalias() = W(l + 1).transpose() * G_[L + l + 1];
    G_[L + l] = G_[l].cwiseProduct(dH_[l]);
  }
  s_.noalias() = W(0).leftCols(cfg_.dim).transpose() * G_[L];
}

PointsF Mlp::score(const PointsF& x, const Eigen::VectorXf& t) {
  forward(x, t);
  switch (cfg_.param) {
    case Parameterization::Score: s_ = out_; break;
    case Parameterization::Eps: s_ = -(out_.array().rowwise() / sigma_.transpose().array()).matrix(); break;
    case Parameterization::Potential: input_gradient(); break;
  }
  return s_;
}

// ---- [backward] ------------------------------------------------------------------------
void Mlp::loss_backward(const PointsF& dL_ds) {
  const int L = cfg_.depth, D = cfg_.dim;
  if (dL_ds.rows() != D || dL_ds.cols() != out_.cols()) throw std::invalid_argument("loss_backward: dL/ds shape mismatch");
  if (cfg_.param != Parameterization::Potential) {
    // Plain reverse mode from dL/dO. The (width, B) adjoints dL/dA_l ping-pong between G_[0]
    // and G_[1], kept between calls (G_ is otherwise the potential parameterisation's), so a
    // training step allocates no large temporaries (each would be a fresh mmap at B >= 256).
    PointsF dO_eps;
    if (cfg_.param == Parameterization::Eps) dO_eps = -(dL_ds.array().rowwise() / sigma_.transpose().array()).matrix();
    const PointsF& dO = cfg_.param == Parameterization::Eps ? dO_eps : dL_ds;
    if (G_.size() < 2) G_.resize(2);
    Eigen::MatrixXf *dA = &G_[0], *next = &G_[1];
    weight_gradient(dO, H_[L - 1], gW(L));
    row_sums(dO, gb(L));
    back_propagate(W(L), dO, dH_[L - 1], *dA);
    for (int l = L - 1; l >= 0; --l) {
      const Eigen::MatrixXf& prev = l == 0 ? Z_ : H_[l - 1];
      weight_gradient(*dA, prev, gW(l));
      row_sums(*dA, gb(l));
      if (l > 0) {
        back_propagate(W(l), *dA, dH_[l - 1], *next);
        std::swap(dA, next);
      }
    }
    return;
  }
  // Potential: s = grad_x phi, so dL/dtheta = grad_theta sum_j (R_j . s_j) with R = dL/ds,
  // the parameter gradient of the directional derivative phidot_j = d/de phi(x_j + e R_j)
  // = 1^T J_phi R_j: a tangent backward with output weights U = 1.
  std::fill(grads_.begin(), grads_.end(), 0.0f);
  tangent_backward(dL_ds, Eigen::MatrixXf::Ones(1, dL_ds.cols()));
}

void Mlp::tangent_backward(const PointsF& V, const Eigen::MatrixXf& U) {
  // Adds grad_theta sum_j U_j . (dO/dx)(x_j) V_j to grads(): forward-mode tangents (Adot, Hdot)
  // along V, then reverse mode through primal and tangent. With P the adjoint of Hdot_l and
  // Q the adjoint of H_l: Pd = P o act' (adjoint of Adot_l), Abar = P o act'' o Adot + Q o act'.
  const int L = cfg_.depth, D = cfg_.dim;
  std::vector<Eigen::MatrixXf> Ad(L), Hd(L);
  for (int l = 0; l < L; ++l) {
    Ad[l] = l == 0 ? Eigen::MatrixXf(W(0).leftCols(D) * V) : Eigen::MatrixXf(W(l) * Hd[l - 1]);
    Hd[l] = dH_[l].cwiseProduct(Ad[l]);
  }
  gW(L).noalias() += U * Hd[L - 1].transpose();
  Eigen::MatrixXf P = W(L).transpose() * U, Q;
  Eigen::VectorXf bias;
  for (int l = L - 1; l >= 0; --l) {
    const Eigen::MatrixXf Pd = P.cwiseProduct(dH_[l]);
    Eigen::MatrixXf Abar = P.cwiseProduct(second_derivative(cfg_.activation, A_[l], H_[l])).cwiseProduct(Ad[l]);
    if (l < L - 1) Abar += Q.cwiseProduct(dH_[l]);
    row_sums(Abar, bias);
    gb(l) += bias;
    if (l > 0) {
      gW(l).noalias() += Pd * Hd[l - 1].transpose();
      gW(l).noalias() += Abar * H_[l - 1].transpose();
      P.noalias() = W(l).transpose() * Pd;
      Q.noalias() = W(l).transpose() * Abar;
    } else {
      gW(0).noalias() += Abar * Z_.transpose();
      gW(0).leftCols(D).noalias() += Pd * V.transpose();
    }
  }
}

double Mlp::add_asymmetry_penalty(const PointsF& u, const PointsF& v, double lambda) {
  // c_j = u_j^T J v_j - v_j^T J u_j = u_j^T (J - J^T) v_j; for u, v ~ N(0, I) independent,
  // E c^2 = ||J - J^T||_F^2, so lambda/B sum_j c_j^2 estimates lambda E ||J - J^T||_F^2
  // (DESIGN.md "Training") with JVPs alone. Its gradient is (2 lambda / B) sum_j c_j
  // grad(u^T J v - v^T J u): two tangent backwards with output weights c u and -c v.
  if (cfg_.param == Parameterization::Potential) return 0.0;  // J is a Hessian: c = 0 exactly
  const int D = cfg_.dim;
  const Eigen::Index B = out_.cols();
  if (u.rows() != D || v.rows() != D || u.cols() != B || v.cols() != B)
    throw std::invalid_argument("asymmetry penalty: probe shape mismatch");
  const PointsF Jv = score_jvp(v), Ju = score_jvp(u);
  const Eigen::ArrayXf c = (u.cwiseProduct(Jv) - v.cwiseProduct(Ju)).colwise().sum().transpose().array();
  // Output weights in the network's own output units: s = O (score) or s = -O / sigma (eps).
  Eigen::ArrayXf w = static_cast<float>(2.0 * lambda / static_cast<double>(B)) * c;
  if (cfg_.param == Parameterization::Eps) w = -w / sigma_.array();
  tangent_backward(v, (u.array().rowwise() * w.transpose()).matrix());
  tangent_backward(u, -(v.array().rowwise() * w.transpose()).matrix());
  return lambda * c.square().cast<double>().sum() / static_cast<double>(B);
}

// ---- [jvp] ----------------------------------------------------------------------------
PointsF Mlp::score_jvp(const PointsF& v) {
  const int L = cfg_.depth, D = cfg_.dim;
  if (v.rows() != D || v.cols() != out_.cols()) throw std::invalid_argument("score_jvp: direction shape mismatch");
  std::vector<Eigen::MatrixXf> Ad(L), Hd(L);
  for (int l = 0; l < L; ++l) {
    Ad[l] = l == 0 ? Eigen::MatrixXf(W(0).leftCols(D) * v) : Eigen::MatrixXf(W(l) * Hd[l - 1]);
    Hd[l] = dH_[l].cwiseProduct(Ad[l]);
  }
  switch (cfg_.param) {
    case Parameterization::Score: return W(L) * Hd[L - 1];
    case Parameterization::Eps:
      return -((W(L) * Hd[L - 1]).array().rowwise() / sigma_.transpose().array()).matrix();
    case Parameterization::Potential: {
      // Tangent of the input-gradient pass: Gdot_l = (W_{l+1}^T Gdot_{l+1}) o act'(A_l)
      // + U_l o act''(A_l) o Adot_l, the first term absent at l = L; sdot = W_1x^T Gdot_1.
      Eigen::MatrixXf Gd;
      for (int l = L - 1; l >= 0; --l) {
        Eigen::MatrixXf term = G_[l].cwiseProduct(second_derivative(cfg_.activation, A_[l], H_[l])).cwiseProduct(Ad[l]);
        if (l < L - 1) term += (W(l + 1).transpose() * Gd).cwiseProduct(dH_[l]);
        Gd = std::move(term);
      }
      return W(0).leftCols(D).transpose() * Gd;
    }
  }
  return {};
}

// ---- [checkpoint] ------------------------------------------------------------------------
namespace {
constexpr char kMagic[8] = {'W', 'G', 'F', 'M', 'L', 'P', '\0', '\1'};
constexpr std::uint32_t kVersion = 1;
}  // namespace

void Mlp::write(BinaryWriter& w) const {
  w.raw(kMagic, 8);
  w.u32(kVersion);
  w.i32(cfg_.dim);
  w.i32(cfg_.width);
  w.i32(cfg_.depth);
  w.str(to_string(cfg_.activation));
  w.str(to_string(cfg_.param));
  w.i32(cfg_.time_features);
  w.str(cfg_.schedule);
  w.i32(cfg_.T);
  w.floats(params_);
}

Mlp Mlp::read(BinaryReader& r) {
  char magic[8];
  r.raw(magic, 8, "magic");
  if (std::memcmp(magic, kMagic, 8) != 0) r.fail("not a WGF Lab MLP checkpoint (bad magic bytes)");
  const std::uint32_t version = r.u32("version");
  if (version != kVersion)
    r.fail("checkpoint version " + std::to_string(version) + " is not supported (expected " + std::to_string(kVersion) + ")");
  MlpConfig c;
  c.dim = r.i32("dim");
  c.width = r.i32("width");
  c.depth = r.i32("depth");
  try {
    c.activation = parse_activation(r.str("activation", 16));
    c.param = parse_parameterization(r.str("param", 16));
    c.time_features = r.i32("time_features");
    c.schedule = r.str("schedule", 16);
    c.T = r.i32("T");
    c.validate();
  } catch (const std::invalid_argument& e) {
    r.fail(e.what());
  }
  Mlp m(c, 0);
  m.params_ = r.floats("params", m.params_.size());
  for (float p : m.params_)
    if (!std::isfinite(p)) r.fail("params contain NaN or Inf");
  return m;
}

void Mlp::save(const std::string& path) const {
  BinaryWriter w;
  write(w);
  write_file_atomic(path, w.bytes());
}

Mlp Mlp::load(const std::string& path) {
  BinaryReader r = BinaryReader::open(path);
  Mlp m = read(r);
  if (!r.at_end()) r.fail("unexpected trailing bytes after params");
  return m;
}

// ---- [MlpField] -------------------------------------------------------------------------
Points MlpField::eval(const Points& x, double t) const {
  const Eigen::VectorXf tv = Eigen::VectorXf::Constant(x.cols(), static_cast<float>(t));
  return mlp_->score(x.cast<float>(), tv).cast<double>();
}

Points MlpField::jvp(const Points& x, double t, const Points& v) const {
  const Eigen::VectorXf tv = Eigen::VectorXf::Constant(x.cols(), static_cast<float>(t));
  mlp_->score(x.cast<float>(), tv);
  return mlp_->score_jvp(v.cast<float>()).cast<double>();
}

}  // namespace wgf
