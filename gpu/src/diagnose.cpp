// Image-scale diagnostics: a VectorField over a torch network (our U-Net or a user's
// TorchScript model), handed to the engine's time sweep with the empirical training set's
// exact score as the truth. Every definition (paths, loop integrals, sub-Jacobians, Stein
// check) is the engine's; this file only moves numbers between Eigen and torch, in batches.
#include <atomic>
#include <cstring>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "internal.hpp"
#include "wgf/empirical.hpp"
#include "wgf/ou.hpp"

namespace wgf::gpu {

namespace {

// The network's raw output for a batch x (B, C, H, W) at times t (B,).
using NetFn = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)>;

// s(x, t) of a network as an engine VectorField. Points (D, N) are columns of D = C H W
// doubles (the image flattened row-major); one call sends all N images to the device as float32
// (the engine's diagnostics already batch their calls: SweepConfig::max_batch, --batch).
// eps outputs become scores (output_to_score). JVPs by forward-mode AD. Every image of a call
// shares one t: a network that broadcasts t (our U-Net: shared_time) gets it once, shape (1,),
// and computes its time embedding once per call instead of once per image (17-40% of a tiny
// U-Net's CPU time at 64 images); a TorchScript model gets the documented (B,) times.
class TorchField final : public VectorField {
 public:
  TorchField(NetFn net, std::vector<std::int64_t> shape, bool eps_output, bool shared_time,
             std::shared_ptr<const Schedule> schedule, torch::Device device, std::string name)
      : net_(std::move(net)), shape_(std::move(shape)), eps_(eps_output), shared_time_(shared_time),
        schedule_(std::move(schedule)), device_(device), name_(std::move(name)) {
    dim_ = static_cast<int>(std::accumulate(shape_.begin(), shape_.end(), std::int64_t{1}, std::multiplies<>()));
  }
  int dim() const override { return dim_; }
  std::string name() const override { return name_; }
  bool exact_jvp() const override { return true; }

  Points eval(const Points& x, double t) const override { return apply(x, nullptr, t); }
  Points jvp(const Points& x, double t, const Points& v) const override { return apply(x, &v, t); }

 private:
  torch::Tensor to_tensor(const Points& p) const {
    std::vector<std::int64_t> s{static_cast<std::int64_t>(p.cols())};
    s.insert(s.end(), shape_.begin(), shape_.end());
    // Points are column-major (D, N): column j is image j, contiguous.
    return torch::from_blob(const_cast<double*>(p.data()), s, torch::kFloat64).to(device_, torch::kFloat32);
  }
  // s(x) (v == nullptr) or J(x) v.
  Points apply(const Points& x, const Points* v, double t) const {
    if (x.rows() != dim_) throw std::invalid_argument("field '" + name_ + "': points have the wrong dimension");
    const torch::Tensor xt = to_tensor(x);
    const torch::Tensor tt = torch::full({shared_time_ ? 1 : static_cast<std::int64_t>(x.cols())}, t, xt.options());
    torch::Tensor y;
    torch::NoGradGuard ng;
    if (!v) {
      y = net_(xt, tt);
    } else {
      // Forward-mode AD: one dual pass gives J v for every image at once. LibTorch's dual
      // levels are process-wide (one at a time), so concurrent sweep workers take turns here.
      std::lock_guard<std::mutex> one_level(dual_level_mutex_);
      const auto level = torch::autograd::forward_ad::enter_dual_level();
      try {
        const torch::Tensor dual = at::_make_dual(xt, to_tensor(*v), level);
        y = std::get<1>(at::_unpack_dual(net_(dual, tt), level)).clone();
      } catch (...) {
        torch::autograd::forward_ad::exit_dual_level(level);
        throw;
      }
      torch::autograd::forward_ad::exit_dual_level(level);
      if (!y.defined()) y = torch::zeros_like(xt);  // output independent of x
    }
    // The score map is linear in the output, so the same conversion turns J_out v into J_s v.
    const torch::Tensor yd =
        output_to_score(y, schedule_->sigma(t), eps_).to(torch::kCPU, torch::kFloat64).contiguous();
    if (yd.numel() != x.size())
      throw std::runtime_error("field '" + name_ + "': the network returned " +
                               std::to_string(yd.numel() / std::max<Eigen::Index>(1, x.cols())) +
                               " values per image, expected " + std::to_string(x.rows()));
    Points out(x.rows(), x.cols());
    std::memcpy(out.data(), yd.data_ptr<double>(), sizeof(double) * static_cast<size_t>(yd.numel()));
    return out;
  }

  NetFn net_;
  std::vector<std::int64_t> shape_;
  bool eps_;
  bool shared_time_;
  std::shared_ptr<const Schedule> schedule_;
  torch::Device device_;
  std::string name_;
  int dim_ = 0;
  mutable std::mutex dual_level_mutex_;
};

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string out;
  for (auto d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

// Loads and checks a TorchScript model: forward(x (2, C, H, W), t (2,)) must return a float
// tensor shaped like x.
NetFn load_torchscript(const std::string& path, const std::vector<std::int64_t>& shape, torch::Device dev) {
  auto module = std::make_shared<torch::jit::Module>();
  try {
    *module = torch::jit::load(path, dev);
  } catch (const c10::Error& e) {
    throw std::invalid_argument("--model '" + path + "': not a TorchScript file (torch.jit.script/trace + save): " +
                                std::string(e.what_without_backtrace()).substr(0, 160));
  }
  module->eval();
  NetFn f = [module](const torch::Tensor& x, const torch::Tensor& t) {
    return module->forward({x, t}).toTensor();
  };
  std::vector<std::int64_t> s{2};
  s.insert(s.end(), shape.begin(), shape.end());
  const std::string expect = "forward(x: (B, " + shape_text(shape) + ") float32, t: (B,) float32) -> tensor shaped like x";
  torch::Tensor y;
  try {
    torch::NoGradGuard ng;
    y = f(torch::zeros(s, torch::TensorOptions(torch::kFloat32).device(dev)),
          torch::full({2}, 0.5, torch::TensorOptions(torch::kFloat32).device(dev)));
  } catch (const c10::Error& e) {
    throw std::invalid_argument("--model '" + path + "': calling it failed; expected " + expect + ": " +
                                std::string(e.what_without_backtrace()).substr(0, 200));
  } catch (const std::exception& e) {
    throw std::invalid_argument("--model '" + path + "': calling it failed; expected " + expect + ": " + e.what());
  }
  if (y.sizes() != torch::IntArrayRef(s))
    throw std::invalid_argument("--model '" + path + "': returned shape (" + shape_text(y.sizes().vec()) +
                                ") for input (" + shape_text(s) + "); expected " + expect);
  if (!y.is_floating_point()) throw std::invalid_argument("--model '" + path + "': returned a non-float tensor");
  return f;
}

// The data (D, N) of the truth, flattened images in [-1, 1] (or encoded latents).
Points data_points(const torch::Tensor& x) {
  const torch::Tensor d = x.to(torch::kCPU, torch::kFloat64).contiguous().flatten(1);
  Points p(d.size(1), d.size(0));
  std::memcpy(p.data(), d.data_ptr<double>(), sizeof(double) * static_cast<size_t>(d.numel()));
  return p;
}

double rel_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  const double n = a.norm();
  return n > 0 ? (a - b).norm() / n : (a - b).norm();
}

}  // namespace

std::shared_ptr<VectorField> torchscript_field(const std::string& path, const std::vector<std::int64_t>& shape,
                                               bool eps_output, std::shared_ptr<const Schedule> schedule,
                                               const std::string& device) {
  const torch::Device dev = resolve_device(device);
  return std::make_shared<TorchField>(load_torchscript(path, shape, dev), shape, eps_output, false, std::move(schedule),
                                      dev, "torchscript:" + path);
}

namespace {

DiagnoseResult diagnose_impl(const DiagnoseOptions& opt, const std::function<bool(int, int)>& progress) {
  if (opt.ckpt.empty() == opt.model.empty()) throw std::invalid_argument("give exactly one of --ckpt and --model");
  init_runtime(opt.threads);
  DiagnoseResult res;
  std::shared_ptr<TorchField> field;
  std::shared_ptr<const Schedule> schedule;
  DatasetSpec spec = opt.data;
  std::shared_ptr<LoadedModel> lm;
  torch::Device device = torch::kCPU;
  if (!opt.ckpt.empty()) {
    lm = std::make_shared<LoadedModel>(load_model(opt.ckpt, opt.ema, opt.device, opt.threads));
    schedule = lm->schedule;
    if (spec.name.empty()) spec = lm->training_data(Split::Train);
    const std::vector<std::int64_t> shape = lm->shape();
    res.shape.assign(shape.begin(), shape.end());
    auto net = [lm](const torch::Tensor& x, const torch::Tensor& t) {
      AutocastGuard ac(lm->bf16 || lm->fp16, lm->bf16 ? at::kBFloat16 : at::kHalf);
      return lm->net->forward(x, t).to(torch::kFloat32);
    };
    device = lm->device;
    field = std::make_shared<TorchField>(net, shape, lm->eps_output, true, schedule, device,
                                         "unet:" + checkpoint_path(opt.ckpt) + (opt.ema ? " (EMA)" : ""));
  } else {
    if (opt.input_shape.size() != 3 || opt.input_shape[0] < 1 || opt.input_shape[1] < 1 || opt.input_shape[2] < 1)
      throw std::invalid_argument("--input-shape must be C,H,W (three positive integers) with --model");
    if (opt.output != "eps" && opt.output != "score") throw std::invalid_argument("--output must be eps or score");
    if (spec.name.empty()) throw std::invalid_argument("--model needs --dataset (the data the model was trained on)");
    schedule = make_schedule(opt.schedule);
    device = resolve_device(opt.device);
    const std::vector<std::int64_t> shape(opt.input_shape.begin(), opt.input_shape.end());
    res.shape = opt.input_shape;
    field = std::make_shared<TorchField>(load_torchscript(opt.model, shape, device), shape, opt.output == "eps", false,
                                         schedule, device, "torchscript:" + opt.model);
  }
  spec.max_images = opt.truth_images;
  const ImageSet set = load_dataset(spec);
  // Latent runs: the truth is the empirical set of encoded latents, in the model's scale.
  const torch::Tensor x = lm && lm->vae ? encode_means(lm->vae, images_tensor(set), lm->device) * lm->latent_scale
                                        : to_unit(images_tensor(set));
  const std::int64_t per = std::accumulate(res.shape.begin(), res.shape.end(), std::int64_t{1}, std::multiplies<>());
  if (x[0].numel() != per)
    throw std::invalid_argument("the dataset's images (" + shape_text(x[0].sizes().vec()) + ") do not match the field's input (" +
                                shape_text(std::vector<std::int64_t>(res.shape.begin(), res.shape.end())) + ")");
  auto density = std::make_shared<EmpiricalDensity>(set.name, data_points(x));
  const ExactScore truth(density, schedule);
  if (opt.workers < 0) throw std::invalid_argument("workers must be >= 0 (0: by device)");
  SweepConfig cfg = opt.sweep;
  if (cfg.max_batch == 0) cfg.max_batch = device.is_cuda() ? kCudaBatch : kCpuBatch;
  cfg.validate(*schedule);
  res.field = field->name();
  res.truth = "exact score of the empirical " + set.name + " set (" + std::to_string(density->size()) + " images, " +
              set.source + ")";
  res.schedule = schedule->name();
  res.exact_jvp = field->exact_jvp();
  res.batch = cfg.max_batch;

  // JVP vs central differences (h = 1e-2 relative: float32 network) on a row's coordinates.
  auto fd_check = [&](const SweepRow& row) {
    Rng rng(cfg.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(row.k + 1)));
    const Points x0 = density->sample(rng, opt.fd_samples);
    Points eps(x0.rows(), x0.cols());
    sample_normal(rng, eps);
    const Points xt = ou_forward(*schedule, x0, eps, row.t);
    const Eigen::MatrixXd jv = sub_jacobian(*field, xt, row.t, row.jacobian_coords, cfg.max_batch);
    const Eigen::MatrixXd jf = sub_jacobian_fd(*field, xt, row.t, row.jacobian_coords, 1e-2, cfg.max_batch);
    return rel_diff(jv, jf);
  };
  res.workers = opt.workers > 0 ? opt.workers : device.is_cuda() ? kCudaWorkers : 1;
  const std::vector<int> ks = cfg.k_values(*schedule);
  // Rows of different k are independent (the engine's diagnose_time draws every random number
  // from (seed, k)), so `workers` host threads take k values from a shared counter: each
  // builds its paths, midpoints and exact scores on the CPU (the engine's float64 code) while
  // the others' batches run on the device. The numbers do not depend on the worker count.
  std::vector<SweepRow> rows(ks.size());
  std::vector<double> fd_rel(ks.size());
  std::vector<char> finished(ks.size(), 0);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;  // guards the outputs, the progress callback and the first error
  int done = 0;
  std::exception_ptr error;
  auto work = [&] {
    for (size_t i; !stop && (i = next++) < ks.size();) {
      try {
        SweepRow row = diagnose_time(*field, truth, ks[i], cfg);
        const double f = fd_check(row);
        std::lock_guard<std::mutex> lock(mu);
        rows[i] = std::move(row);
        fd_rel[i] = f;
        finished[i] = 1;
        ++done;
        if (progress && !progress(done, static_cast<int>(ks.size()))) stop = true;
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < std::min<int>(res.workers, static_cast<int>(ks.size())); ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  // Stopped early: the rows that finished, in k order.
  for (size_t i = 0; i < ks.size(); ++i)
    if (finished[i]) {
      res.rows.push_back(std::move(rows[i]));
      res.jacobian_fd_rel.push_back(fd_rel[i]);
    }
  return res;
}

}  // namespace

DiagnoseResult diagnose_images(const DiagnoseOptions& opt, const std::function<bool(int, int)>& progress) {
  return plain_errors([&] { return diagnose_impl(opt, progress); });
}

}  // namespace wgf::gpu
