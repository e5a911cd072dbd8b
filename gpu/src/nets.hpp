// The image networks (LibTorch): the diffusion U-Net, the VAE for latent diffusion and the
// small feature network behind the Frechet distance. Internal to gpu/ (torch types).
//
// Shapes: images and latents are (B, C, H, W) float in [-1, 1] (pixels) or unit-scale
// (latents); times t are (B,) float, the continuous OU time of the engine's schedule.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace wgf::gpu {

// ---- U-Net (paper Sec. 5's MNIST model: depthwise residual bottlenecks, time MLP in every block)

struct UNetConfig {
  int channels = 1;    // C of the data (image or latent)
  int size = 28;       // H = W
  int base = 48;       // channels at level 0
  std::vector<int> mult{1, 2, 2};  // channel multiplier per level; size halves between levels
  int blocks = 2;      // residual blocks per level on the way down (one more on the way up)
  int expand = 2;      // bottleneck width m = expand * c_out
  int temb = 128;      // time-embedding width
  int groups = 8;      // GroupNorm groups (gcd with the channel count)
  void validate() const;  // throws std::invalid_argument naming the field
};
nlohmann::json to_json(const UNetConfig& c);
UNetConfig unet_config_from_json(const nlohmann::json& j);  // throws naming the missing field

// Sinusoidal features of tau = ln(t)/4 (t clamped at 1e-6): sin/cos(tau w_i), w_i log-spaced
// in [1, 64]. (B,) -> (B, dim).
torch::Tensor time_features(const torch::Tensor& t, int dim);

// Inverted bottleneck with a depthwise 3x3 (ShuffleNet/MobileNet family), pre-activation:
//   h = W_in . silu(GN(x))  (1x1, c_in -> m) + Proj(temb)
//   h = DW3x3(silu(GN(h)))  (groups = m)
//   out = skip(x) + W_out . silu(GN(h))  (1x1, m -> c_out; zero-initialised)
struct BottleneckImpl : torch::nn::Module {
  BottleneckImpl(int c_in, int c_out, int expand, int temb, int groups);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);
  torch::nn::GroupNorm n1{nullptr}, n2{nullptr}, n3{nullptr};
  torch::nn::Conv2d pw_in{nullptr}, dw{nullptr}, pw_out{nullptr}, skip{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(Bottleneck);

struct UNetImpl : torch::nn::Module {
  explicit UNetImpl(UNetConfig cfg);
  // x (B, C, S, S), t (B,) or (1,) shared by all B images -> the network output (B, C, S, S):
  // eps or score per its config.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t);
  const UNetConfig& config() const { return cfg_; }

 private:
  UNetConfig cfg_;
  torch::nn::Sequential temb_mlp{nullptr};
  torch::nn::Conv2d stem{nullptr}, head{nullptr};
  torch::nn::GroupNorm head_norm{nullptr};
  std::vector<Bottleneck> down_, mid_, up_;
  std::vector<torch::nn::Conv2d> downsample_;  // depthwise 3x3, stride 2
  std::vector<int> down_level_, up_level_;     // level of each block
};
TORCH_MODULE(UNet);

std::int64_t count_parameters(torch::nn::Module& m);

// ---- VAE (latent diffusion; 8x8 latent for MNIST): images padded to the next power of two,
// two stride-2 stages, latent (latent_channels, P/4, P/4). Bernoulli decoder on [0, 1] pixels.

struct VaeConfig {
  int channels = 1;
  int size = 28;
  int width = 32;
  int latent_channels = 4;
  int padded() const;       // next power of two >= size
  int latent_size() const;  // padded() / 4
  void validate() const;
};
nlohmann::json to_json(const VaeConfig& c);
VaeConfig vae_config_from_json(const nlohmann::json& j);

struct VaeImpl : torch::nn::Module {
  explicit VaeImpl(VaeConfig cfg);
  // x (B, C, S, S) in [-1, 1] -> (mu, logvar), each (B, L, S/4', S/4').
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x);
  // z -> logits of the pixels in [0, 1], (B, C, S, S).
  torch::Tensor decode_logits(const torch::Tensor& z);
  // z -> image in [-1, 1].
  torch::Tensor decode(const torch::Tensor& z);
  const VaeConfig& config() const { return cfg_; }

 private:
  VaeConfig cfg_;
  torch::nn::Sequential enc{nullptr}, dec{nullptr};
};
TORCH_MODULE(Vae);

// ---- Feature network for the Frechet distance (not Inception: trained by WGF Lab itself on
// the same dataset, on its labels, or on rotation prediction when there are none).
struct FeatureNetImpl : torch::nn::Module {
  FeatureNetImpl(int channels, int classes, int width = 32);
  torch::Tensor features(const torch::Tensor& x);  // (B, 4 width)
  torch::Tensor forward(const torch::Tensor& x);   // logits (B, classes)
  int channels, classes, width;
  torch::nn::Sequential body{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(FeatureNet);

}  // namespace wgf::gpu
