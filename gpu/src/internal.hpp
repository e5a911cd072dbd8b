// Shared internals of gpu/'s torch translation units: devices, run folders and checkpoints,
// the data held as a tensor, and the engine's sampler rules applied to tensors.
#pragma once
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nets.hpp"
#include "wgf/gpu/api.hpp"
#include "wgf/sampler.hpp"
#include "wgf/schedule.hpp"
#include "wgf/vector_field.hpp"

namespace wgf::gpu {

using Json = nlohmann::json;

// "auto" -> CUDA when available, else CPU; "cuda[:N]" without CUDA -> std::invalid_argument.
torch::Device resolve_device(const std::string& spec);
// The CPU runtime of every image command: torch::set_num_threads(threads > 0 ? threads :
// hardware cores), and glibc's allocator told to keep freed activation buffers (up to 32 MiB
// each, 512 MiB in all) instead of returning them to the kernel: by default every buffer
// above the adaptive mmap threshold is unmapped on free and page-faulted back in on the
// next call — 20-30% of a CPU diagnose sweep's time went to the kernel (bench/images).
void init_runtime(int threads);

// bf16/fp16 autocast on CUDA for its lifetime (one forward pass); off: a no-op.
class AutocastGuard {
 public:
  AutocastGuard(bool on, at::ScalarType dtype) : on_(on) {
    if (!on_) return;
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
  }
  ~AutocastGuard() {
    if (!on_) return;
    at::autocast::set_enabled(false);
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool on_;
};

// Runs f, turning LibTorch's c10::Error (whose what() carries a C++ backtrace) into a
// std::runtime_error with the message alone: the API's callers print one line.
template <class F>
auto plain_errors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw std::runtime_error(e.what_without_backtrace());
  }
}

// ---- run folders and checkpoints
// RUN_DIR or RUN_DIR/checkpoint.pt -> the checkpoint path; throws naming the path when missing.
std::string checkpoint_path(const std::string& run_or_ckpt);
// Atomic write (temp file + rename) of a torch archive.
void save_archive(torch::serialize::OutputArchive& ar, const std::string& path);
// Loads an archive; errors name the file.
void load_archive(torch::serialize::InputArchive& ar, const std::string& path);
std::string read_string(torch::serialize::InputArchive& ar, const std::string& key, const std::string& file);
void write_string(torch::serialize::OutputArchive& ar, const std::string& key, const std::string& value);
void write_text_file_atomic(const std::string& path, const std::string& text);

// A trained diffusion model restored from its checkpoint (EMA or raw weights), with its
// schedule, output kind and (latent runs) the VAE and latent scale.
struct LoadedModel {
  Json config;              // the run's options as saved
  UNet net{nullptr};
  std::shared_ptr<const Schedule> schedule;
  bool eps_output = true;   // the net predicts eps (s = -eps / sigma) or the score
  Vae vae{nullptr};         // latent runs
  double latent_scale = 1;  // model space = latent mean * latent_scale
  torch::Device device{torch::kCPU};
  bool bf16 = false, fp16 = false;
  std::vector<std::int64_t> shape() const;  // (C, S, S) of the model's space
  std::string dataset() const;
  // The run's training data (its dataset, folder and image size; the given split).
  DatasetSpec training_data(Split split) const;
};
LoadedModel load_model(const std::string& run_or_ckpt, bool ema, const std::string& device, int threads);

// The network output as a score: s = -out / sigma for an eps network (the eps
// parameterisation, s(x_t | x0) = -eps / sigma), out itself for a score network. sigma is a
// number or a tensor broadcasting over out (one sigma per sample).
template <class Sigma>
torch::Tensor output_to_score(const torch::Tensor& out, const Sigma& sigma, bool eps_output) {
  return eps_output ? -out / sigma : out;
}

// The score s(x, t) of a model at one time t for a batch x (B, C, S, S), fp32 out.
torch::Tensor model_score(LoadedModel& m, const torch::Tensor& x, double t);

// The engine's sampler (wgf::rules::grid_step) on tensors: x (B, ...) at t = the grid's first
// time, integrated over the whole grid in x's dtype and on x's device. SDE/DDPM noise is drawn
// from gen on the CPU and moved to x's device (the same numbers on every device).
// on_step(i) after grid interval i = 1..N.
using ScoreFn = std::function<torch::Tensor(const torch::Tensor& x, double t)>;
torch::Tensor integrate_tensor(const ScoreFn& score, const Schedule& schedule, const SamplerConfig& cfg, torch::Tensor x,
                               at::Generator& gen, const std::function<void(int)>& on_step = {});

// Runs the engine's sampler on a model from N(0, sigma_max^2 I) in batches; returns
// (n, C, S, S) in model space. gen draws the start and the SDE/DDPM noise.
torch::Tensor run_sampler(LoadedModel& m, const SamplerConfig& cfg, std::int64_t n, std::int64_t batch,
                          at::Generator& gen, const ProgressFn& progress = {});
// The VAE's posterior means of a set of uint8 images (N, C, H, W), encoded in batches on dev;
// (N, L, s, s) on the CPU, unscaled.
torch::Tensor encode_means(Vae& vae, const torch::Tensor& images_u8, torch::Device dev);

// Model space -> pixels in [-1, 1] (decodes latents).
torch::Tensor to_pixels(LoadedModel& m, const torch::Tensor& x);
// [-1, 1] float (B, C, H, W) -> Images (uint8).
Images to_images(const torch::Tensor& x);

// A TorchScript model file as an engine VectorField (diagnose.cpp): forward(x (B, shape...),
// t (B,)) -> eps (eps_output) or the score; JVPs by forward-mode AD. Throws
// std::invalid_argument naming the file and the expected signature.
std::shared_ptr<VectorField> torchscript_field(const std::string& path, const std::vector<std::int64_t>& shape,
                                               bool eps_output, std::shared_ptr<const Schedule> schedule,
                                               const std::string& device);

// The conservative regulariser's per-sample estimate (u_j^T (J_j - J_j^T) v_j)^2 of
// ||J_j - J_j^T||_F^2, J_j = d out_j / d x_j, for probes u, v ~ N(0, I) shaped like x
// (unbiased: E (u^T A v)^2 = ||A||_F^2). out = f(x) with x requiring grad; differentiable
// (double backward) so it can be added to the loss. Returns (B,).
torch::Tensor asymmetry_estimate(const torch::Tensor& out, const torch::Tensor& x, const torch::Tensor& u,
                                 const torch::Tensor& v);

// The dataset in memory as uint8 (N, C, H, W); batches come out as float in [-1, 1].
torch::Tensor images_tensor(const ImageSet& set);
torch::Tensor to_unit(const torch::Tensor& u8);  // uint8 -> float [-1, 1]

}  // namespace wgf::gpu
