#include "nets.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace wgf::gpu {

namespace nn = torch::nn;

namespace {

nn::GroupNorm group_norm(int channels, int groups) {
  return nn::GroupNorm(nn::GroupNormOptions(std::gcd(groups, channels), channels));
}
nn::Conv2d conv(int c_in, int c_out, int k, int stride = 1, int groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(c_in, c_out, k).stride(stride).padding(k / 2).groups(groups));
}
// conv 3x3 (stride) -> GroupNorm(8) -> SiLU appended to seq, in this order.
void conv_stage(nn::Sequential& seq, int c_in, int c_out, int stride) {
  seq->push_back(conv(c_in, c_out, 3, stride));
  seq->push_back(group_norm(c_out, 8));
  seq->push_back(nn::SiLU());
}
void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}
template <class T>
T field(const nlohmann::json& j, const char* name, const char* where) {
  if (!j.contains(name)) throw std::runtime_error(std::string(where) + ": missing field '" + name + "'");
  return j.at(name).get<T>();
}

}  // namespace

// ---- U-Net

void UNetConfig::validate() const {
  require(channels >= 1, "unet: channels must be >= 1");
  require(base >= 4, "unet: base width must be >= 4");
  require(!mult.empty() && mult.size() <= 5, "unet: mult needs 1 to 5 levels");
  for (int m : mult) require(m >= 1, "unet: every channel multiplier must be >= 1");
  require(blocks >= 1 && expand >= 1 && temb >= 8 && temb % 2 == 0 && groups >= 1,
          "unet: blocks, expand >= 1, groups >= 1 and an even temb >= 8 expected");
  const int f = 1 << (mult.size() - 1);
  require(size >= f && size % f == 0, "unet: image size " + std::to_string(size) + " must be divisible by " +
                                          std::to_string(f) + " (2^(levels-1), levels = " +
                                          std::to_string(mult.size()) + ")");
}

nlohmann::json to_json(const UNetConfig& c) {
  return {{"channels", c.channels}, {"size", c.size},     {"base", c.base},  {"mult", c.mult},
          {"blocks", c.blocks},     {"expand", c.expand}, {"temb", c.temb}, {"groups", c.groups}};
}

UNetConfig unet_config_from_json(const nlohmann::json& j) {
  UNetConfig c;
  const char* w = "unet config";
  c.channels = field<int>(j, "channels", w);
  c.size = field<int>(j, "size", w);
  c.base = field<int>(j, "base", w);
  c.mult = field<std::vector<int>>(j, "mult", w);
  c.blocks = field<int>(j, "blocks", w);
  c.expand = field<int>(j, "expand", w);
  c.temb = field<int>(j, "temb", w);
  c.groups = field<int>(j, "groups", w);
  c.validate();
  return c;
}

torch::Tensor time_features(const torch::Tensor& t, int dim) {
  const int half = dim / 2;
  const auto opts = t.options().dtype(torch::kFloat32);
  const torch::Tensor w = torch::exp(torch::linspace(0.0, std::log(64.0), half, opts));  // (half,)
  const torch::Tensor tau = 0.25 * torch::log(t.to(torch::kFloat32).clamp_min(1e-6));    // (B,)
  const torch::Tensor arg = tau.unsqueeze(1) * w.unsqueeze(0);                          // (B, half)
  return torch::cat({torch::sin(arg), torch::cos(arg)}, 1);
}

BottleneckImpl::BottleneckImpl(int c_in, int c_out, int expand, int temb, int groups) {
  const int m = expand * c_out;
  n1 = register_module("n1", group_norm(c_in, groups));
  pw_in = register_module("pw_in", conv(c_in, m, 1));
  proj = register_module("proj", nn::Linear(temb, m));
  n2 = register_module("n2", group_norm(m, groups));
  dw = register_module("dw", conv(m, m, 3, 1, m));
  n3 = register_module("n3", group_norm(m, groups));
  pw_out = register_module("pw_out", conv(m, c_out, 1));
  if (c_in != c_out) skip = register_module("skip", conv(c_in, c_out, 1));
  torch::NoGradGuard no_grad;
  pw_out->weight.zero_();  // each block starts as the identity
  pw_out->bias.zero_();
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
  torch::Tensor h = pw_in(torch::silu(n1(x))) + proj(emb).unsqueeze(-1).unsqueeze(-1);
  h = dw(torch::silu(n2(h)));
  h = pw_out(torch::silu(n3(h)));
  return (skip ? skip(x) : x) + h;
}

UNetImpl::UNetImpl(UNetConfig cfg) : cfg_(std::move(cfg)) {
  cfg_.validate();
  const int E = cfg_.temb;
  // Layers made in named statements: the order of the initialising draws must not depend on
  // the compiler's argument evaluation order (GCC builds Sequential's arguments right to left).
  nn::Linear t1(E, E);
  nn::Linear t2(E, E);
  temb_mlp = register_module("temb", nn::Sequential(t1, nn::SiLU(), t2));
  stem = register_module("stem", conv(cfg_.channels, cfg_.base, 3));
  const int L = static_cast<int>(cfg_.mult.size());
  std::vector<int> skip_ch{cfg_.base};
  int c = cfg_.base;
  auto add = [&](std::vector<Bottleneck>& v, std::vector<int>* lv, const std::string& name, int c_in, int c_out,
                 int level) {
    v.push_back(register_module(name + std::to_string(v.size()), Bottleneck(c_in, c_out, cfg_.expand, E, cfg_.groups)));
    if (lv) lv->push_back(level);
  };
  for (int l = 0; l < L; ++l) {
    const int co = cfg_.base * cfg_.mult[static_cast<size_t>(l)];
    for (int b = 0; b < cfg_.blocks; ++b) {
      add(down_, &down_level_, "down", c, co, l);
      c = co;
      skip_ch.push_back(c);
    }
    if (l + 1 < L) {
      downsample_.push_back(register_module("pool" + std::to_string(l), conv(c, c, 3, 2, c)));
      skip_ch.push_back(c);
    }
  }
  add(mid_, nullptr, "mid", c, c, L - 1);
  add(mid_, nullptr, "mid", c, c, L - 1);
  for (int l = L - 1; l >= 0; --l) {
    const int co = cfg_.base * cfg_.mult[static_cast<size_t>(l)];
    for (int b = 0; b <= cfg_.blocks; ++b) {
      add(up_, &up_level_, "up", c + skip_ch.back(), co, l);
      skip_ch.pop_back();
      c = co;
    }
  }
  head_norm = register_module("head_norm", group_norm(c, cfg_.groups));
  head = register_module("head", conv(c, cfg_.channels, 3));
  torch::NoGradGuard no_grad;
  head->weight.zero_();
  head->bias.zero_();
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& t) {
  const torch::Tensor emb = torch::silu(temb_mlp->forward(time_features(t, cfg_.temb).to(x.dtype())));
  std::vector<torch::Tensor> skips;
  torch::Tensor h = stem(x);
  skips.push_back(h);
  size_t pool = 0;
  for (size_t i = 0; i < down_.size(); ++i) {
    h = down_[i]->forward(h, emb);
    skips.push_back(h);
    const bool level_end = i + 1 == down_.size() || down_level_[i + 1] != down_level_[i];
    if (level_end && pool < downsample_.size()) {
      h = downsample_[pool++](h);
      skips.push_back(h);
    }
  }
  for (auto& b : mid_) h = b->forward(h, emb);
  for (size_t i = 0; i < up_.size(); ++i) {
    h = up_[i]->forward(torch::cat({h, skips.back()}, 1), emb);
    skips.pop_back();
    const bool level_end = i + 1 == up_.size() || up_level_[i + 1] != up_level_[i];
    if (level_end && i + 1 < up_.size())
      h = torch::upsample_nearest2d(h, std::vector<int64_t>{h.size(2) * 2, h.size(3) * 2});
  }
  return head(torch::silu(head_norm(h)));
}

std::int64_t count_parameters(nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// ---- VAE

int VaeConfig::padded() const {
  int p = 1;
  while (p < size) p *= 2;
  return p;
}
int VaeConfig::latent_size() const { return padded() / 4; }

void VaeConfig::validate() const {
  require(channels >= 1 && latent_channels >= 1 && width >= 8, "vae: channels, latent_channels >= 1, width >= 8 expected");
  require(size >= 8, "vae: image size must be >= 8");
}

nlohmann::json to_json(const VaeConfig& c) {
  return {{"channels", c.channels}, {"size", c.size}, {"width", c.width}, {"latent_channels", c.latent_channels}};
}

VaeConfig vae_config_from_json(const nlohmann::json& j) {
  VaeConfig c;
  const char* w = "vae config";
  c.channels = field<int>(j, "channels", w);
  c.size = field<int>(j, "size", w);
  c.width = field<int>(j, "width", w);
  c.latent_channels = field<int>(j, "latent_channels", w);
  c.validate();
  return c;
}

VaeImpl::VaeImpl(VaeConfig cfg) : cfg_(cfg) {
  cfg_.validate();
  const int w = cfg_.width, C = cfg_.channels, L = cfg_.latent_channels;
  // Layers are appended one statement at a time, so the initialising draws happen in layer
  // order on every compiler.
  nn::Sequential e, d;
  const auto up = [] {
    return nn::Upsample(nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest));
  };
  conv_stage(e, C, w, 1);          // P
  conv_stage(e, w, 2 * w, 2);      // P/2
  conv_stage(e, 2 * w, 2 * w, 2);  // P/4
  conv_stage(e, 2 * w, 2 * w, 1);
  e->push_back(conv(2 * w, 2 * L, 1));
  conv_stage(d, L, 2 * w, 1);
  conv_stage(d, 2 * w, 2 * w, 1);
  d->push_back(up());
  conv_stage(d, 2 * w, w, 1);
  d->push_back(up());
  conv_stage(d, w, w, 1);
  d->push_back(conv(w, C, 3));
  enc = register_module("enc", e);
  dec = register_module("dec", d);
}

std::pair<torch::Tensor, torch::Tensor> VaeImpl::encode(const torch::Tensor& x) {
  const int pad = cfg_.padded() - cfg_.size, lo = pad / 2, hi = pad - lo;
  const torch::Tensor xp = pad > 0 ? torch::constant_pad_nd(x, {lo, hi, lo, hi}, -1.0) : x;
  const auto h = enc->forward(xp).chunk(2, 1);
  return {h[0], h[1].clamp(-30.0, 20.0)};
}

torch::Tensor VaeImpl::decode_logits(const torch::Tensor& z) {
  torch::Tensor y = dec->forward(z);
  const int pad = cfg_.padded() - cfg_.size, lo = pad / 2;
  if (pad > 0) y = y.narrow(2, lo, cfg_.size).narrow(3, lo, cfg_.size);
  return y;
}

torch::Tensor VaeImpl::decode(const torch::Tensor& z) { return 2.0 * torch::sigmoid(decode_logits(z)) - 1.0; }

// ---- feature network

FeatureNetImpl::FeatureNetImpl(int channels_, int classes_, int width_)
    : channels(channels_), classes(classes_), width(width_) {
  const int w = width;
  nn::Sequential b;
  conv_stage(b, channels, w, 1);
  conv_stage(b, w, w, 2);
  conv_stage(b, w, 2 * w, 1);
  conv_stage(b, 2 * w, 2 * w, 2);
  conv_stage(b, 2 * w, 4 * w, 1);
  b->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
  b->push_back(nn::Flatten());
  body = register_module("body", b);
  fc = register_module("fc", nn::Linear(4 * w, classes));
}

torch::Tensor FeatureNetImpl::features(const torch::Tensor& x) { return body->forward(x); }
torch::Tensor FeatureNetImpl::forward(const torch::Tensor& x) { return fc(features(x)); }

}  // namespace wgf::gpu
