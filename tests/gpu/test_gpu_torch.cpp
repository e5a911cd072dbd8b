// The LibTorch image module on the CPU with tiny configurations: the U-Net's shapes and
// parameter count, one step lowering the loss, the tensor sampler against the engine and
// against a Gaussian's exact answer, bit-exact resume, and the CLI's errors and 2-process
// data parallel (c10d Gloo over 127.0.0.1).
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "cli_harness.hpp"
#include "internal.hpp"
#include "nets.hpp"
#include "tiny_run.hpp"
#include "wgf/density.hpp"
#include "wgf/diagnostics.hpp"
#include "wgf/ou.hpp"
#include "wgf/paths.hpp"
#include "wgf/sampler.hpp"
#include "wgf/vector_field.hpp"

using namespace wgf;
using namespace wgf::gpu;
using wgf::test::tiny_run;

namespace {

// Parameters of the architecture described in nets.hpp, counted from its description
// (weights + biases per layer), independently of the module tree.
std::int64_t expected_parameters(const UNetConfig& c) {
  const std::int64_t E = c.temb;
  std::int64_t n = 2 * (E * E + E);                            // time MLP
  n += static_cast<std::int64_t>(c.channels) * c.base * 9 + c.base;  // stem 3x3
  auto block = [&](std::int64_t ci, std::int64_t co) {
    const std::int64_t m = c.expand * co;
    std::int64_t b = 2 * ci + (ci * m + m) + (E * m + m) + 2 * m + (9 * m + m) + 2 * m + (m * co + co);
    if (ci != co) b += ci * co + co;
    return b;
  };
  std::vector<std::int64_t> skips{c.base};
  std::int64_t ch = c.base;
  const size_t L = c.mult.size();
  for (size_t l = 0; l < L; ++l) {
    const std::int64_t co = c.base * c.mult[l];
    for (int b = 0; b < c.blocks; ++b) {
      n += block(ch, co);
      ch = co;
      skips.push_back(ch);
    }
    if (l + 1 < L) {
      n += 9 * ch + ch;  // depthwise stride-2
      skips.push_back(ch);
    }
  }
  n += 2 * block(ch, ch);
  for (size_t l = L; l-- > 0;) {
    const std::int64_t co = c.base * c.mult[l];
    for (int b = 0; b <= c.blocks; ++b) {
      n += block(ch + skips.back(), co);
      skips.pop_back();
      ch = co;
    }
  }
  return n + 2 * ch + (ch * c.channels * 9 + c.channels);
}

UNetConfig tiny(int channels = 1, int size = 8) {
  UNetConfig c;
  c.channels = channels;
  c.size = size;
  c.base = 8;
  c.mult = {1, 2};
  c.blocks = 1;
  c.temb = 16;
  return c;
}

}  // namespace

TEST_CASE("unet: output shape and parameter count of the MNIST preset", "[gpu][fast]") {
  torch::manual_seed(0);
  UNetConfig c;  // the defaults are the MNIST preset: 1 x 28 x 28, base 48, mult 1,2,2, 2 blocks
  UNet net(c);
  const torch::Tensor x = torch::randn({3, 1, 28, 28}), t = torch::tensor({0.01f, 0.5f, 3.0f});
  const torch::Tensor y = net->forward(x, t);
  CHECK(y.sizes() == x.sizes());
  CHECK(count_parameters(*net) == expected_parameters(c));
  // "About 1M parameters at the default width" (the paper's MNIST model).
  CHECK(count_parameters(*net) > 800000);
  CHECK(count_parameters(*net) < 1300000);
  // Zero-initialised head: the untrained network outputs exactly 0 (eps_hat = 0).
  CHECK(y.abs().max().item<float>() == 0.0f);

  for (const auto& [size, mult] : std::vector<std::pair<int, std::vector<int>>>{{32, {1, 2, 2, 2}}, {8, {1, 2}}}) {
    UNetConfig d;
    d.channels = 3;
    d.size = size;
    d.base = 16;
    d.mult = mult;
    UNet n2(d);
    CHECK(n2->forward(torch::randn({2, 3, size, size}), torch::tensor({0.1f, 1.0f})).sizes() ==
          std::vector<std::int64_t>{2, 3, size, size});
    CHECK(count_parameters(*n2) == expected_parameters(d));
  }
  UNetConfig bad = c;
  bad.size = 30;  // not divisible by 4 with three levels
  CHECK_THROWS_WITH(UNet(bad), Catch::Contains("must be divisible by 4"));
}

TEST_CASE("unet: a shared time t of shape (1) gives every image the output of its own t", "[gpu][fast]") {
  // The diagnostics pass one t per call (TorchField's shared_time); it must mean the same as
  // B equal times. Random weights everywhere (the head starts at zero) so all paths carry signal.
  torch::manual_seed(3);
  UNetConfig c;
  c.base = 8;
  c.mult = {1, 2};
  c.blocks = 1;
  UNet net(c);
  {
    torch::NoGradGuard ng;
    for (auto& p : net->parameters()) p.normal_(0.0, 0.2);
  }
  const torch::Tensor x = torch::randn({5, 1, 28, 28});
  for (float t : {0.003f, 0.4f, 2.5f}) {
    torch::NoGradGuard ng;
    const torch::Tensor per_image = net->forward(x, torch::full({5}, t));
    const torch::Tensor shared = net->forward(x, torch::full({1}, t));
    REQUIRE(shared.sizes() == x.sizes());
    const double scale = per_image.abs().max().item<double>();
    CHECK(scale > 1e-3);
    // The same float32 operations on the same values: equal up to kernel-order rounding.
    CHECK((per_image - shared).abs().max().item<double>() <= 1e-6 * scale);
    // Image i of a batch does not depend on the others (GroupNorm, no BatchNorm).
    CHECK((net->forward(x.slice(0, 2, 3), torch::full({1}, t)) - shared.slice(0, 2, 3)).abs().max().item<double>() <=
          1e-6 * scale);
  }
}

TEST_CASE("unet: one AdamW step lowers the DSM loss on a fixed batch", "[gpu][fast]") {
  torch::manual_seed(1);
  UNet net(tiny());
  // Perturb the zero-initialised output convolutions so every parameter has a gradient.
  {
    torch::NoGradGuard ng;
    for (auto& p : net->parameters()) p.add_(torch::randn(p.sizes()) * 0.05);
  }
  const torch::Tensor x0 = torch::rand({16, 1, 8, 8}) * 2 - 1, eps = torch::randn({16, 1, 8, 8});
  const torch::Tensor m = torch::full({16, 1, 1, 1}, std::exp(-0.3)), s = torch::sqrt(1 - m * m);
  const torch::Tensor t = torch::full({16}, 0.3f);
  auto loss = [&] { return (net->forward(m * x0 + s * eps, t) - eps).pow(2).mean(); };
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  const double before = loss().item<double>();
  opt.zero_grad();
  loss().backward();
  opt.step();
  const double after = loss().item<double>();
  INFO("loss " << before << " -> " << after);
  CHECK(after < before);
}

TEST_CASE("tensor sampler: the engine's ODE on doubles, step for step", "[gpu][fast]") {
  // A 2D Gaussian with a full covariance: the engine's exact score, the engine's integrate()
  // on Points vs integrate_tensor on (n, 2) float64 tensors from the same start points.
  GaussianComponent g;
  g.mean = Vec(2);
  g.mean << 0.7, -0.4;
  g.cov = Eigen::MatrixXd(2, 2);
  g.cov << 0.5, 0.2, 0.2, 0.3;
  auto density = std::make_shared<GaussianMixture>("gauss", std::vector<GaussianComponent>{g});
  std::shared_ptr<const Schedule> sch = make_schedule("cosine");
  const ExactScore field(density, sch);
  Rng rng(5);
  Points x0(2, 64);
  sample_normal(rng, x0);
  for (auto kind : {SamplerKind::OdeEuler, SamplerKind::OdeHeun, SamplerKind::OdeRk4}) {
    SamplerConfig cfg;
    cfg.kind = kind;
    cfg.steps = 40;
    Rng r1(1);
    const Points want = integrate(field, *sch, cfg, x0, r1);
    // Points are (D, n) column-major = (n, D) row-major in memory.
    const torch::Tensor start = torch::from_blob(const_cast<double*>(x0.data()), {64, 2}, torch::kFloat64).clone();
    auto score = [&](const torch::Tensor& x, double t) {
      const Points p = Eigen::Map<const Points>(x.contiguous().data_ptr<double>(), 2, x.size(0));
      const Points s = field.eval(p, t);
      return torch::from_blob(const_cast<double*>(s.data()), {x.size(0), 2}, torch::kFloat64).clone();
    };
    at::Generator gen = at::detail::createCPUGenerator(0);
    const torch::Tensor got = integrate_tensor(score, *sch, cfg, start, gen);
    const Points g2 = Eigen::Map<const Points>(got.contiguous().data_ptr<double>(), 2, 64);
    INFO(to_string(kind));
    CHECK((g2 - want).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("tensor sampler: every sampler reaches an isotropic Gaussian's mean and variance", "[gpu][fast]") {
  // Data N(mu, s0^2 I): p_t = N(m mu, (m^2 s0^2 + sigma^2) I), exact score -(x - m mu) / v(t).
  const double mu = 1.5, s0 = 0.5;
  std::shared_ptr<const Schedule> sch = make_schedule("cosine");
  auto score = [&](const torch::Tensor& x, double t) {
    const double m = sch->mean_coef(t), v = m * m * s0 * s0 + std::pow(sch->sigma(t), 2);
    return (x - m * mu) * (-1.0 / v);
  };
  const std::int64_t n = 20000;
  for (auto kind : {SamplerKind::OdeHeun, SamplerKind::Sde, SamplerKind::Ddpm}) {
    SamplerConfig cfg;
    cfg.kind = kind;
    cfg.steps = kind == SamplerKind::OdeHeun ? 100 : 500;
    at::Generator gen = at::detail::createCPUGenerator(3);
    const torch::Tensor x = torch::randn({n, 4}, gen, torch::kFloat64) * sch->sigma(sch->t_max());
    const torch::Tensor out = integrate_tensor(score, *sch, cfg, x, gen);
    const double mean = out.mean().item<double>(), sd = out.std().item<double>();
    // Monte Carlo: 4n values, SE(mean) = s0 / sqrt(4n) = 0.0018, SE(sd) ~ s0 / sqrt(8n) = 0.0013;
    // the SDE/DDPM discretisation at 500 steps and the k_end = 1 stop (sigma_1 ~ 0.006) add
    // less than 0.01.
    INFO(to_string(kind) << ": mean " << mean << " sd " << sd);
    CHECK(std::abs(mean - mu) < 0.02);
    CHECK(std::abs(sd - s0) < 0.02);
  }
}

namespace {

std::vector<torch::Tensor> weights(const std::string& run, bool ema) {
  return load_model(run, ema, "cpu", 1).net->parameters();
}

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("train: interrupted and resumed runs are bit-identical to an uninterrupted one", "[gpu][slow]") {
  cli_test::Sandbox sb;
  const std::string a = (sb / "a").string(), b = (sb / "b").string();
  const TrainResult ra = train_diffusion(tiny_run(a));  // 2 epochs x 4 steps
  CHECK(ra.steps == 8);
  CHECK_FALSE(ra.interrupted);
  CHECK(ra.images.size() == 2);  // one sample grid per epoch
  // b: stopped (as by Ctrl-C) after step 3, mid-epoch, then resumed.
  int polls = 0;
  const TrainResult rb1 = train_diffusion(tiny_run(b), {}, [&] { return ++polls == 3; });
  CHECK(rb1.interrupted);
  CHECK(rb1.steps == 3);
  TrainOptions resume = tiny_run(b);
  resume.resume = true;
  resume.seed = 999;  // ignored: a resumed run keeps its own options
  const TrainResult rb2 = train_diffusion(resume);
  CHECK(rb2.steps == 8);
  // Same losses step by step (the throughput column differs), same weights and EMA, bit for bit.
  auto losses = [&](const std::string& dir) {
    std::vector<std::string> rows;
    std::istringstream in(slurp(dir + "/loss.csv"));
    std::string line;
    while (std::getline(in, line)) rows.push_back(line.substr(0, line.rfind(',')));
    return rows;
  };
  CHECK(losses(a) == losses(b));
  CHECK(losses(a).size() == 9);
  for (bool ema : {false, true}) {
    const auto wa = weights(a, ema), wb = weights(b, ema);
    REQUIRE(wa.size() == wb.size());
    for (size_t i = 0; i < wa.size(); ++i) CHECK(torch::equal(wa[i], wb[i]));
  }
  // A finished run's --resume with more epochs continues; a run folder is never silently reused.
  TrainOptions again = tiny_run(a);
  CHECK_THROWS_WITH(train_diffusion(again), Catch::Contains("already holds a run"));
  again.resume = true;
  again.epochs = 3;
  CHECK(train_diffusion(again).steps == 12);
}

TEST_CASE("train: the EMA is warmed up so one step leaves 0.1 of the initial weights in it", "[gpu][fast]") {
  // The EMA decay after n updates is min(decay, (1 + n) / (10 + n)): the first update keeps
  // 0.1 of the initial weights and takes 0.9 of the new ones. The head starts at exactly
  // zero, so there EMA = 0.9 x raw after one step (a constant 0.999 would give 0.001 x raw).
  cli_test::Sandbox sb;
  const std::string run = (sb / "r").string();
  gpu::TrainOptions o = wgf::test::tiny_run(run);
  o.max_steps = 1;
  o.grid = 0;
  gpu::train_diffusion(o);
  auto head = [&](bool ema) {
    const auto named = load_model(run, ema, "cpu", 1).net->named_parameters();
    return std::vector<torch::Tensor>{named["head.weight"], named["head.bias"]};
  };
  const auto raw = head(false), avg = head(true);
  for (size_t i = 0; i < 2; ++i) {
    const double scale = raw[i].abs().max().item<double>();
    REQUIRE(scale > 0);  // one step moved the head off zero
    CHECK((avg[i] - 0.9 * raw[i]).abs().max().item<double>() <= 1e-6 * scale);
  }
}

TEST_CASE("train: the loss falls and samples come out in the data's shape", "[gpu][slow]") {
  cli_test::Sandbox sb;
  TrainOptions o = tiny_run((sb / "r").string());
  o.data.max_images = 256;
  o.epochs = 3;
  o.lr = 2e-3;
  o.data.name = "mnist";
  const TrainResult r = train_diffusion(o);
  // The untrained net outputs 0, so its eps-loss is E|eps|^2 / D = 1; after 48 steps at
  // lr 2e-3 the tiny U-Net must have learnt part of the denoiser.
  std::ifstream csv(o.out_dir + "/loss.csv");
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  const double l0 = std::stod(first.substr(first.find(',', first.find(',') + 1) + 1));
  INFO("first loss " << l0 << ", final (mean of the last 50) " << r.final_loss);
  CHECK(std::abs(l0 - 1.0) < 0.15);
  CHECK(r.final_loss < 0.6);
  SampleOptions s;
  s.ckpt = o.out_dir;
  s.n = 5;
  s.steps = 8;
  s.device = "cpu";
  s.threads = 1;
  for (const std::string sampler : {"ode-euler", "sde", "ddpm"}) {
    s.sampler = sampler;
    const Images im = sample_images(s);
    CHECK(im.n == 5);
    CHECK(im.channels == 1);
    CHECK(im.height == 28);
    CHECK(im.pixels.size() == 5u * 28 * 28);
  }
}

// ---- the CLI: bad input and data parallel ---------------------------------------------------

namespace {
// A free TCP port for the c10d rendezvous (bound and released; the tests run one at a time).
int free_port() {
  std::random_device rd;
  return 20000 + static_cast<int>(rd() % 20000);
}
}  // namespace

TEST_CASE("cli: image commands reject bad input with one clear line", "[gpu][cli]") {
  cli_test::Sandbox sb;
  const std::string tiny_args = " --max-images 32 --batch 8 --base 8 --mult 1,2 --blocks 1 --grid 0 --threads 1 --quiet";
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases{
      {"train --dataset svhn --out r", "unknown dataset"},
      {"train --dataset mnist --data nowhere --out r", "nowhere"},
      {"train --out r --device cuda" + tiny_args, "no usable CUDA device"},
      {"train --out r --device tpu" + tiny_args, "expected auto, cpu, cuda or cuda:N"},
      {"train --out r --mult 1,x" + tiny_args.substr(tiny_args.find(" --blocks")), "--mult"},
      {"train --out r --batch 64 --max-images 32 --grid 0 --base 8 --quiet", "larger than the dataset"},
      {"train --out r --resume" + tiny_args, "holds no checkpoint.pt"},
      {"train --out r --output velocity" + tiny_args, "--output must be eps or score"},
      {"train --out r --lr-schedule step" + tiny_args, "--lr-schedule"},
      {"train --out r --nproc 2 --batch 9 --max-images 32 --base 8 --grid 0 --quiet", "divisible by the number of processes"},
      {"sample --ckpt missing --out g.png", "does not exist"},
      {"train --out r --vae r" + tiny_args, "does not exist"},
  };
  for (const auto& c : cases) {
    const auto r = cli_test::wgflab(sb, c.args);
    INFO(c.args << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.expect) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // Nothing was written by the failed runs except the folder the first valid option made.
  CHECK_FALSE(std::filesystem::exists(sb / "r/checkpoint.pt"));
  CHECK_FALSE(std::filesystem::exists(sb / "g.png"));
}

TEST_CASE("cli: two Gloo processes train the same weights as one with the same global batch", "[gpu][cli][slow]") {
  cli_test::Sandbox sb;
  const std::string common = " --max-images 64 --batch 16 --max-steps 3 --base 8 --mult 1,2 --blocks 1 --grid 0 "
                             "--threads 1 --seed 4 --quiet --master 127.0.0.1:";
  const auto one = cli_test::wgflab(sb, "train --out one" + common + std::to_string(free_port()));
  REQUIRE(one.code == 0);
  const auto two = cli_test::wgflab(sb, "train --nproc 2 --out two" + common + std::to_string(free_port()));
  INFO(two.err);
  REQUIRE(two.code == 0);
  const auto run = cli_test::read_json(sb / "two/run.json");
  CHECK(run["config"]["nproc"] == 2);
  CHECK(run["metrics"]["distributed"] == "gloo");  // CPU tensors: Gloo (NCCL only for CUDA models)
  CHECK(cli_test::read_json(sb / "one/run.json")["metrics"]["distributed"] == "none");
  // Each process computes the mean over its 8 rows and the all-reduce averages them: the
  // same gradient as 16 rows up to float summation order (relative ~1e-7 per step).
  for (bool ema : {false, true}) {
    const auto wa = weights((sb / "one").string(), ema), wb = weights((sb / "two").string(), ema);
    REQUIRE(wa.size() == wb.size());
    double worst = 0;
    for (size_t i = 0; i < wa.size(); ++i) worst = std::max(worst, (wa[i] - wb[i]).abs().max().item<double>());
    INFO("max |w1 - w2| = " << worst);
    CHECK(worst < 1e-5);
  }
  // The losses agree too (each logged loss is the all-reduced global mean).
  auto col = [&](const std::string& dir) {
    std::vector<double> v;
    std::istringstream in(slurp((sb / dir).string() + "/loss.csv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) v.push_back(std::stod(line.substr(line.find(',', line.find(',') + 1) + 1)));
    return v;
  };
  const auto la = col("one"), lb = col("two");
  REQUIRE(la.size() == 3);
  REQUIRE(lb.size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(lb[i] == Approx(la[i]).epsilon(1e-5));
}

TEST_CASE("cli: train saves its checkpoint on SIGINT and exits 130 and the resumed run equals an uninterrupted one",
          "[gpu][cli][slow]") {
  cli_test::Sandbox sb;
  // Constant LR: the planned length (--max-steps) then does not enter any step, so a run cut
  // short and resumed to S steps must equal a run of S steps.
  const std::vector<std::string> common = {"--dataset", "mnist", "--max-images", "64", "--batch", "16", "--base", "8",
                                           "--mult", "1,2", "--blocks", "1", "--grid", "0", "--threads", "1", "--seed",
                                           "6", "--lr-schedule", "constant", "--warmup", "0", "--epochs", "100000"};
  // Ctrl-C once a few steps are logged (the handler is installed before the first step).
  auto logged_steps = [&] {
    const std::string csv = slurp((sb / "cut/loss.csv").string());
    return csv.empty() ? 0L : static_cast<long>(std::count(csv.begin(), csv.end(), '\n')) - 1;
  };
  std::vector<std::string> cmd = {"train", "--max-steps", "1000000", "--out", "cut"};
  cmd.insert(cmd.end(), common.begin(), common.end());
  const auto cut_run = cli_test::interrupt_when(sb, cmd, [&] { return logged_steps() >= 3; });
  INFO(cut_run.err);
  CHECK(cut_run.code == 130);
  CHECK(cut_run.err.find("train interrupted; checkpoint saved in cut") != std::string::npos);
  // The run's summary says where it stopped; every logged step is in the checkpoint.
  const auto cut = cli_test::read_json(sb / "cut/run.json");
  CHECK(cut["metrics"]["interrupted"] == true);
  const long step = cut["metrics"]["steps"].get<long>();
  CHECK(logged_steps() == step);
  REQUIRE(step >= 3);
  REQUIRE(step < 1000000);

  auto args = [&](const std::string& extra) {
    std::string a = "train --quiet --max-steps " + std::to_string(step + 2) + " " + extra;
    for (const auto& c : common) a += " " + c;
    return a;
  };
  const auto resumed = cli_test::wgflab(sb, args("--out cut --resume"));
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK(cli_test::read_json(sb / "cut/run.json")["metrics"]["steps"] == step + 2);
  CHECK(logged_steps() == step + 2);
  REQUIRE(cli_test::wgflab(sb, args("--out whole")).code == 0);
  for (bool ema : {false, true}) {
    const auto wa = weights((sb / "cut").string(), ema), wb = weights((sb / "whole").string(), ema);
    REQUIRE(wa.size() == wb.size());
    for (size_t i = 0; i < wa.size(); ++i) CHECK(torch::equal(wa[i], wb[i]));
  }
}

TEST_CASE("cli: latent diffusion runs end to end through train-vae train and sample", "[gpu][cli][slow]") {
  cli_test::Sandbox sb;
  const auto v = cli_test::wgflab(sb, "train-vae --max-images 64 --batch 16 --epochs 1 --width 8 --threads 1 --quiet --out vae");
  INFO(v.err);
  REQUIRE(v.code == 0);
  CHECK(std::filesystem::exists(sb / "vae/vae_recon_epoch_001.png"));
  const auto t = cli_test::wgflab(sb, "train --vae vae --max-images 64 --batch 16 --max-steps 4 --base 8 --mult 1,2 "
                                      "--blocks 1 --grid 4 --grid-steps 3 --threads 1 --quiet --out lat");
  INFO(t.err);
  REQUIRE(t.code == 0);
  const auto cfg = cli_test::read_json(sb / "lat/config.json");
  // MNIST 28 x 28 -> padded 32 -> the paper's 8 x 8 latent (4 channels).
  CHECK(cfg["unet"]["size"] == 8);
  CHECK(cfg["unet"]["channels"] == 4);
  CHECK(cfg["latent"]["scale"].get<double>() > 0);
  const auto s = cli_test::wgflab(sb, "sample --ckpt lat --n 4 --steps 5 --threads 1 --quiet --out grid.png");
  INFO(s.err);
  REQUIRE(s.code == 0);
  CHECK(std::filesystem::file_size(sb / "grid.png") > 100);
}

TEST_CASE("cli: eval puts an untrained model's samples far above the held-out floor", "[gpu][cli][slow]") {
  cli_test::Sandbox sb;
  // The feature network on 1,000 npm digits (labels 0..9) must beat chance (10%) clearly
  // (0.59 on the held-out digits when written).
  const auto f = cli_test::wgflab(sb, "train-features --max-images 1000 --epochs 3 --batch 32 --lr 3e-3 --width 8 "
                                      "--threads 1 --quiet --out feat");
  INFO(f.err);
  REQUIRE(f.code == 0);
  const auto fr = cli_test::read_json(sb / "feat/run.json");
  CHECK(fr["metrics"]["accuracy"].get<double>() > 0.3);
  // An untrained model (zero output head: the ODE only rescales the start noise) against
  // the feature statistics of real digits: noise images are far from the data, while the
  // held-out split's distance to the training split (the floor) is small.
  const auto t = cli_test::wgflab(sb, "train --max-images 64 --batch 16 --max-steps 1 --base 8 --mult 1,2 --blocks 1 "
                                      "--grid 0 --threads 1 --quiet --out m");
  REQUIRE(t.code == 0);
  const auto e = cli_test::wgflab(sb, "eval --ckpt m --features feat --n 200 --steps 5 --nn-train 500 --threads 1 --quiet "
                                      "--out eval.json");
  INFO(e.err);
  REQUIRE(e.code == 0);
  const auto m = cli_test::read_json(sb / "eval.json")["metrics"];
  INFO(m.dump());
  CHECK(m["frechet_floor"].get<double>() >= 0);
  CHECK(m["frechet"].get<double>() > 5 * m["frechet_floor"].get<double>());
  // Noise images are farther from every training digit than a held-out digit is.
  CHECK(m["nn_mean"].get<double>() > m["nn_floor"].get<double>());
  CHECK(m["n"] == 200);
  const auto bad = cli_test::wgflab(sb, "eval --ckpt m --features m --n 10 --out e2.json");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("not a feature-network checkpoint") != std::string::npos);
}

// ---- image diagnostics on TorchScript models with closed forms ------------------------------

namespace {

// s(x) = x_flat A^T (the score A x per image), saved as TorchScript (what torch.jit.script of
// the same Python would produce).
void save_linear_model(const torch::Tensor& A, const std::string& path) {
  torch::jit::Module m("Linear");
  m.register_buffer("A", A);
  m.define(R"(
def forward(self, x, t):
    b = x.size(0)
    y = torch.matmul(x.reshape(b, -1), self.A.t())
    return y.reshape(x.size())
)");
  m.save(path);
}

}  // namespace

TEST_CASE("diagnose: a linear TorchScript score s = A x has the closed-form asymmetry and agreeing Jacobians",
          "[gpu][cli][slow]") {
  cli_test::Sandbox sb;
  const int D = 784;
  torch::manual_seed(3);
  const torch::Tensor A = torch::randn({D, D}) * 0.05;  // not symmetric
  const torch::Tensor S = 0.5 * (A + A.t()) - 2.0 * torch::eye(D);  // symmetric: a gradient field
  save_linear_model(A, (sb / "a.pt").string());
  save_linear_model(S, (sb / "s.pt").string());
  const std::string args = " --input-shape 1,28,28 --output score --dataset mnist --truth-images 200 --ks 50,600 "
                           "--samples 4 --bridge-steps 40 --rotation-steps 40 --projection-points 8 --projection-noisings 3 "
                           "--jacobian 12 --probes 2 --fd-samples 2 --threads 1 --quiet --seed 9";
  const auto ra = cli_test::wgflab(sb, "diagnose --model a.pt --out a.json" + args);
  INFO(ra.err);
  REQUIRE(ra.code == 0);
  const auto rs = cli_test::wgflab(sb, "diagnose --model s.pt --out s.json" + args);
  INFO(rs.err);
  REQUIRE(rs.code == 0);
  const auto ja = cli_test::read_json(sb / "a.json"), js = cli_test::read_json(sb / "s.json");
  CHECK(ja["jvp"] == "forward-mode AD");
  CHECK(ja["config"]["workers"] == 1);  // CPU default
  // Sweeping the k values on two host threads gives the same numbers, bit for bit (every row's
  // random numbers derive from (seed, k)); the rows come back in k order.
  const auto rw = cli_test::wgflab(sb, "diagnose --model a.pt --out a2.json --workers 2" + args);
  INFO(rw.err);
  REQUIRE(rw.code == 0);
  const auto ja2 = cli_test::read_json(sb / "a2.json");
  CHECK(ja2["config"]["workers"] == 2);
  CHECK(ja2["rows"] == ja["rows"]);
  const auto rneg = cli_test::wgflab(sb, "diagnose --model a.pt --out b.json --workers -1" + args);
  CHECK(rneg.code == 2);
  CHECK(rneg.err.find("--workers") != std::string::npos);
  REQUIRE(ja["rows"].size() == 2);
  for (const auto& row : ja["rows"]) {
    // J = A everywhere: the sub-Jacobian asymmetry on the reported indices I is |A_IJ - A_JI|.
    const auto idx = row["jacobian"]["indices"].get<std::vector<int>>();
    REQUIRE(idx.size() == 12);
    double sum = 0, mx = 0;
    int pairs = 0;
    for (size_t r = 0; r < idx.size(); ++r)
      for (size_t c = r + 1; c < idx.size(); ++c) {
        const double d = std::abs(A[idx[r]][idx[c]].item<double>() - A[idx[c]][idx[r]].item<double>());
        sum += d;
        mx = std::max(mx, d);
        ++pairs;
      }
    CHECK(row["jac_asym_abs_mean"].get<double>() == Approx(sum / pairs).epsilon(1e-5));
    CHECK(row["jac_asym_abs_max"].get<double>() == Approx(mx).epsilon(1e-5));
    // JVP (forward AD) and central differences agree: exact for a linear map up to float32
    // rounding of the differences (relative ~1e-7 / 1e-2 step).
    CHECK(row["jacobian"]["fd_rel_diff"].get<double>() < 1e-3);
    // A non-symmetric linear field is not a gradient: its loops do not close.
    CHECK(row["loop_ratio"]["rotation"]["abs_mean"].get<double>() > 1e-3);
  }
  for (const auto& row : js["rows"]) {
    // Symmetric J: zero asymmetry, and every closed path integrates to zero (the midpoint rule
    // is exact for a linear field on a polygon; what is left is float32 rounding).
    CHECK(row["jac_asym_abs_max"].get<double>() < 1e-6);
    for (const char* kind : {"brownian", "rotation", "projection"}) {
      INFO(kind);
      CHECK(row["loop_ratio"][kind]["abs_mean"].get<double>() < 1e-4);
    }
  }
  // `wgflab report` draws image sweeps like diagnose2d ones (no curl panel: D > 2).
  const auto rep = cli_test::wgflab(sb, "report a.json s.json --out figs");
  INFO(rep.err);
  CHECK(rep.code == 0);
  for (const char* f : {"loop_ratio.png", "loop_integral.png", "jacobian_asymmetry.png", "stein.png", "index.md"})
    CHECK(std::filesystem::exists(sb / (std::string("figs/") + f)));
  // Wrong signatures and shapes are refused with the expectation spelled out.
  torch::jit::Module bad("Bad");
  bad.define(R"(
def forward(self, x):
    return x
)");
  bad.save((sb / "bad.pt").string());
  const auto rb = cli_test::wgflab(sb, "diagnose --model bad.pt --out b.json" + args);
  CHECK(rb.code == 2);
  CHECK(rb.err.find("forward(x: (B, 1x28x28) float32, t: (B,) float32)") != std::string::npos);
  const auto rshape = cli_test::wgflab(sb, "diagnose --model a.pt --out b.json --input-shape 1,14,14 --dataset mnist --quiet");
  CHECK(rshape.code == 2);
  CHECK(rshape.err.find("--model 'a.pt'") != std::string::npos);
  cli_test::write_file(sb / "junk.pt", "not a zip");
  const auto rj = cli_test::wgflab(sb, "diagnose --model junk.pt --out b.json" + args);
  CHECK(rj.code == 2);
  CHECK(rj.err.find("not a TorchScript file") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(sb / "b.json"));
}

TEST_CASE("diagnose: a PyTorch reference run agrees on the sub-Jacobian and a rotation-path integral",
          "[gpu][slow]") {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
    WARN("python3-torch is not installed (scripts/setup.sh installs it): the PyTorch cross-check is skipped");
    return;
  }
  cli_test::Sandbox sb;
  // A nonlinear, non-conservative eps model on 1 x 8 x 8 images: eps = tanh(x W1 + c t) W2.
  const int D = 64, H = 32;
  torch::manual_seed(21);
  torch::jit::Module m("Mlp");
  m.register_buffer("W1", torch::randn({D, H}) * 0.3);
  m.register_buffer("W2", torch::randn({H, D}) * 0.3);
  m.register_buffer("c", torch::randn({H}));
  m.define(R"(
def forward(self, x, t):
    b = x.size(0)
    h = torch.tanh(torch.matmul(x.reshape(b, -1), self.W1) + t.unsqueeze(1) * self.c)
    return torch.matmul(h, self.W2).reshape(x.size())
)");
  const std::string model = (sb / "mlp.pt").string();
  m.save(model);
  std::shared_ptr<const Schedule> sch = make_schedule("cosine");
  const auto field = torchscript_field(model, {1, 8, 8}, true, sch, "cpu");
  const double t = sch->time(300), mc = sch->mean_coef(t), sigma = sch->sigma(t);
  Rng rng(4);
  Points x0(D, 1), eps(D, 1);
  sample_normal(rng, x0);
  sample_normal(rng, eps);
  const Points xt = mc * x0 + sigma * eps;
  const std::vector<int> coords = random_coordinates(D, 16, rng);
  const Eigen::MatrixXd J = sub_jacobian(*field, xt, t, coords);
  const JacobianAsymmetry asym = jacobian_asymmetry(J, coords);
  const ClosedPaths path = rotation_paths(x0, eps, mc, sigma, rng, 200);
  const LoopIntegrals li = loop_integrals(*field, path, t);
  nlohmann::json c;
  c["model"] = model;
  c["shape"] = {1, 8, 8};
  c["t"] = t;
  c["sigma"] = sigma;
  c["output"] = "eps";
  c["x"] = std::vector<double>(xt.data(), xt.data() + D);
  c["coords"] = coords;
  nlohmann::json jrows = nlohmann::json::array();
  for (int r = 0; r < 16; ++r) {
    std::vector<double> row;
    for (int col = 0; col < 16; ++col) row.push_back(J(r, col));
    jrows.push_back(row);
  }
  c["jacobian"] = jrows;
  c["asym_mean"] = asym.abs_mean[0];
  nlohmann::json pts = nlohmann::json::array();
  for (Eigen::Index i = 0; i < path.y.cols(); ++i) pts.push_back(std::vector<double>(path.y.col(i).data(), path.y.col(i).data() + D));
  c["path"] = pts;
  const Points centre = mc * x0;
  c["centre"] = std::vector<double>(centre.data(), centre.data() + D);
  c["radius"] = sigma * eps.norm();
  c["integral"] = li.integral[0];
  c["ratio"] = li.ratio[0];
  cli_test::write_file(sb / "case.json", c.dump());
  // A non-conservative model: the loop does not close (so the comparison is not 0 vs 0).
  CHECK(std::abs(li.ratio[0]) > 1e-4);
  const std::string cmd = "/usr/bin/python3 '" WGF_TORCH_REFERENCE "' '" + (sb / "case.json").string() + "' > '" +
                          (sb / "ref.txt").string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(cli_test::read_file(sb / "ref.txt"));
  CHECK(rc == 0);
}

TEST_CASE("jac-reg: the probe estimate is unbiased for ||J - J^T||_F^2 and the regularised run trains", "[gpu][slow]") {
  torch::manual_seed(5);
  UNet net(tiny());
  {
    torch::NoGradGuard ng;
    for (auto& p : net->parameters()) p.add_(torch::randn(p.sizes()) * 0.1);  // a non-conservative net
  }
  const torch::Tensor x1 = torch::randn({1, 1, 8, 8}), t1 = torch::full({1}, 0.4f);
  // Exact: the full 64 x 64 Jacobian from 64 VJPs.
  const torch::Tensor xr = x1.clone().requires_grad_(true);
  const torch::Tensor y = net->forward(xr, t1).flatten();
  std::vector<torch::Tensor> rows;
  for (int i = 0; i < 64; ++i)
    rows.push_back(torch::autograd::grad({y}, {xr}, {torch::one_hot(torch::tensor(i), 64).to(torch::kFloat32)}, true)[0].flatten());
  const torch::Tensor J = torch::stack(rows);  // J[i][j] = d y_i / d x_j
  const double exact = (J - J.t()).pow(2).sum().item<double>();
  // Estimate: 4,000 probe pairs on copies of the same image.
  const int n = 4000;
  const torch::Tensor xb = x1.expand({n, 1, 8, 8}).clone().requires_grad_(true);
  const torch::Tensor out = net->forward(xb, t1.expand({n}));
  const torch::Tensor est = asymmetry_estimate(out, xb, torch::randn_like(xb), torch::randn_like(xb));
  const double mean = est.mean().item<double>(), se = est.std().item<double>() / std::sqrt(n);
  INFO("exact " << exact << ", estimate " << mean << " +- " << se);
  CHECK(std::abs(mean - exact) < 4 * se);
  CHECK(se < 0.1 * exact);
  // It is differentiable (double backward reaches the weights).
  est.mean().backward();
  CHECK(net->parameters()[0].grad().defined());
  CHECK(net->parameters()[0].grad().abs().sum().item<double>() > 0);

  cli_test::Sandbox sb;
  TrainOptions o = tiny_run((sb / "reg").string());
  o.epochs = 1;
  o.jac_reg = 1.0;
  const TrainResult r = train_diffusion(o);
  CHECK(r.steps == 4);
  CHECK(std::isfinite(r.final_penalty));
  CHECK(r.final_penalty >= 0);
  TrainOptions plain = tiny_run((sb / "plain").string());
  plain.epochs = 1;
  CHECK(std::isnan(train_diffusion(plain).final_penalty));
}
