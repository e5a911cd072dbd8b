// wgflab train2d: denoising score matching (paper Eq. 16) of a small MLP on a 2D density with
// wgf::DsmTrainer, then a short evaluation of the trained field as a sampler.
//
// Seeds: one --seed feeds a root wgf::Rng; the model's initialisation seed and the trainer's
// seed are its first two next_u64() draws, the evaluation stream is root.split() after them.
// Resuming: the trainer checkpoint (wgf::DsmTrainer::save_checkpoint) holds the model, Adam's
// moments, the step, the RNG state and the loss history, so a run resumed from step k is
// bit-identical to an uninterrupted one. It is written every --checkpoint-every steps, at the
// end, and on Ctrl-C (SIGINT), which then exits with code 130.
//
// Run JSON (besides the common head, see common.hpp):
//   loss_history         the per-step batch losses, or block means of `loss_history_stride`
//                        consecutive steps when there are more than 2,000 steps: entry i is
//                        the mean loss of steps i*stride+1 .. min((i+1)*stride, steps)
//   loss_history_stride  1 when every step is listed
//   metrics              final_loss (mean of the last 100 steps), initial_loss (mean of the
//                        first 100), steps, steps_this_run, resumed_from_step, train_seconds,
//                        steps_per_second, num_params, final_lr, final_penalty (with
//                        --jac-reg > 0: mean of the last 100 penalties), and the evaluation's swd, mmd, energy,
//                        grid_kl, eval_seconds (absent with --eval-n 0)
//   evaluation           how the evaluation sampled (sampler, steps, grid, n)
//   reference_floor      the evaluation metrics of a second density draw (common.hpp)
//   grid_box             the box of grid_kl
#include <csignal>
#include <cmath>
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "wgf/dsm.hpp"
#include "wgf/mlp.hpp"
#include "wgf/sampler.hpp"

namespace wgf::cli {
namespace {

constexpr int kMaxHistory = 2000;
constexpr int kLossWindow = 100;

struct Train2dOptions {
  std::string density;
  int steps = 2000;
  int batch = TrainConfig{}.batch;
  int width = MlpConfig{}.width;
  int depth = MlpConfig{}.depth;
  std::string param = "score";
  std::string weighting = "uniform";
  std::string activation = "silu";
  int time_features = MlpConfig{}.time_features;
  std::string schedule = MlpConfig{}.schedule;
  double lr = TrainConfig{}.lr;
  std::string lr_schedule = to_string(TrainConfig{}.lr_schedule);
  double jac_reg = TrainConfig{}.jac_reg;
  std::uint64_t seed = 0;
  int eval_n = 2000;
  std::string save, out, checkpoint;
  int checkpoint_every = 0;
  bool resume = false;
  bool quiet = false;
};

template <class E>
E parse_enum(const std::string& option, E (*parse)(const std::string&), const std::string& value) {
  try {
    return parse(value);
  } catch (const std::invalid_argument& e) {
    throw UsageError(option + ": " + e.what());
  }
}

double mean_of(const std::vector<double>& v, size_t begin, size_t end) {
  double s = 0.0;
  for (size_t i = begin; i < end; ++i) s += v[i];
  return end > begin ? s / static_cast<double>(end - begin) : NAN;
}

void run_train2d(const Train2dOptions& o) {
  // ---- 1. validate every option before any work or output ----
  require_at_least("--steps", o.steps, 1);
  require_at_least("--batch", o.batch, 1);
  require_at_least("--width", o.width, 1);
  require_at_least("--depth", o.depth, 1);
  require_at_least("--time-features", o.time_features, 0);
  require_at_least("--eval-n", o.eval_n, 0);
  if (o.eval_n == 1) throw UsageError("--eval-n must be 0 (no evaluation) or >= 2, got 1");
  require_at_least("--checkpoint-every", o.checkpoint_every, 0);
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw UsageError("--lr must be a finite number > 0, got " + format_number(o.lr));
  if (!(o.jac_reg >= 0) || !std::isfinite(o.jac_reg))
    throw UsageError("--jac-reg must be a finite number >= 0, got " + format_number(o.jac_reg));
  MlpConfig mc;
  mc.width = o.width;
  mc.depth = o.depth;
  mc.param = parse_enum("--param", parse_parameterization, o.param);
  mc.activation = parse_enum("--activation", parse_activation, o.activation);
  mc.time_features = o.time_features;
  mc.schedule = o.schedule;
  try {
    make_schedule(o.schedule);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--schedule: " + std::string(e.what()));
  }
  TrainConfig tc;
  tc.batch = o.batch;
  tc.lr = o.lr;
  tc.weighting = parse_enum("--weighting", parse_weighting, o.weighting);
  tc.lr_schedule = parse_enum("--lr-schedule", parse_lr_schedule, o.lr_schedule);
  tc.total_steps = o.steps;
  tc.jac_reg = o.jac_reg;
  const std::shared_ptr<const Density> density = load_density(o.density);
  mc.dim = density->dim();
  mc.validate();
  tc.validate();

  check_output_path("--save", o.save);
  check_output_path("--out", o.out);
  if (o.save == o.out) throw UsageError("--save and --out name the same file " + o.save);
  if (o.resume && o.checkpoint.empty()) throw UsageError("--resume needs --checkpoint FILE (the checkpoint to continue)");
  if (o.checkpoint_every > 0 && o.checkpoint.empty())
    throw UsageError("--checkpoint-every needs --checkpoint FILE (where to write the checkpoints)");
  // Without --checkpoint, Ctrl-C still saves one next to the model.
  const std::string ckpt_path = o.checkpoint.empty() ? o.save + ".ckpt" : o.checkpoint;
  check_output_path("--checkpoint", ckpt_path);
  if (ckpt_path == o.save || ckpt_path == o.out)
    throw UsageError("--checkpoint " + ckpt_path + " must differ from --save and --out");

  Rng root(o.seed);
  const std::uint64_t model_seed = root.next_u64(), train_seed = root.next_u64();
  Rng eval_rng = root.split();
  auto model = std::make_shared<Mlp>(mc, model_seed);
  DsmTrainer trainer(density, model, tc, train_seed);
  std::int64_t resumed_from = 0;
  if (o.resume) {
    try {
      trainer.load_checkpoint(o.checkpoint);
    } catch (const std::exception& e) {
      throw UsageError("--checkpoint: " + std::string(e.what()));
    }
    trainer.set_lr(o.lr);  // the checkpoint stores the lr it ran with; this run's --lr applies
    resumed_from = trainer.steps_done();
    if (resumed_from > o.steps)
      throw UsageError("--steps " + std::to_string(o.steps) + " is below the checkpoint's step " +
                       std::to_string(resumed_from) + " (" + o.checkpoint + ")");
  }

  // ---- 2. train ----
  const auto t0 = std::chrono::steady_clock::now();
  {
    SigintGuard guard;
    Progress bar("train2d", o.steps, !o.quiet, resumed_from);
    char status[64] = "";
    while (trainer.steps_done() < o.steps) {
      if (SigintGuard::interrupted()) {
        trainer.save_checkpoint(ckpt_path);
        bar.finish(status);
        throw Interrupted("interrupted at step " + std::to_string(trainer.steps_done()) + " of " +
                              std::to_string(o.steps) + "; checkpoint saved to " + ckpt_path +
                              " (continue with the same options plus --checkpoint " + ckpt_path + " --resume)",
                          130);
      }
      trainer.step();
      const std::int64_t done = trainer.steps_done();
      if (o.checkpoint_every > 0 && done % o.checkpoint_every == 0 && done < o.steps && !o.checkpoint.empty())
        trainer.save_checkpoint(o.checkpoint);
      const std::vector<double>& h = trainer.loss_history();
      std::snprintf(status, sizeof status, "loss %.4g", mean_of(h, h.size() - std::min<size_t>(h.size(), 10), h.size()));
      bar.update(done, status);
    }
    bar.finish(status);
  }
  const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.checkpoint.empty()) trainer.save_checkpoint(o.checkpoint);

  // ---- 3. evaluate: sample with the trained field, compare with fresh density draws ----
  const std::vector<double>& losses = trainer.loss_history();
  const size_t n_loss = losses.size();
  Json metrics = Json::object();
  metrics["final_loss"] = number(mean_of(losses, n_loss - std::min<size_t>(n_loss, kLossWindow), n_loss));
  metrics["initial_loss"] = number(mean_of(losses, 0, std::min<size_t>(n_loss, kLossWindow)));
  metrics["steps"] = trainer.steps_done();
  metrics["steps_this_run"] = trainer.steps_done() - resumed_from;
  metrics["resumed_from_step"] = resumed_from;
  metrics["train_seconds"] = number(train_seconds);
  metrics["steps_per_second"] =
      number(train_seconds > 0 ? static_cast<double>(trainer.steps_done() - resumed_from) / train_seconds : NAN);
  metrics["num_params"] = model->num_params();
  metrics["final_lr"] = number(trainer.current_lr());
  if (o.jac_reg > 0) {  // the regulariser's value lambda ||J - J^T||_F^2 (estimate), last 100 steps
    const std::vector<double>& p = trainer.penalty_history();
    metrics["final_penalty"] = number(mean_of(p, p.size() - std::min<size_t>(p.size(), kLossWindow), p.size()));
  }

  SamplerConfig sc;
  sc.kind = SamplerKind::OdeHeun;
  sc.steps = 100;
  sc.grid = TimeGrid::K;
  Json evaluation = Json{{"sampler", to_string(sc.kind)}, {"steps", sc.steps}, {"grid", "k"}, {"n", o.eval_n}};
  SampleReport report;
  if (o.eval_n > 0) {
    const auto e0 = std::chrono::steady_clock::now();
    const MlpField field(model);
    Rng sampler_rng = eval_rng.split(), metric_rng = eval_rng.split();
    Progress bar("evaluate", sc.steps, !o.quiet);
    const Points x = sample(field, model->schedule(), sc, o.eval_n, sampler_rng, [&](int step, double, const Points&) {
      bar.update(step);
      return true;
    });
    bar.finish();
    report = evaluate_samples(x, *density, metric_rng);
    for (const auto& [k, v] : report.metrics.items()) metrics[k] = v;
    metrics["eval_seconds"] = number(std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count());
  }

  // ---- 4. the run JSON, then write model and JSON atomically ----
  Json doc = run_json_head("train2d", o.seed);
  doc["config"] = Json{{"density", o.density},
                       {"steps", o.steps},
                       {"batch", o.batch},
                       {"width", o.width},
                       {"depth", o.depth},
                       {"param", o.param},
                       {"weighting", o.weighting},
                       {"activation", o.activation},
                       {"time_features", o.time_features},
                       {"schedule", o.schedule},
                       {"lr", number(o.lr)},
                       {"lr_schedule", o.lr_schedule},
                       {"jac_reg", number(o.jac_reg)},
                       {"seed", o.seed},
                       {"eval_n", o.eval_n}};
  doc["outputs"] = Json{{"save", o.save}, {"out", o.out}};
  if (!o.checkpoint.empty()) doc["outputs"]["checkpoint"] = o.checkpoint;
  doc["model"] = describe(model->config());
  doc["metrics"] = std::move(metrics);
  doc["evaluation"] = std::move(evaluation);
  if (o.eval_n > 0) {
    doc["reference_floor"] = report.reference_floor;
    doc["grid_box"] = report.grid_box;
  }
  const size_t stride = n_loss <= kMaxHistory ? 1 : (n_loss + kMaxHistory - 1) / kMaxHistory;
  Json history = Json::array();
  for (size_t i = 0; i < n_loss; i += stride) history.push_back(number(mean_of(losses, i, std::min(n_loss, i + stride))));
  doc["loss_history_stride"] = stride;
  doc["loss_history"] = std::move(history);

  try {
    model->save(o.save);
  } catch (const std::exception& e) {
    throw std::runtime_error("--save: " + std::string(e.what()));
  }
  write_json_atomic("--out", o.out, doc);
  if (!o.quiet) {
    std::fprintf(stderr, "train2d: %lld steps, final loss %.4g; model %s, run %s\n",
                 static_cast<long long>(trainer.steps_done()), doc["metrics"]["final_loss"].is_null() ? NAN :
                 doc["metrics"]["final_loss"].get<double>(), o.save.c_str(), o.out.c_str());
  }
}

}  // namespace

void add_train2d(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("train2d", "Train a small MLP on a 2D density by denoising score matching (Eq. 16)");
  auto o = std::make_shared<Train2dOptions>();
  sub->option_defaults()->always_capture_default();
  std::string names;
  for (const std::string& n : density_names()) names += (names.empty() ? "" : "|") + n;
  sub->add_option("--density", o->density, "Data density: " + names)->required();
  sub->add_option("--steps", o->steps, "Total training steps (with --resume: the step to train up to)");
  sub->add_option("--batch", o->batch, "Batch size B (samples per step)");
  sub->add_option("--width", o->width, "Hidden units per layer");
  sub->add_option("--depth", o->depth, "Hidden layers L");
  sub->add_option("--param", o->param, "Parameterisation: score (NN is s) | eps (s = -NN/sigma_t) | potential "
                                       "(s = grad phi, exactly conservative)");
  sub->add_option("--weighting", o->weighting, "Loss weighting lambda(k): uniform | eps (sigma^2) | likelihood (g^2 dt)");
  sub->add_option("--activation", o->activation, "Activation: silu|elu|relu|tanh");
  sub->add_option("--time-features", o->time_features, "Sinusoidal time features (even; 0 feeds c(t) = ln(sigma)/4 itself)");
  sub->add_option("--schedule", o->schedule, "Noise schedule: cosine|linear|ve (stored in the model)");
  sub->add_option("--lr", o->lr, "Adam learning rate (the base rate of --lr-schedule)");
  sub->add_option("--lr-schedule", o->lr_schedule, "Learning-rate schedule: constant, or cosine (decay from --lr to "
                                                   "lr/100 over --steps; resume with the same --steps)");
  sub->add_option("--jac-reg", o->jac_reg, "lambda of the conservative regulariser lambda E||J - J^T||_F^2 "
                                           "(0: off; no effect with --param potential)");
  sub->add_option("--seed", o->seed, "Seed of every random stream (initialisation, batches, evaluation)");
  sub->add_option("--eval-n", o->eval_n, "Points sampled for the evaluation after training (ode-heun, 100 steps on the "
                                         "k grid; metrics against as many fresh density samples); 0 skips it");
  sub->add_option("--save", o->save, "Output model file (load it with --field mlp:FILE)")->required();
  sub->add_option("--out", o->out, "Output run JSON (config, seed, version, metrics, loss_history)")->required();
  sub->add_option("--checkpoint", o->checkpoint, "Training checkpoint (model, Adam state, RNG, loss history), written "
                                                 "every --checkpoint-every steps, at the end and on Ctrl-C "
                                                 "(default on Ctrl-C only: MODEL.ckpt)");
  sub->add_option("--checkpoint-every", o->checkpoint_every, "Checkpoint period in steps (0: only at the end and on Ctrl-C)");
  sub->add_flag("--resume", o->resume, "Continue from --checkpoint (bit-identical to an uninterrupted run)");
  sub->add_flag("--quiet", o->quiet, "No progress output");
  sub->footer(
      "Progress: a bar with ETA on a terminal, one plain line per 10% otherwise. Ctrl-C saves the checkpoint and "
      "exits with code 130.\n"
      "Options can also come from JSON: --config FILE (a run JSON written by this subcommand, or an object keyed by "
      "option name); options on the command line win.\n"
      "Example: wgflab train2d --density gmm8 --steps 5000 --batch 256 --width 128 --depth 3 --seed 1 "
      "--save gmm8.bin --out gmm8.json");
  sub->callback([o] { run_train2d(*o); });
}

}  // namespace wgf::cli
