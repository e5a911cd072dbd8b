// The image module's interface for the CLI and the front end: no torch types.
//
// A run folder (RUN_DIR) holds everything a training run produces:
//   checkpoint.pt           model, EMA, AdamW state, RNG state, step (written atomically)
//   config.json             the options (+ the network and schedule), read back by sample/eval/--resume
//   loss.csv                step,epoch,loss,lr,images_per_s (rows after the last checkpoint are
//                           dropped on --resume, so the log matches the model)
//   samples_epoch_NNN.png   a grid of EMA samples after each epoch
// A VAE run folder holds the same with the VAE (vae_recon_epoch_NNN.png: data above, reconstruction below).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wgf/diagnostics.hpp"
#include "wgf/gpu/datasets.hpp"

namespace wgf::gpu {

// Is LibTorch's CUDA usable here? ("" when not; else e.g. "cuda: 1 device").
std::string cuda_summary();

struct NetOptions {  // the U-Net (see nets.hpp); 0 / empty: the dataset preset
  int base = 0;
  std::vector<int> mult;
  int blocks = 0;
  int expand = 2;
  int temb = 128;
};

struct TrainOptions {
  DatasetSpec data;
  std::string vae;          // latent diffusion: a VAE run folder (or its checkpoint.pt); empty: pixels
  std::string out_dir;
  bool resume = false;
  int epochs = 1;
  std::int64_t max_steps = 0;  // > 0: stop after this many optimiser steps in all (tests, smoke runs)
  int batch = 128;             // global batch (split across processes)
  double lr = 2e-4;
  double weight_decay = 0.0;
  std::string lr_schedule = "cosine";  // cosine (linear warm-up + cosine to 1%) | onecycle | constant
  std::int64_t warmup = 200;           // warm-up steps (cosine, constant)
  double ema = 0.999;                  // EMA decay of the weights (0: off), warmed up as
                                       // min(ema, (1 + n) / (10 + n)) after n steps
  double grad_clip = 1.0;              // max global gradient norm (0: off)
  std::string weighting = "eps";       // uniform|eps|likelihood (engine dsm_weights)
  double jac_reg = 0.0;                // conservative regulariser lambda E||J - J^T||_F^2 / D (0: off)
  std::string output = "eps";          // eps|score: what the network predicts
  std::string schedule = "cosine";     // cosine|linear|ve (engine make_schedule, T = 1000)
  NetOptions net;
  std::string device = "auto";         // auto|cpu|cuda|cuda:N
  int threads = 0;                     // CPU threads for torch (0: all cores)
  std::string precision = "auto";      // auto (bf16 autocast on CUDA, fp32 on CPU)|fp32|bf16|fp16
  bool channels_last = false;          // CUDA: channels-last activations
  std::uint64_t seed = 0;
  int grid = 64;                       // samples in each epoch's PNG grid (0: none)
  int grid_steps = 50;                 // ODE-Heun steps for that grid
  std::int64_t checkpoint_every = 1000;  // steps between checkpoints (and at each epoch's end)
  // Data parallel (c10d): world processes, this one is `rank`; rendezvous at master (host:port).
  int world = 1, rank = 0;
  std::string master = "127.0.0.1:29500";
};

struct TrainProgress {
  std::int64_t step = 0, total_steps = 0;
  int epoch = 0;
  double loss = 0, lr = 0, images_per_s = 0;
};

struct TrainResult {
  std::int64_t steps = 0;
  int epochs_done = 0;
  double final_loss = 0;      // mean loss over the last 50 steps (with the penalty, when on)
  double final_penalty = 0;   // the conservative regulariser's share of it (NaN when off)
  double images_per_s = 0;    // this run's throughput (all processes)
  std::string distributed = "none";  // how gradients were averaged: none (one process) | gloo | nccl
  std::int64_t parameters = 0;
  bool interrupted = false;   // stopped on request, checkpoint saved
  std::string checkpoint;
  std::vector<std::string> images;  // PNG grids written
};

using ProgressFn = std::function<void(const TrainProgress&)>;
using StopFn = std::function<bool()>;  // polled once per step: true saves and stops

// Diffusion model (pixel or latent). Throws std::invalid_argument / DatasetError /
// std::runtime_error with a message naming the option or file.
TrainResult train_diffusion(const TrainOptions& opt, const ProgressFn& progress = {}, const StopFn& stop = {});

struct VaeOptions {
  DatasetSpec data;
  std::string out_dir;
  bool resume = false;
  int epochs = 1;
  std::int64_t max_steps = 0;
  int batch = 128;
  double lr = 1e-3;
  double beta = 1.0;         // KL weight
  int width = 32;
  int latent_channels = 4;
  std::string device = "auto";
  int threads = 0;
  std::uint64_t seed = 0;
  std::int64_t checkpoint_every = 1000;
};
TrainResult train_vae(const VaeOptions& opt, const ProgressFn& progress = {}, const StopFn& stop = {});

// The feature network of the Frechet distance: trained on the dataset's labels (or, without
// labels, to predict which of 4 rotations was applied).
struct FeatureOptions {
  DatasetSpec data;
  std::string out_dir;
  int epochs = 2;
  int batch = 128;
  double lr = 1e-3;
  int width = 32;
  std::string device = "auto";
  int threads = 0;
  std::uint64_t seed = 0;
};
struct FeatureResult {
  double accuracy = 0;  // on the test split (or the training set when there is none)
  std::string checkpoint;
};
FeatureResult train_features(const FeatureOptions& opt, const ProgressFn& progress = {});

struct SampleOptions {
  std::string ckpt;             // run folder or its checkpoint.pt
  std::string sampler = "ode-heun";
  int steps = 100;
  std::string grid = "k";       // k|t (engine TimeGrid)
  int n = 64;
  std::uint64_t seed = 0;
  bool ema = true;              // use the EMA weights
  std::string device = "auto";
  int threads = 0;
  int batch = 256;              // images per network call
};
// Samples n images; pixels in [0, 255], (n, C, H, W) row-major.
struct Images {
  int n = 0, channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;
};
Images sample_images(const SampleOptions& opt, const ProgressFn& progress = {});
// A grid of images (cols per row; 0: ~square) as a PNG, written atomically.
void save_grid_png(const Images& images, const std::string& path, int cols = 0);

struct EvalOptions {
  SampleOptions sample;      // n is the number of generated images compared
  std::string features;      // feature-network folder or checkpoint (train_features)
  DatasetSpec data;          // the reference set (default: the run's dataset, test split)
  std::int64_t nn_train = 10000;  // training images searched for nearest neighbours
};
struct EvalResult {
  double frechet = 0;            // generated vs the reference split
  double frechet_floor = 0;      // training split vs the reference split (same sizes): the floor
  double nn_mean = 0;            // mean L2 (pixels in [-1, 1]) from a generated image to its nearest training image
  double nn_floor = 0;           // the same for reference (held-out) images: what "novel" looks like
  int n = 0;
};
EvalResult evaluate(const EvalOptions& opt, const ProgressFn& progress = {});

// ---- image-scale diagnostics (the engine's time sweep through a VectorField over the network)
//
// The field: a `wgflab train` run (EMA weights; latent runs are diagnosed in their latent
// space) or a TorchScript model file taking (x (B, C, H, W) float, t (B,) float: the OU time of
// `schedule`) and returning eps or the score, shaped like x. The truth: the exact score of the
// empirical training set (wgf::EmpiricalDensity: a Gaussian mixture centred at m(t) x_i),
// from which the sweep also draws its x0.
struct DiagnoseOptions {
  DiagnoseOptions() { sweep.max_batch = 0; }
  std::string ckpt;                  // run folder or checkpoint.pt, or:
  std::string model;                 // TorchScript file
  std::vector<int> input_shape;      // C,H,W (with model)
  std::string output = "eps";        // with model: eps|score
  std::string schedule = "cosine";   // with model: cosine|linear|ve
  DatasetSpec data;                  // empty name: the run's own dataset (train split)
  std::int64_t truth_images = 10000; // training images in the empirical score (0: all)
  SweepConfig sweep;                 // k values, samples, path kinds and sizes, |I|, seed;
                                     // max_batch = images per network call, 0: by device
                                     // (kCpuBatch on CPU, kCudaBatch on CUDA)
  int fd_samples = 8;                // samples per k for the JVP vs finite-difference check
  int workers = 0;                   // k values swept at once on host threads; 0: 1 on CPU (the
                                     // network uses every core), kCudaWorkers on CUDA
  bool ema = true;
  std::string device = "auto";
  int threads = 0;
};
// Images per network call of a diagnose sweep when sweep.max_batch is 0. On a CPU the U-Net
// runs fastest in small batches whose activations stay in cache (tiny MNIST U-Net, 2 threads:
// 1,700 images/s at 64 against 740 at 1,000, bench/images/README.md); a GPU wants the
// largest batch that fits (not measured here: no GPU was lent to this project yet).
constexpr int kCpuBatch = 64;
constexpr int kCudaBatch = 4096;
// Sweep workers on CUDA: the engine builds each k's paths and exact scores on the CPU in
// float64 (13.7 s per k at the full per-k sizes on one core here, measured with a zero-cost
// model), so several k run at once to keep the GPU fed. Unmeasured on a GPU.
constexpr int kCudaWorkers = 8;

struct DiagnoseResult {
  std::vector<SweepRow> rows;
  std::vector<double> jacobian_fd_rel;  // per row: ||J_jvp - J_fd||_F / ||J_jvp||_F on fd_samples samples
  std::string field, truth;             // descriptions
  std::vector<int> shape;               // C, H, W of the field's space
  std::string schedule;
  bool exact_jvp = false;               // forward-mode AD (else central differences)
  int batch = 0;                        // images per network call (sweep.max_batch, resolved)
  int workers = 0;                      // k values swept at once (resolved)
};
// progress(done, total) after each k; return false to stop early (rows so far are returned).
DiagnoseResult diagnose_images(const DiagnoseOptions& opt, const std::function<bool(int, int)>& progress = {});

}  // namespace wgf::gpu
