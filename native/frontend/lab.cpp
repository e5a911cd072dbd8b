#include "lab.hpp"

#include <algorithm>
#include <ctime>

#include "wgf/test_fields.hpp"

namespace wgf::ui {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double cpu_ms_now() { return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

void EngineClock::begin_frame() {
  last_ms_ = frame_ms_;
  frame_cpu_ms_ = 0;
  mean_ms_ = mean_ms_ == 0 ? last_ms_ : 0.95 * mean_ms_ + 0.05 * last_ms_;
  max_ms_ = std::max(0.995 * max_ms_, last_ms_);
  frame_ms_ = 0;
}

void Lab::sync(const AppState& s) {
  bool world = false;
  if (!density_ || s.density != density_name_) {
    density_ = make_density(s.density);  // apply_json checked the name
    density_name_ = s.density;
    world = true;
  }
  if (!schedule_ || s.schedule != schedule_name_) {
    schedule_ = make_schedule(s.schedule);
    schedule_name_ = s.schedule;
    world = true;
  }
  if (world) {
    truth_ = std::make_shared<ExactScore>(density_, schedule_);
    ++world_version_;
  }
  if (!model_ || (world && model_->config().schedule != schedule_name_)) reset_model(s);
  if (world || s.field != field_spec_) rebuild_field(s);
  if (trainer_->current_lr() != s.train.lr && trainer_->config().lr_schedule == LrSchedule::Constant)
    trainer_->set_lr(s.train.lr);
}

void Lab::rebuild_field(const AppState& s) {
  field_spec_ = s.field;
  field_error_.clear();
  field_learned_ = s.field == "learned";
  ++spec_version_;
  if (field_learned_) {
    field_ = learned_;
    return;
  }
  try {
    field_ = make_field(s.field, density_, schedule_);
  } catch (const std::exception& e) {
    field_error_ = std::string("field '") + s.field + "': " + e.what() + " (showing the exact score)";
    field_ = truth_;
  }
}

std::shared_ptr<const VectorField> Lab::field_snapshot() const {
  if (!field_learned_) return field_;
  return std::make_shared<MlpField>(std::make_shared<Mlp>(*model_));
}

std::uint64_t Lab::field_version() const {
  return (spec_version_ << 40) ^ (world_version_ << 32) ^ (field_learned_ ? model_version_ : 0);
}

bool Lab::model_matches(const TrainSettings& t) const {
  const TrainSettings& o = trained_with_;
  return model_ && t.width == o.width && t.depth == o.depth && t.param == o.param && t.activation == o.activation &&
         t.time_features == o.time_features && t.weighting == o.weighting && t.batch == o.batch &&
         t.jac_reg == o.jac_reg;
}

void Lab::reset_model(const AppState& s) {
  if (!density_ || !schedule_) sync(s);
  MlpConfig mc;
  mc.dim = density_->dim();
  mc.width = s.train.width;
  mc.depth = s.train.depth;
  mc.param = parse_parameterization(s.train.param);
  mc.activation = parse_activation(s.train.activation);
  mc.time_features = s.train.time_features;
  mc.schedule = s.schedule;
  mc.T = schedule_->T();
  TrainConfig tc;
  tc.batch = s.train.batch;
  tc.lr = s.train.lr;
  tc.weighting = parse_weighting(s.train.weighting);
  tc.jac_reg = s.train.jac_reg;
  Rng root(s.seed);
  const std::uint64_t model_seed = root.next_u64(), train_seed = root.next_u64();
  model_ = std::make_shared<Mlp>(mc, model_seed);
  learned_ = std::make_shared<MlpField>(model_);
  trainer_ = std::make_unique<DsmTrainer>(density_, model_, tc, train_seed);
  trained_with_ = s.train;
  losses_.clear();
  train_error_.clear();
  steps_per_s_ = 0;
  rate_steps_ = -1;
  ++model_version_;
  if (field_learned_) field_ = learned_;
}

void Lab::set_params(const std::vector<float>& p) {
  if (p.size() != model_->params().size())
    throw std::invalid_argument("model parameters: " + std::to_string(p.size()) + " values for a network of " +
                                std::to_string(model_->params().size()) + " (" + describe(model_->config()) + ")");
  model_->params() = p;
  ++model_version_;
}

int Lab::train(double budget_ms, bool at_least_one) {
  if (!train_error_.empty()) return 0;
  const Clock::time_point t0 = Clock::now();
  int n = 0;
  try {
    EngineTimer timer(clock_);
    // Stop when the next step (estimated by the last one) would overrun the budget.
    double last = 0;
    while ((at_least_one && n == 0) || clock_.frame_ms() + ms_since(t0) + last <= budget_ms) {
      const Clock::time_point ts = Clock::now();
      losses_.push_back(trainer_->step());
      last = ms_since(ts);
      ++n;
    }
  } catch (const NonFiniteLoss& e) {
    train_error_ = std::string(e.what()) + " — lower the learning rate and press Reset network";
  }
  if (n > 0) ++model_version_;
  // Steps per wall-clock second (what the user sees), over windows of at least half a second.
  const Clock::time_point now = Clock::now();
  if (rate_steps_ < 0) {
    rate_mark_ = now;
    rate_steps_ = 0;
  }
  rate_steps_ += n;
  const double window = std::chrono::duration<double>(now - rate_mark_).count();
  if (window >= 0.5) {
    steps_per_s_ = rate_steps_ / window;
    rate_mark_ = now;
    rate_steps_ = 0;
  }
  return n;
}

}  // namespace wgf::ui
