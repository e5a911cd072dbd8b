// Training loops of the image module: the diffusion U-Net (pixel or VAE-latent space), the
// VAE, and the feature network of the Frechet distance.
//
// Diffusion loss (paper Eq. 16, the engine's DSM with its weightings, per pixel):
//   k ~ Unif{1..T}, eps ~ N(0, I), x_t = m(t_k) x0 + sigma(t_k) eps,
//   L = lambda(k) / D * || s_theta(x_t, t_k) + eps / sigma(t_k) ||^2,
// where s_theta = -NN / sigma_k for the eps output (so lambda = sigma^2, "eps", is DDPM's
// || NN - eps ||^2 / D) and s_theta = NN for the score output. m, sigma, t_k and lambda come
// from engine/ (Schedule, dsm_weights) as lookup tables: no schedule math is repeated here.
//
// Determinism: the batch order of epoch e is a permutation drawn from Generator(seed + e);
// k and eps come from one CPU generator whose state is checkpointed, so --resume continues
// bit for bit. With world > 1 every process draws the whole global batch's k and eps and
// keeps its own rows, and gradients are averaged with c10d all-reduce: the result equals
// one process with the same global batch up to float summation order.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <stdexcept>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL  // set by gpu/torch.cmake when the LibTorch found has CUDA
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "internal.hpp"
#include "wgf/dsm.hpp"

namespace wgf::gpu {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// ---- learning-rate schedules (lr multiplier at step s of total)
double lr_factor(const std::string& kind, std::int64_t s, std::int64_t total, std::int64_t warmup) {
  const double u = total > 0 ? std::min(1.0, static_cast<double>(s) / static_cast<double>(total)) : 0.0;
  constexpr double kPi = 3.14159265358979323846;
  if (kind == "onecycle") {  // PyTorch OneCycleLR defaults: 30% up from 1/25, cosine down to 1/2.5e4
    const double up = 0.3;
    if (u < up) return 1.0 / 25 + (1 - 1.0 / 25) * 0.5 * (1 - std::cos(kPi * u / up));
    return 1.0 / 2.5e4 + (1 - 1.0 / 2.5e4) * 0.5 * (1 + std::cos(kPi * (u - up) / (1 - up)));
  }
  const double warm = warmup > 0 ? std::min(1.0, static_cast<double>(s + 1) / static_cast<double>(warmup)) : 1.0;
  if (kind == "constant") return warm;
  if (kind == "cosine") return warm * (0.01 + 0.99 * 0.5 * (1 + std::cos(kPi * u)));
  throw std::invalid_argument("--lr-schedule must be cosine, onecycle or constant, got '" + kind + "'");
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) {
    if (auto* a = dynamic_cast<torch::optim::AdamWOptions*>(&g.options())) a->lr(lr);
    if (auto* a = dynamic_cast<torch::optim::AdamOptions*>(&g.options())) a->lr(lr);
  }
}

// The batch order of epoch e: a permutation of 0..n-1 from its own generator, so a resumed
// run (and every process of a data-parallel one) sees the same order.
torch::Tensor epoch_permutation(std::uint64_t seed, int epoch, std::int64_t n) {
  at::Generator g = at::detail::createCPUGenerator(seed * 1000003ULL + static_cast<std::uint64_t>(epoch) + 1);
  return torch::randperm(n, g, torch::kInt64);
}

// ---- data-parallel gradients over c10d
// The EMA decay for the update after `updates` optimiser steps: the configured decay, warmed up
// as min(decay, (1 + n) / (10 + n)). A constant 0.999 would leave 0.999^n of the initial
// weights in the average — 66% after 420 steps — so a short run's EMA network (what sample,
// eval and diagnose use) would be mostly untrained; with the warm-up the initial weights'
// share after n steps is prod (1 + i)/(10 + i) ~ 9!/n^9 until the decay caps.
double ema_decay(double decay, std::int64_t updates) {
  const double n = static_cast<double>(updates);
  return std::min(decay, (1.0 + n) / (10.0 + n));
}

class DataParallel {
 public:
  // Processes exchange through LibTorch's c10d: a TCPStore on rank 0 for the rendezvous, then
  // NCCL when the model is on CUDA and this LibTorch has it (gradients reduced in GPU memory),
  // Gloo otherwise (CUDA gradients staged through host memory).
  DataParallel(int world, int rank, const std::string& master, torch::Device device)
      : world_(world), rank_(rank), device_(device) {
    if (world < 1 || rank < 0 || rank >= world)
      throw std::invalid_argument("distributed: need 0 <= rank < world, got rank " + std::to_string(rank) + " of " +
                                  std::to_string(world));
    if (world == 1) return;
    const auto colon = master.rfind(':');
    if (colon == std::string::npos || colon == 0)
      throw std::invalid_argument("--master '" + master + "': expected HOST:PORT");
    ::c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(std::stoi(master.substr(colon + 1)));
    so.isServer = rank == 0;
    so.numWorkers = world;
    so.timeout = std::chrono::seconds(120);
    auto store = c10::make_intrusive<::c10d::TCPStore>(master.substr(0, colon), so);
#ifdef USE_C10D_NCCL
    if (device.is_cuda()) {
      nccl_ = c10::make_intrusive<::c10d::ProcessGroupNCCL>(store, rank, world);
      return;
    }
#endif
    auto opts = ::c10d::ProcessGroupGloo::Options::create();
    opts->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForHostname(master.substr(0, colon)));
    opts->timeout = std::chrono::seconds(300);
    gloo_ = c10::make_intrusive<::c10d::ProcessGroupGloo>(store, rank, world, opts);
  }
  int world() const { return world_; }
  int rank() const { return rank_; }
  const char* backend() const { return world_ == 1 ? "none" : reduces_on_device() ? "nccl" : "gloo"; }
  // Averages the gradients of params across processes (one flat bucket).
  void average_gradients(const std::vector<torch::Tensor>& params) {
    if (world_ == 1) return;
    std::vector<torch::Tensor> grads;
    for (const auto& p : params) grads.push_back(p.grad().flatten());
    torch::Tensor flat = torch::cat(grads).to(reduce_device());
    all_reduce_sum(flat);
    flat = flat.div_(world_).to(params.front().device());
    std::int64_t o = 0;
    for (const auto& p : params) {
      p.grad().copy_(flat.narrow(0, o, p.numel()).view_as(p));
      o += p.numel();
    }
  }
  // Sums a few scalars over processes in one all-reduce (the logged loss, the stop flag).
  std::vector<double> sum(std::vector<double> v) {
    if (world_ == 1) return v;
    torch::Tensor io = torch::tensor(v, torch::kFloat64).to(reduce_device());
    all_reduce_sum(io);
    io = io.to(torch::kCPU);
    const double* p = io.data_ptr<double>();
    return std::vector<double>(p, p + v.size());
  }
  void barrier() {
    if (world_ == 1) return;
#ifdef USE_C10D_NCCL
    if (nccl_) {
      nccl_->barrier()->wait();
      return;
    }
#endif
    gloo_->barrier()->wait();
  }

 private:
  bool reduces_on_device() const {
#ifdef USE_C10D_NCCL
    return static_cast<bool>(nccl_);
#else
    return false;
#endif
  }
  torch::Device reduce_device() const { return reduces_on_device() ? device_ : torch::Device(torch::kCPU); }
  void all_reduce_sum(torch::Tensor& t) {
    std::vector<torch::Tensor> io{t};
#ifdef USE_C10D_NCCL
    if (nccl_) {
      nccl_->allreduce(io)->wait();
      return;
    }
#endif
    gloo_->allreduce(io)->wait();
  }

  int world_, rank_;
  torch::Device device_;
  c10::intrusive_ptr<::c10d::ProcessGroupGloo> gloo_;
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<::c10d::ProcessGroupNCCL> nccl_;
#endif
};

// ---- the loop shell shared by the trainers: steps, epochs, LR, progress, stop, CSV, checkpoints
struct LoopState {
  std::int64_t step = 0;  // optimiser steps done
  int epoch = 0;          // epochs fully done
};

class LossLog {
 public:
  // Opens RUN_DIR/loss.csv; on resume keeps only the rows with step <= keep_upto.
  LossLog(const std::string& path, bool resume, std::int64_t keep_upto, bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    std::string kept = "step,epoch,loss,lr,images_per_s\n";
    if (resume && fs::exists(path)) {
      std::ifstream in(path);
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (std::stoll(line.substr(0, line.find(','))) <= keep_upto) kept += line + "\n";
      }
    }
    write_text_file_atomic(path, kept);
    out_.open(path, std::ios::app);
  }
  void row(std::int64_t step, int epoch, double loss, double lr, double ips) {
    if (!enabled_) return;
    out_ << step << ',' << epoch << ',' << loss << ',' << lr << ',' << ips << '\n';
  }
  void flush() {
    if (enabled_) out_.flush();
  }

 private:
  bool enabled_;
  std::ofstream out_;
};

void prepare_out_dir(const std::string& dir, bool resume) {
  if (dir.empty()) throw std::invalid_argument("--out: a run folder is required");
  if (resume) {
    if (!fs::is_regular_file(fs::path(dir) / "checkpoint.pt"))
      throw std::invalid_argument("--resume: '" + dir + "' holds no checkpoint.pt to resume from");
    return;
  }
  if (fs::exists(fs::path(dir) / "checkpoint.pt"))
    throw std::invalid_argument("--out '" + dir + "' already holds a run (checkpoint.pt): pass --resume to continue it, or another folder");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::invalid_argument("--out '" + dir + "': cannot create the folder");
}

Json spec_json(const DatasetSpec& d) {
  return {{"name", d.name},
          {"dir", d.dir},
          {"split", d.split == Split::Train ? "train" : d.split == Split::Test ? "test" : "all"},
          {"image_size", d.image_size},
          {"max_images", d.max_images}};
}

DatasetSpec spec_from_json(const Json& j) {
  DatasetSpec d;
  d.name = j.at("name").get<std::string>();
  d.dir = j.at("dir").get<std::string>();
  d.split = parse_split(j.at("split").get<std::string>());
  d.image_size = j.at("image_size").get<int>();
  d.max_images = j.at("max_images").get<std::int64_t>();
  return d;
}

// The U-Net preset for a dataset (sizes from the paper's MNIST model: ~1M parameters).
UNetConfig unet_preset(const std::string& dataset, int channels, int size, const NetOptions& net) {
  UNetConfig c;
  c.channels = channels;
  c.size = size;
  if (dataset == "cifar10") {
    c.base = 64;
    c.mult = {1, 2, 2, 2};
  } else if (dataset == "celeba") {
    c.base = 64;
    c.mult = {1, 1, 2, 2, 4};
  } else {
    c.base = 48;
    c.mult = size % 4 == 0 ? std::vector<int>{1, 2, 2} : std::vector<int>{1, 2};
  }
  if (net.base > 0) c.base = net.base;
  if (!net.mult.empty()) c.mult = net.mult;
  if (net.blocks > 0) c.blocks = net.blocks;
  c.expand = net.expand;
  c.temb = net.temb;
  c.validate();
  return c;
}

double tail_mean(const std::vector<double>& v, size_t n) {
  if (v.empty()) return NAN;
  const size_t k = std::min(n, v.size());
  double s = 0;
  for (size_t i = v.size() - k; i < v.size(); ++i) s += v[i];
  return s / static_cast<double>(k);
}

struct Table {  // the engine's schedule and weights as device lookup tables indexed by k
  torch::Tensor t, m, sigma, lambda;
};

Table schedule_table(const Schedule& s, Weighting w, torch::Device dev) {
  const int T = s.T();
  const std::vector<double> lam = dsm_weights(s, w);
  std::vector<double> t(T + 1), m(T + 1), sg(T + 1);
  for (int k = 0; k <= T; ++k) {
    t[static_cast<size_t>(k)] = s.time(k);
    m[static_cast<size_t>(k)] = s.mean_coef(s.time(k));
    sg[static_cast<size_t>(k)] = s.sigma(s.time(k));
  }
  auto tab = [&](const std::vector<double>& v) { return torch::tensor(v, torch::kFloat64).to(torch::kFloat32).to(dev); };
  return {tab(t), tab(m), tab(sg), tab(lam)};
}

// A latent run's VAE: where it came from and the latent scale.
struct Latents {
  double scale = 1;  // model space = VAE posterior mean * scale (unit variance over the set)
  VaeConfig vae_config;
  std::string vae_ckpt;
};

Vae load_vae(const std::string& run_or_ckpt, torch::Device dev, VaeConfig* cfg_out, std::string* path_out) {
  const std::string path = checkpoint_path(run_or_ckpt);
  torch::serialize::InputArchive ar;
  load_archive(ar, path);
  if (read_string(ar, "kind", path) != "vae")
    throw std::invalid_argument("--vae '" + path + "' is not a VAE checkpoint (wgflab train-vae)");
  const VaeConfig cfg = vae_config_from_json(Json::parse(read_string(ar, "config", path)).at("vae"));
  Vae vae(cfg);
  torch::serialize::InputArchive w;
  if (!ar.try_read("model", w)) throw std::runtime_error("checkpoint '" + path + "': missing the VAE weights");
  vae->load(w);
  vae->to(dev);
  vae->eval();
  if (cfg_out) *cfg_out = cfg;
  if (path_out) *path_out = path;
  return vae;
}

// The rotation pretext task of an unlabelled set: image i turned by r_i * 90 degrees, label r_i.
std::pair<torch::Tensor, torch::Tensor> rotated(const torch::Tensor& x, at::Generator& gen) {
  const torch::Tensor r = torch::randint(0, 4, {x.size(0)}, gen, torch::kInt64);
  std::vector<torch::Tensor> rows;
  for (std::int64_t i = 0; i < x.size(0); ++i) rows.push_back(torch::rot90(x[i], r[i].item<std::int64_t>(), {1, 2}));
  return {torch::stack(rows), r};
}

}  // namespace

torch::Tensor asymmetry_estimate(const torch::Tensor& out, const torch::Tensor& x, const torch::Tensor& u,
                                 const torch::Tensor& v) {
  // J^T u and J^T v by two vector-Jacobian products (samples are independent, so one VJP of
  // the batch gives every sample's); u^T J v = (J^T u) . v and v^T J u = (J^T v) . u.
  const auto ju = torch::autograd::grad({out}, {x}, {u}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  const auto jv = torch::autograd::grad({out}, {x}, {v}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  const torch::Tensor d = (ju * v).flatten(1).sum(1) - (jv * u).flatten(1).sum(1);
  return d * d;
}

// ================================================================ diffusion

namespace {
TrainResult train_diffusion_impl(const TrainOptions& given, const ProgressFn& progress, const StopFn& stop) {
  prepare_out_dir(given.out_dir, given.resume);
  const std::string ckpt = (fs::path(given.out_dir) / "checkpoint.pt").string();
  TrainOptions opt = given;
  Json saved;
  if (opt.resume) {  // the run's own options, except how long to run and where
    torch::serialize::InputArchive ar;
    load_archive(ar, ckpt);
    saved = Json::parse(read_string(ar, "config", ckpt));
    opt.data = spec_from_json(saved.at("data"));
    opt.vae = saved.at("vae_path").get<std::string>();
    opt.batch = saved.at("batch").get<int>();
    opt.lr = saved.at("lr").get<double>();
    opt.weight_decay = saved.at("weight_decay").get<double>();
    opt.lr_schedule = saved.at("lr_schedule").get<std::string>();
    opt.warmup = saved.at("warmup").get<std::int64_t>();
    opt.ema = saved.at("ema").get<double>();
    opt.grad_clip = saved.at("grad_clip").get<double>();
    opt.weighting = saved.at("weighting").get<std::string>();
    opt.output = saved.at("output").get<std::string>();
    opt.schedule = saved.at("schedule").get<std::string>();
    opt.seed = saved.at("seed").get<std::uint64_t>();
    opt.precision = saved.at("precision").get<std::string>();
    opt.jac_reg = saved.value("jac_reg", 0.0);
    if (opt.world != saved.value("world", 1))
      throw std::invalid_argument("--resume: the run was trained with " + std::to_string(saved.value("world", 1)) +
                                  " process(es); resume it with the same --nproc");
  }
  if (opt.epochs < 1) throw std::invalid_argument("--epochs must be >= 1");
  if (opt.batch < 1 || opt.batch % opt.world != 0)
    throw std::invalid_argument("--batch must be >= 1 and divisible by the number of processes (" +
                                std::to_string(opt.world) + ")");
  if (!(opt.lr > 0)) throw std::invalid_argument("--lr must be > 0");
  if (!(opt.ema >= 0 && opt.ema < 1)) throw std::invalid_argument("--ema must be in [0, 1)");
  if (!(opt.jac_reg >= 0) || !std::isfinite(opt.jac_reg)) throw std::invalid_argument("--jac-reg must be a number >= 0");
  if (opt.output != "eps" && opt.output != "score") throw std::invalid_argument("--output must be eps or score");
  if (opt.precision != "auto" && opt.precision != "fp32" && opt.precision != "bf16" && opt.precision != "fp16")
    throw std::invalid_argument("--precision must be auto, fp32, bf16 or fp16");
  const Weighting weighting = parse_weighting(opt.weighting);
  const std::shared_ptr<const Schedule> schedule = make_schedule(opt.schedule);
  lr_factor(opt.lr_schedule, 0, 1, opt.warmup);  // validates the name

  init_runtime(opt.threads);
  const torch::Device dev = resolve_device(opt.device);
  const bool autocast = dev.is_cuda() && opt.precision != "fp32";
  const auto ac_dtype = opt.precision == "fp16" ? at::kHalf : at::kBFloat16;
  DataParallel dp(opt.world, opt.rank, opt.master, dev);
  const bool lead = dp.rank() == 0;

  // Data (pixels as uint8, or VAE latents as float) and the model's space.
  const ImageSet set = load_dataset(opt.data);
  torch::Tensor store;  // (N, C, S, S)
  Latents lat;
  // The VAE of a latent run, read once: on the device (encoding, epoch grids) and, for the
  // checkpoints, on the CPU (a checkpoint must load on a machine without the GPU).
  Vae vae{nullptr}, vae_cpu{nullptr};
  if (!opt.vae.empty()) {
    vae = load_vae(opt.vae, dev, &lat.vae_config, &lat.vae_ckpt);
    vae_cpu = dev.is_cpu() ? vae : load_vae(opt.vae, torch::kCPU, nullptr, nullptr);
    if (lat.vae_config.channels != set.channels || lat.vae_config.size != set.height)
      throw std::invalid_argument("--vae: trained on " + std::to_string(lat.vae_config.channels) + "x" +
                                  std::to_string(lat.vae_config.size) + " images, the dataset has " +
                                  std::to_string(set.channels) + "x" + std::to_string(set.height));
    const torch::Tensor z = encode_means(vae, images_tensor(set), dev);
    lat.scale = opt.resume ? saved.at("latent").at("scale").get<double>() : 1.0 / z.std().item<double>();
    store = (z * lat.scale).contiguous();
  } else {
    store = images_tensor(set);
  }
  const bool pixels = store.scalar_type() == torch::kUInt8;
  if (dev.is_cuda()) store = store.to(dev);  // the whole set on the GPU (MNIST 47 MB, CelebA-64 2.4 GB)
  const std::int64_t N = store.size(0);
  if (N < opt.batch)
    throw std::invalid_argument("--batch " + std::to_string(opt.batch) + " is larger than the dataset (" +
                                std::to_string(N) + " images)");

  const UNetConfig ucfg = opt.resume ? unet_config_from_json(saved.at("unet"))
                                     : unet_preset(opt.data.name, static_cast<int>(store.size(1)),
                                                   static_cast<int>(store.size(2)), opt.net);
  torch::manual_seed(opt.seed);  // the initial weights
  UNet net(ucfg);
  net->to(dev);
  const std::vector<torch::Tensor> params = net->parameters();
  torch::optim::AdamW adam(params, torch::optim::AdamWOptions(opt.lr).weight_decay(opt.weight_decay));
  // The EMA of the weights, kept as a second network (saved and loaded like the model).
  UNet ema_net(ucfg);
  ema_net->to(dev);
  ema_net->eval();
  const std::vector<torch::Tensor> ema = ema_net->parameters();
  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < ema.size(); ++i) ema[i].copy_(params[i]);
  }
  at::Generator gen = at::detail::createCPUGenerator(opt.seed);
  LoopState st;

  Json config = {{"kind", "diffusion"},   {"data", spec_json(opt.data)}, {"vae_path", opt.vae},
                 {"batch", opt.batch},    {"lr", opt.lr},                {"weight_decay", opt.weight_decay},
                 {"lr_schedule", opt.lr_schedule}, {"warmup", opt.warmup}, {"ema", opt.ema},
                 {"grad_clip", opt.grad_clip},     {"weighting", opt.weighting}, {"output", opt.output},
                 {"schedule", opt.schedule},       {"seed", opt.seed},     {"precision", opt.precision},
                 {"world", opt.world},             {"jac_reg", opt.jac_reg}, {"unet", to_json(ucfg)}, {"parameters", count_parameters(*net)},
                 {"dataset_source", set.source},   {"dataset_size", N}};
  if (!opt.vae.empty())
    config["latent"] = {{"vae_config", to_json(lat.vae_config)}, {"scale", lat.scale}, {"vae_checkpoint", lat.vae_ckpt}};

  if (opt.resume) {
    torch::serialize::InputArchive ar;
    load_archive(ar, ckpt);
    torch::serialize::InputArchive m, e, o;
    if (!ar.try_read("model", m) || !ar.try_read("ema", e) || !ar.try_read("optimizer", o))
      throw std::runtime_error("checkpoint '" + ckpt + "': missing model, ema or optimizer state");
    net->load(m);
    ema_net->load(e);
    adam.load(o);
    torch::Tensor rng, step, epoch;
    ar.read("rng", rng);
    ar.read("step", step);
    ar.read("epoch", epoch);
    gen.set_state(rng);
    st.step = step.item<std::int64_t>();
    st.epoch = static_cast<int>(epoch.item<std::int64_t>());
  }

  const std::int64_t per_epoch = N / opt.batch;
  std::int64_t total = per_epoch * opt.epochs;
  if (opt.max_steps > 0) total = std::min(total, opt.max_steps);
  const Table tab = schedule_table(*schedule, weighting, dev);
  const std::int64_t local = opt.batch / opt.world;
  const double inv_d = 1.0 / static_cast<double>(store[0].numel());

  auto save = [&] {
    if (!lead) return;
    torch::serialize::OutputArchive ar, m, e, o;
    net->save(m);
    ema_net->save(e);
    adam.save(o);
    write_string(ar, "kind", "diffusion");
    write_string(ar, "config", config.dump());
    ar.write("model", m);
    ar.write("ema", e);
    ar.write("optimizer", o);
    ar.write("rng", gen.get_state());
    ar.write("step", torch::tensor(st.step, torch::kInt64));
    ar.write("epoch", torch::tensor(static_cast<std::int64_t>(st.epoch), torch::kInt64));
    if (vae_cpu) {
      torch::serialize::OutputArchive v;
      vae_cpu->save(v);
      ar.write("vae", v);
    }
    save_archive(ar, ckpt);
    write_text_file_atomic((fs::path(opt.out_dir) / "config.json").string(), config.dump(2) + "\n");
  };

  TrainResult res;
  res.parameters = count_parameters(*net);
  res.checkpoint = ckpt;
  LossLog log((fs::path(opt.out_dir) / "loss.csv").string(), opt.resume, st.step, lead);
  std::vector<double> losses, penalties;
  if (!opt.resume) save();  // step 0: a resumable run exists from the start

  // The model the epoch grids sample: the EMA network (or the raw one), as sample_images sees it.
  LoadedModel lm;
  lm.config = config;
  lm.net = opt.ema > 0 ? ema_net : net;
  lm.schedule = schedule;
  lm.eps_output = opt.output == "eps";
  lm.device = dev;
  lm.bf16 = autocast && ac_dtype == at::kBFloat16;
  lm.fp16 = autocast && ac_dtype == at::kHalf;
  lm.vae = vae;
  lm.latent_scale = lat.scale;
  auto epoch_grid = [&](int epoch) {
    if (!lead || opt.grid < 1) return;
    const bool was_training = net->is_training();
    net->eval();
    SamplerConfig sc;
    sc.kind = SamplerKind::OdeHeun;
    sc.steps = std::min(opt.grid_steps, schedule->T() - 1);
    at::Generator g = at::detail::createCPUGenerator(opt.seed + 7777);  // the same start every epoch
    const torch::Tensor x = run_sampler(lm, sc, opt.grid, 256, g);
    char name[64];
    std::snprintf(name, sizeof name, "samples_epoch_%03d.png", epoch);
    const std::string path = (fs::path(opt.out_dir) / name).string();
    save_grid_png(to_images(to_pixels(lm, x)), path);
    res.images.push_back(path);
    if (was_training) net->train();
  };

  net->train();
  const auto t_start = Clock::now();
  std::int64_t images_done = 0;
  auto t_last = t_start;
  std::int64_t last_step = st.step;
  while (st.step < total) {
    const int e = static_cast<int>(st.step / per_epoch);
    const torch::Tensor perm = epoch_permutation(opt.seed, e, N);
    for (std::int64_t j = st.step % per_epoch; j < per_epoch && st.step < total; ++j) {
      // The global batch's indices, k and eps (every process draws all of it), this rank's rows.
      const torch::Tensor idx_all = perm.narrow(0, j * opt.batch, opt.batch);
      const torch::Tensor k_all = torch::randint(1, schedule->T() + 1, {opt.batch}, gen, torch::kInt64);
      std::vector<std::int64_t> shape{opt.batch};
      for (int d = 1; d < store.dim(); ++d) shape.push_back(store.size(d));
      const torch::Tensor eps_all = torch::randn(shape, gen, torch::kFloat32);
      const std::int64_t r0 = dp.rank() * local;
      const torch::Tensor idx = idx_all.narrow(0, r0, local).to(dev), k = k_all.narrow(0, r0, local).to(dev);
      const torch::Tensor eps = eps_all.narrow(0, r0, local).to(dev, /*non_blocking=*/true);
      torch::Tensor x0 = store.index_select(0, idx);
      x0 = pixels ? to_unit(x0) : x0;
      auto col = [&](const torch::Tensor& tab_k) { return tab_k.index_select(0, k).view({local, 1, 1, 1}); };
      const torch::Tensor sig = col(tab.sigma);
      torch::Tensor xt = col(tab.m) * x0 + sig * eps;
      if (opt.channels_last && dev.is_cuda()) xt = xt.contiguous(torch::MemoryFormat::ChannelsLast);
      // Probe pairs of the conservative regulariser (drawn only when it is on, after eps).
      torch::Tensor u, v;
      if (opt.jac_reg > 0) {
        u = torch::randn(shape, gen, torch::kFloat32).narrow(0, r0, local).to(dev);
        v = torch::randn(shape, gen, torch::kFloat32).narrow(0, r0, local).to(dev);
        xt.requires_grad_(true);
      }

      const double lr = opt.lr * lr_factor(opt.lr_schedule, st.step, total, opt.warmup);
      set_lr(adam, lr);
      adam.zero_grad();
      torch::Tensor out;
      {
        AutocastGuard ac(autocast, ac_dtype);
        out = net->forward(xt, tab.t.index_select(0, k)).to(torch::kFloat32);
      }
      // Per-sample || s_theta - s(x_t | x0) ||^2 / D with s(x_t | x0) = -eps / sigma.
      const torch::Tensor score = output_to_score(out, sig, opt.output == "eps");
      const torch::Tensor resid = score + eps / sig;
      const torch::Tensor per = resid.pow(2).flatten(1).sum(1) * inv_d;
      const torch::Tensor lam = tab.lambda.index_select(0, k);
      torch::Tensor loss = (lam * per).mean();
      if (opt.jac_reg > 0) {
        // jac_reg lambda(k) E||J_s - J_s^T||_F^2 / D on the score's Jacobian: the same weighting
        // and per-pixel scale as the loss.
        const torch::Tensor pen = (lam * asymmetry_estimate(score, xt, u, v)).mean() * (opt.jac_reg * inv_d);
        penalties.push_back(pen.item<double>());
        loss = loss + pen;
      }
      loss.backward();
      dp.average_gradients(params);
      if (opt.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, opt.grad_clip);
      adam.step();
      if (opt.ema > 0) {
        torch::NoGradGuard ng;
        const double d = ema_decay(opt.ema, st.step);
        torch::_foreach_mul_(ema, d);  // ema = d ema + (1 - d) theta, one fused pass per list
        torch::_foreach_add_(ema, params, 1.0 - d);
      }
      // One all-reduce: the global mean loss, and whether any process was asked to stop (then
      // every process stops at this same step).
      const std::vector<double> reduced = dp.sum({loss.item<double>(), stop && stop() ? 1.0 : 0.0});
      const double l = reduced[0] / dp.world();
      const bool stopping = reduced[1] > 0;
      if (!std::isfinite(l))
        throw std::runtime_error("training diverged: loss is " + std::to_string(l) + " at step " +
                                 std::to_string(st.step + 1) + " (lower --lr or raise --grad-clip)");
      ++st.step;
      images_done += opt.batch;
      losses.push_back(l);
      const auto now = Clock::now();
      const double dt = std::chrono::duration<double>(now - t_last).count();
      const double ips = dt > 0 ? static_cast<double>((st.step - last_step) * opt.batch) / dt : 0.0;
      if (dt > 0.5) {
        t_last = now;
        last_step = st.step;
      }
      log.row(st.step, e, l, lr, ips);
      if (progress) progress({st.step, total, e, l, lr, ips});
      const bool epoch_end = st.step % per_epoch == 0;
      if (epoch_end) st.epoch = static_cast<int>(st.step / per_epoch);
      if (epoch_end || stopping || st.step == total || st.step % opt.checkpoint_every == 0) {
        log.flush();
        save();
      }
      if (epoch_end) epoch_grid(st.epoch);
      if (stopping) {
        res.interrupted = true;
        break;
      }
    }
    if (res.interrupted) break;
  }
  if (!res.interrupted && st.step % per_epoch != 0 && res.images.empty() && st.step == total) epoch_grid(st.epoch + 1);
  dp.barrier();
  const double secs = std::chrono::duration<double>(Clock::now() - t_start).count();
  res.steps = st.step;
  res.epochs_done = st.epoch;
  res.final_loss = tail_mean(losses, 50);
  res.final_penalty = tail_mean(penalties, 50);
  res.images_per_s = secs > 0 ? static_cast<double>(images_done) / secs : 0.0;
  res.distributed = dp.backend();
  return res;
}

}  // namespace

// ================================================================ VAE

namespace {
TrainResult train_vae_impl(const VaeOptions& given, const ProgressFn& progress, const StopFn& stop) {
  prepare_out_dir(given.out_dir, given.resume);
  const std::string ckpt = (fs::path(given.out_dir) / "checkpoint.pt").string();
  VaeOptions opt = given;
  Json saved;
  if (opt.resume) {
    torch::serialize::InputArchive ar;
    load_archive(ar, ckpt);
    saved = Json::parse(read_string(ar, "config", ckpt));
    opt.data = spec_from_json(saved.at("data"));
    opt.batch = saved.at("batch").get<int>();
    opt.lr = saved.at("lr").get<double>();
    opt.beta = saved.at("beta").get<double>();
    opt.seed = saved.at("seed").get<std::uint64_t>();
  }
  if (opt.epochs < 1 || opt.batch < 1 || !(opt.lr > 0) || !(opt.beta >= 0))
    throw std::invalid_argument("train-vae: --epochs, --batch >= 1, --lr > 0 and --beta >= 0 expected");
  init_runtime(opt.threads);
  const torch::Device dev = resolve_device(opt.device);
  const ImageSet set = load_dataset(opt.data);
  torch::Tensor store = images_tensor(set);
  if (dev.is_cuda()) store = store.to(dev);
  const std::int64_t N = store.size(0);
  if (N < opt.batch) throw std::invalid_argument("--batch is larger than the dataset (" + std::to_string(N) + " images)");
  VaeConfig vc;
  vc.channels = set.channels;
  vc.size = set.height;
  vc.width = opt.width;
  vc.latent_channels = opt.latent_channels;
  if (opt.resume) vc = vae_config_from_json(saved.at("vae"));
  if (set.height != set.width) throw std::invalid_argument("train-vae: square images expected");
  torch::manual_seed(opt.seed);
  Vae vae(vc);
  vae->to(dev);
  const auto params = vae->parameters();
  torch::optim::Adam adam(params, torch::optim::AdamOptions(opt.lr));
  at::Generator gen = at::detail::createCPUGenerator(opt.seed);
  LoopState st;
  const Json config = {{"kind", "vae"}, {"data", spec_json(opt.data)}, {"batch", opt.batch}, {"lr", opt.lr},
                       {"beta", opt.beta}, {"seed", opt.seed}, {"vae", to_json(vc)},
                       {"parameters", count_parameters(*vae)}, {"dataset_source", set.source}};
  if (opt.resume) {
    torch::serialize::InputArchive ar, m, o;
    load_archive(ar, ckpt);
    if (!ar.try_read("model", m) || !ar.try_read("optimizer", o))
      throw std::runtime_error("checkpoint '" + ckpt + "': missing model or optimizer state");
    vae->load(m);
    adam.load(o);
    torch::Tensor rng, step;
    ar.read("rng", rng);
    ar.read("step", step);
    gen.set_state(rng);
    st.step = step.item<std::int64_t>();
  }
  const std::int64_t per_epoch = N / opt.batch;
  std::int64_t total = per_epoch * opt.epochs;
  if (opt.max_steps > 0) total = std::min(total, opt.max_steps);
  auto save = [&] {
    torch::serialize::OutputArchive ar, m, o;
    vae->save(m);
    adam.save(o);
    write_string(ar, "kind", "vae");
    write_string(ar, "config", config.dump());
    ar.write("model", m);
    ar.write("optimizer", o);
    ar.write("rng", gen.get_state());
    ar.write("step", torch::tensor(st.step, torch::kInt64));
    save_archive(ar, ckpt);
    write_text_file_atomic((fs::path(opt.out_dir) / "config.json").string(), config.dump(2) + "\n");
  };
  TrainResult res;
  res.parameters = count_parameters(*vae);
  res.checkpoint = ckpt;
  LossLog log((fs::path(opt.out_dir) / "loss.csv").string(), opt.resume, st.step, true);
  if (!opt.resume) save();
  std::vector<double> losses;
  const auto t0 = Clock::now();
  std::int64_t images_done = 0;
  vae->train();
  auto recon_png = [&](int epoch) {
    torch::NoGradGuard ng;
    vae->eval();
    const torch::Tensor x = to_unit(store.narrow(0, 0, std::min<std::int64_t>(16, N)));
    const torch::Tensor y = vae->decode(vae->encode(x).first);
    char name[64];
    std::snprintf(name, sizeof name, "vae_recon_epoch_%03d.png", epoch);
    const std::string path = (fs::path(opt.out_dir) / name).string();
    save_grid_png(to_images(torch::cat({x.cpu(), y.cpu()}, 0)), path, static_cast<int>(x.size(0)));
    res.images.push_back(path);
    vae->train();
  };
  while (st.step < total) {
    const int e = static_cast<int>(st.step / per_epoch);
    const torch::Tensor perm = epoch_permutation(opt.seed, e, N);
    for (std::int64_t j = st.step % per_epoch; j < per_epoch && st.step < total; ++j) {
      const torch::Tensor x = to_unit(store.index_select(0, perm.narrow(0, j * opt.batch, opt.batch).to(dev)));
      const auto [mu, logvar] = vae->encode(x);
      const torch::Tensor noise = torch::randn(mu.sizes(), gen, torch::kFloat32).to(dev);
      const torch::Tensor z = mu + torch::exp(0.5 * logvar) * noise;
      const torch::Tensor logits = vae->decode_logits(z);
      // -ELBO per image: Bernoulli likelihood of the pixels in [0, 1] + beta KL(q(z|x) || N(0, I)).
      const torch::Tensor target = (x + 1) * 0.5;
      const torch::Tensor rec = torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::Sum);
      const torch::Tensor kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum();
      const torch::Tensor loss = (rec + opt.beta * kl) / static_cast<double>(x.size(0));
      adam.zero_grad();
      loss.backward();
      adam.step();
      const double l = loss.item<double>();
      if (!std::isfinite(l)) throw std::runtime_error("VAE training diverged at step " + std::to_string(st.step + 1));
      ++st.step;
      images_done += opt.batch;
      losses.push_back(l);
      log.row(st.step, e, l, opt.lr, 0.0);
      if (progress) progress({st.step, total, e, l, opt.lr, 0.0});
      const bool epoch_end = st.step % per_epoch == 0;
      const bool stopping = stop && stop();
      if (epoch_end || stopping || st.step == total || st.step % opt.checkpoint_every == 0) {
        log.flush();
        save();
      }
      if (epoch_end) recon_png(static_cast<int>(st.step / per_epoch));
      if (stopping) {
        res.interrupted = true;
        break;
      }
    }
    if (res.interrupted) break;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  res.steps = st.step;
  res.epochs_done = static_cast<int>(st.step / per_epoch);
  res.final_loss = tail_mean(losses, 50);
  res.images_per_s = secs > 0 ? static_cast<double>(images_done) / secs : 0.0;
  return res;
}

}  // namespace

// ================================================================ feature network

namespace {
FeatureResult train_features_impl(const FeatureOptions& opt, const ProgressFn& progress) {
  prepare_out_dir(opt.out_dir, false);
  if (opt.epochs < 1 || opt.batch < 1 || !(opt.lr > 0))
    throw std::invalid_argument("train-features: --epochs, --batch >= 1 and --lr > 0 expected");
  init_runtime(opt.threads);
  const torch::Device dev = resolve_device(opt.device);
  DatasetSpec train_spec = opt.data, test_spec = opt.data;
  train_spec.split = Split::Train;
  test_spec.split = Split::Test;
  const ImageSet train = load_dataset(train_spec);
  const bool labelled = !train.labels.empty();
  const int classes = labelled ? 1 + *std::max_element(train.labels.begin(), train.labels.end()) : 4;
  torch::manual_seed(opt.seed);
  FeatureNet net(train.channels, classes, opt.width);
  net->to(dev);
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(opt.lr));
  const torch::Tensor X = images_tensor(train);
  const torch::Tensor Y = labelled ? torch::tensor(train.labels, torch::kInt64) : torch::zeros({X.size(0)}, torch::kInt64);
  const std::int64_t N = X.size(0), per_epoch = std::max<std::int64_t>(1, N / opt.batch);
  const std::int64_t total = per_epoch * opt.epochs;
  at::Generator gen = at::detail::createCPUGenerator(opt.seed);
  auto make_batch = [&](const torch::Tensor& idx) {
    torch::Tensor x = to_unit(X.index_select(0, idx)), y = Y.index_select(0, idx);
    if (!labelled) std::tie(x, y) = rotated(x, gen);
    return std::make_pair(x.to(dev), y.to(dev));
  };
  std::int64_t step = 0;
  net->train();
  for (int e = 0; e < opt.epochs; ++e) {
    const torch::Tensor perm = torch::randperm(N, gen, torch::kInt64);
    for (std::int64_t j = 0; j < per_epoch; ++j) {
      const auto [x, y] = make_batch(perm.narrow(0, j * opt.batch, std::min<std::int64_t>(opt.batch, N - j * opt.batch)));
      const torch::Tensor loss = torch::cross_entropy_loss(net->forward(x), y);
      adam.zero_grad();
      loss.backward();
      adam.step();
      ++step;
      if (progress) progress({step, total, e, loss.item<double>(), opt.lr, 0.0});
    }
  }
  // Accuracy on the test split (the training split when the dataset has none).
  ImageSet test;
  try {
    test = load_dataset(test_spec);
  } catch (const DatasetError&) {
    test = train;
  }
  net->eval();
  torch::NoGradGuard ng;
  const torch::Tensor TX = images_tensor(test);
  const torch::Tensor TY = labelled ? torch::tensor(test.labels, torch::kInt64) : torch::zeros({TX.size(0)}, torch::kInt64);
  std::int64_t right = 0, seen = 0;
  for (std::int64_t b0 = 0; b0 < TX.size(0); b0 += 512) {
    const torch::Tensor idx = torch::arange(b0, std::min<std::int64_t>(b0 + 512, TX.size(0)), torch::kInt64);
    torch::Tensor x = to_unit(TX.index_select(0, idx)), y = TY.index_select(0, idx);
    if (!labelled) std::tie(x, y) = rotated(x, gen);
    right += (net->forward(x.to(dev)).argmax(1).cpu() == y).sum().item<std::int64_t>();
    seen += idx.size(0);
  }
  FeatureResult r;
  r.accuracy = static_cast<double>(right) / static_cast<double>(seen);
  r.checkpoint = (fs::path(opt.out_dir) / "checkpoint.pt").string();
  torch::serialize::OutputArchive ar, m;
  net->to(torch::kCPU);
  net->save(m);
  write_string(ar, "kind", "features");
  const Json config = {{"channels", train.channels}, {"classes", classes},  {"width", opt.width},
                       {"labelled", labelled},       {"accuracy", r.accuracy}, {"data", spec_json(opt.data)}};
  write_string(ar, "config", config.dump());
  ar.write("model", m);
  save_archive(ar, r.checkpoint);
  return r;
}

}  // namespace

TrainResult train_diffusion(const TrainOptions& opt, const ProgressFn& progress, const StopFn& stop) {
  return plain_errors([&] { return train_diffusion_impl(opt, progress, stop); });
}
TrainResult train_vae(const VaeOptions& opt, const ProgressFn& progress, const StopFn& stop) {
  return plain_errors([&] { return train_vae_impl(opt, progress, stop); });
}
FeatureResult train_features(const FeatureOptions& opt, const ProgressFn& progress) {
  return plain_errors([&] { return train_features_impl(opt, progress); });
}

}  // namespace wgf::gpu
