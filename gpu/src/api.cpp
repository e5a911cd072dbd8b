// Devices, checkpoints, the tensor sampler, image grids and evaluation (Frechet distance of
// the project's own feature network, nearest-neighbour distances).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "internal.hpp"
#include "raster.hpp"
#include "wgf/metrics.hpp"
#include "wgf/sampler_rules.hpp"

namespace wgf::gpu {

namespace fs = std::filesystem;

std::string cuda_summary() {
  if (!torch::cuda::is_available()) return "";
  return "cuda: " + std::to_string(torch::cuda::device_count()) + " device(s)";
}

torch::Device resolve_device(const std::string& spec) {
  if (spec == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::kCPU;
  if (spec.rfind("cuda", 0) == 0) {
    int index = 0;
    if (spec.size() > 4) {
      if (spec[4] != ':' || spec.size() == 5 || spec.find_first_not_of("0123456789", 5) != std::string::npos)
        throw std::invalid_argument("--device '" + spec + "': expected auto, cpu, cuda or cuda:N");
      index = std::stoi(spec.substr(5));
    }
    if (!torch::cuda::is_available())
      throw std::invalid_argument("--device " + spec + ": this LibTorch has no usable CUDA device (use cpu or auto)");
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw std::invalid_argument("--device " + spec + ": only " + std::to_string(torch::cuda::device_count()) +
                                  " CUDA device(s)");
    return {torch::kCUDA, static_cast<c10::DeviceIndex>(index)};
  }
  throw std::invalid_argument("--device '" + spec + "': expected auto, cpu, cuda or cuda:N");
}

void init_runtime(int threads) {
  const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
#if defined(__GLIBC__)
  // 32 MiB is glibc's largest mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit); setting
  // it also switches off the threshold's adaptation, and the trim threshold keeps the freed
  // top of the heap mapped for the next call.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

// ---- checkpoints

std::string checkpoint_path(const std::string& run_or_ckpt) {
  const fs::path p = fs::is_directory(run_or_ckpt) ? fs::path(run_or_ckpt) / "checkpoint.pt" : fs::path(run_or_ckpt);
  if (!fs::is_regular_file(p))
    throw std::invalid_argument("checkpoint '" + p.string() + "' does not exist (expected a run folder or its checkpoint.pt)");
  return p.string();
}

void save_archive(torch::serialize::OutputArchive& ar, const std::string& path) {
  const std::string tmp = path + ".tmp";
  try {
    ar.save_to(tmp);
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot write checkpoint '" + tmp + "': " + e.what_without_backtrace());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot replace '" + path + "': " + ec.message());
}

void load_archive(torch::serialize::InputArchive& ar, const std::string& path) {
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot read checkpoint '" + path + "': not a WGF Lab torch archive (" +
                             std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  }
}

std::string read_string(torch::serialize::InputArchive& ar, const std::string& key, const std::string& file) {
  c10::IValue v;
  if (!ar.try_read(key, v) || !v.isString())
    throw std::runtime_error("checkpoint '" + file + "': missing field '" + key + "'");
  return v.toStringRef();
}

void write_string(torch::serialize::OutputArchive& ar, const std::string& key, const std::string& value) {
  ar.write(key, c10::IValue(value));
}

void write_text_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) throw std::runtime_error("cannot write '" + tmp + "'");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot replace '" + path + "': " + ec.message());
}

// ---- a trained model

std::vector<std::int64_t> LoadedModel::shape() const {
  const auto& c = net->config();
  return {c.channels, c.size, c.size};
}

std::string LoadedModel::dataset() const { return config.at("data").at("name").get<std::string>(); }

DatasetSpec LoadedModel::training_data(Split split) const {
  DatasetSpec d;
  d.name = dataset();
  d.dir = config.at("data").value("dir", std::string());
  d.image_size = config.at("data").value("image_size", 64);
  d.split = split;
  return d;
}

LoadedModel load_model(const std::string& run_or_ckpt, bool ema, const std::string& device, int threads) {
  const std::string path = checkpoint_path(run_or_ckpt);
  init_runtime(threads);
  torch::serialize::InputArchive ar;
  load_archive(ar, path);
  LoadedModel m;
  if (read_string(ar, "kind", path) != "diffusion")
    throw std::invalid_argument("checkpoint '" + path + "' is not a diffusion model (a VAE or feature network?)");
  try {
    m.config = Json::parse(read_string(ar, "config", path));
    m.net = UNet(unet_config_from_json(m.config.at("unet")));
    m.schedule = make_schedule(m.config.at("schedule").get<std::string>());
    m.eps_output = m.config.at("output").get<std::string>() == "eps";
  } catch (const Json::exception& e) {
    throw std::runtime_error("checkpoint '" + path + "': bad config (" + e.what() + ")");
  }
  torch::serialize::InputArchive weights;
  if (!ar.try_read(ema && m.config.value("ema", 0.0) > 0 ? "ema" : "model", weights))
    throw std::runtime_error("checkpoint '" + path + "': missing the model weights");
  m.net->load(weights);
  m.device = resolve_device(device);
  m.net->to(m.device);
  m.net->eval();
  const std::string prec = m.config.value("precision", std::string("auto"));
  m.bf16 = m.device.is_cuda() && (prec == "auto" || prec == "bf16");
  m.fp16 = m.device.is_cuda() && prec == "fp16";
  if (m.config.contains("latent")) {
    const Json& lat = m.config.at("latent");
    m.vae = Vae(vae_config_from_json(lat.at("vae_config")));
    torch::serialize::InputArchive vae_weights;
    if (!ar.try_read("vae", vae_weights)) throw std::runtime_error("checkpoint '" + path + "': latent run without its VAE");
    m.vae->load(vae_weights);
    m.vae->to(m.device);
    m.vae->eval();
    m.latent_scale = lat.at("scale").get<double>();
  }
  return m;
}

torch::Tensor model_score(LoadedModel& m, const torch::Tensor& x, double t) {
  torch::NoGradGuard no_grad;
  const torch::Tensor tt = torch::full({x.size(0)}, t, x.options());
  torch::Tensor out;
  {
    AutocastGuard ac(m.bf16 || m.fp16, m.bf16 ? at::kBFloat16 : at::kHalf);
    out = m.net->forward(x, tt).to(torch::kFloat32);
  }
  return output_to_score(out, m.schedule->sigma(t), m.eps_output);
}

torch::Tensor integrate_tensor(const ScoreFn& score, const Schedule& schedule, const SamplerConfig& cfg, torch::Tensor x,
                               at::Generator& gen, const std::function<void(int)>& on_step) {
  torch::NoGradGuard no_grad;
  const std::vector<double> ts = sampler_times(schedule, cfg);
  auto noise = [&](const torch::Tensor& y) {
    return torch::randn(y.sizes(), gen, y.options().device(torch::kCPU)).to(y.device());
  };
  for (int i = 1; i <= cfg.steps; ++i) {
    rules::grid_step<torch::Tensor>(schedule, cfg, score, noise, x, ts[static_cast<size_t>(i - 1)],
                                    ts[static_cast<size_t>(i)], i == cfg.steps);
    if (on_step) on_step(i);
  }
  return x;
}

torch::Tensor run_sampler(LoadedModel& m, const SamplerConfig& cfg, std::int64_t n, std::int64_t batch,
                          at::Generator& gen, const ProgressFn& progress) {
  std::vector<std::int64_t> shape{n};
  for (auto d : m.shape()) shape.push_back(d);
  // Start drawn on the CPU generator (reproducible on every device).
  const torch::Tensor x = torch::randn(shape, gen, torch::kFloat32) * m.schedule->sigma(m.schedule->t_max());
  const auto score = [&](const torch::Tensor& y, double t) { return model_score(m, y, t); };
  const std::int64_t batches = (n + batch - 1) / batch;
  std::vector<torch::Tensor> out;
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int64_t b0 = b * batch;
    const auto on_step = [&](int i) {
      if (progress) progress({b * cfg.steps + i, batches * cfg.steps, 0, 0, 0, 0});
    };
    out.push_back(integrate_tensor(score, *m.schedule, cfg, x.narrow(0, b0, std::min(batch, n - b0)).to(m.device).clone(), gen,
                                   on_step)
                      .cpu());
  }
  return torch::cat(out, 0);
}

torch::Tensor encode_means(Vae& vae, const torch::Tensor& images_u8, torch::Device dev) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> zs;
  for (std::int64_t b0 = 0; b0 < images_u8.size(0); b0 += 512) {
    const torch::Tensor x = to_unit(images_u8.narrow(0, b0, std::min<std::int64_t>(512, images_u8.size(0) - b0)));
    zs.push_back(vae->encode(x.to(dev)).first.cpu());
  }
  return torch::cat(zs, 0);
}

torch::Tensor to_pixels(LoadedModel& m, const torch::Tensor& x) {
  if (!m.vae) return x;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (std::int64_t b0 = 0; b0 < x.size(0); b0 += 256) {
    const torch::Tensor z = x.narrow(0, b0, std::min<std::int64_t>(256, x.size(0) - b0)).to(m.device);
    out.push_back(m.vae->decode(z / m.latent_scale).cpu());
  }
  return torch::cat(out, 0);
}

Images to_images(const torch::Tensor& x) {
  const torch::Tensor u8 = ((x.to(torch::kCPU, torch::kFloat32).clamp(-1, 1) + 1) * 127.5).round().to(torch::kUInt8).contiguous();
  Images im;
  im.n = static_cast<int>(u8.size(0));
  im.channels = static_cast<int>(u8.size(1));
  im.height = static_cast<int>(u8.size(2));
  im.width = static_cast<int>(u8.size(3));
  im.pixels.assign(u8.data_ptr<std::uint8_t>(), u8.data_ptr<std::uint8_t>() + u8.numel());
  return im;
}

torch::Tensor images_tensor(const ImageSet& set) {
  if (set.size() == 0) throw DatasetError("dataset '" + set.name + "' (" + set.source + ") holds no images");
  return torch::from_blob(const_cast<std::uint8_t*>(set.pixels.data()),
                          {set.size(), set.channels, set.height, set.width}, torch::kUInt8)
      .clone();
}

torch::Tensor to_unit(const torch::Tensor& u8) { return u8.to(torch::kFloat32) * (1.0 / 127.5) - 1.0; }

void save_grid_png(const Images& im, const std::string& path, int cols) {
  if (im.n < 1) throw std::invalid_argument("no images to draw into '" + path + "'");
  if (cols <= 0) cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(im.n))));
  const int rows = (im.n + cols - 1) / cols, pad = 2;
  report::Canvas c(cols * (im.width + pad) + pad, rows * (im.height + pad) + pad, report::Rgb{40, 40, 40});
  const std::size_t plane = static_cast<std::size_t>(im.height) * im.width;
  for (int i = 0; i < im.n; ++i) {
    const int x0 = pad + (i % cols) * (im.width + pad), y0 = pad + (i / cols) * (im.height + pad);
    const std::uint8_t* p = im.pixels.data() + static_cast<std::size_t>(i) * im.channels * plane;
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x) {
        const std::size_t o = static_cast<std::size_t>(y) * im.width + x;
        const std::uint8_t r = p[o], g = im.channels == 3 ? p[plane + o] : r, b = im.channels == 3 ? p[2 * plane + o] : r;
        c.set_pixel(x0 + x, y0 + y, report::Rgb{r, g, b});
      }
  }
  c.save_png(path);
}

Images sample_images(const SampleOptions& opt, const ProgressFn& progress) {
  return plain_errors([&] {
  if (opt.n < 1) throw std::invalid_argument("--n must be >= 1");
  if (opt.batch < 1) throw std::invalid_argument("--batch must be >= 1");
  LoadedModel m = load_model(opt.ckpt, opt.ema, opt.device, opt.threads);
  SamplerConfig cfg;
  cfg.kind = parse_sampler(opt.sampler);
  cfg.steps = opt.steps;
  if (opt.grid != "k" && opt.grid != "t") throw std::invalid_argument("--grid must be k or t, got '" + opt.grid + "'");
  cfg.grid = opt.grid == "k" ? TimeGrid::K : TimeGrid::T;
  cfg.validate(*m.schedule);
  at::Generator gen = at::detail::createCPUGenerator(opt.seed);
  const torch::Tensor x = run_sampler(m, cfg, opt.n, opt.batch, gen, progress);
  return to_images(to_pixels(m, x));
  });
}

// ---- evaluation

namespace {

struct LoadedFeatures {
  FeatureNet net{nullptr};
  torch::Device device{torch::kCPU};
};

LoadedFeatures load_features(const std::string& run_or_ckpt, torch::Device device) {
  const std::string path = checkpoint_path(run_or_ckpt);
  torch::serialize::InputArchive ar;
  load_archive(ar, path);
  if (read_string(ar, "kind", path) != "features")
    throw std::invalid_argument("--features '" + path + "' is not a feature-network checkpoint (wgflab train-features)");
  const Json c = Json::parse(read_string(ar, "config", path));
  LoadedFeatures f;
  f.net = FeatureNet(c.at("channels").get<int>(), c.at("classes").get<int>(), c.at("width").get<int>());
  torch::serialize::InputArchive w;
  if (!ar.try_read("model", w)) throw std::runtime_error("checkpoint '" + path + "': missing the model weights");
  f.net->load(w);
  f.net->to(device);
  f.net->eval();
  f.device = device;
  return f;
}

// Features (n, F) as double, batched.
Eigen::MatrixXd features_of(LoadedFeatures& f, const torch::Tensor& x_unit) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (std::int64_t b0 = 0; b0 < x_unit.size(0); b0 += 256)
    out.push_back(f.net->features(x_unit.narrow(0, b0, std::min<std::int64_t>(256, x_unit.size(0) - b0)).to(f.device)).cpu());
  const torch::Tensor all = torch::cat(out, 0).to(torch::kFloat64).contiguous();
  Eigen::MatrixXd m(all.size(1), all.size(0));  // (F, n): columns are samples (engine convention)
  std::memcpy(m.data(), all.data_ptr<double>(), sizeof(double) * static_cast<std::size_t>(all.numel()));
  return m;
}

// Mean over rows of x (n, D) of the L2 distance to the nearest row of ref (m, D).
double mean_nn_distance(const torch::Tensor& x, const torch::Tensor& ref) {
  torch::NoGradGuard no_grad;
  const torch::Tensor a = x.flatten(1).to(torch::kFloat32), b = ref.flatten(1).to(torch::kFloat32);
  torch::Tensor best = torch::full({a.size(0)}, INFINITY);
  for (std::int64_t r0 = 0; r0 < b.size(0); r0 += 4096)
    best = torch::minimum(best, torch::cdist(a, b.narrow(0, r0, std::min<std::int64_t>(4096, b.size(0) - r0))).amin(1));
  return best.mean().item<double>();
}

}  // namespace

EvalResult evaluate(const EvalOptions& opt, const ProgressFn& progress) {
  return plain_errors([&] {
  LoadedModel m = load_model(opt.sample.ckpt, opt.sample.ema, opt.sample.device, opt.sample.threads);
  const DatasetSpec ref_spec = opt.data.name.empty() ? m.training_data(Split::Test) : opt.data;
  DatasetSpec train_spec = ref_spec;
  train_spec.split = Split::Train;
  train_spec.max_images = opt.nn_train;
  const torch::Tensor ref = to_unit(images_tensor(load_dataset(ref_spec)));
  const torch::Tensor train = to_unit(images_tensor(load_dataset(train_spec)));
  LoadedFeatures f = load_features(opt.features, m.device);
  if (f.net->channels != ref.size(1)) throw std::invalid_argument("--features: the network takes a different channel count");

  SamplerConfig cfg;
  cfg.kind = parse_sampler(opt.sample.sampler);
  cfg.steps = opt.sample.steps;
  cfg.grid = opt.sample.grid == "t" ? TimeGrid::T : TimeGrid::K;
  at::Generator gen = at::detail::createCPUGenerator(opt.sample.seed);
  const torch::Tensor gen_x = to_pixels(m, run_sampler(m, cfg, opt.sample.n, opt.sample.batch, gen, progress)).cpu().clamp(-1, 1);

  const std::int64_t n_ref = std::min<std::int64_t>(ref.size(0), opt.sample.n);
  const torch::Tensor ref_n = ref.narrow(0, 0, n_ref), train_n = train.narrow(0, 0, std::min(train.size(0), n_ref));
  const Eigen::MatrixXd fg = features_of(f, gen_x), fr = features_of(f, ref_n), ft = features_of(f, train_n);
  EvalResult r;
  r.n = opt.sample.n;
  r.frechet = frechet_distance(fg, fr);
  r.frechet_floor = frechet_distance(ft, fr);
  r.nn_mean = mean_nn_distance(gen_x, train);
  r.nn_floor = mean_nn_distance(ref_n, train);
  return r;
  });
}

}  // namespace wgf::gpu
