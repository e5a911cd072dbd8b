// Sections: [errors and run_app] [JSON --config] [option checks] [fields] [points CSV]
//           [JSON output] [metrics against the density] [progress]
#include "common.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

#include "wgf/binary_io.hpp"
#include "wgf/metrics.hpp"
#include "wgf/mlp.hpp"

#ifndef WGFLAB_VERSION
#error "WGFLAB_VERSION must be defined by the build (native/cli/CMakeLists.txt)"
#endif

namespace wgf::cli {

// ---- [errors and run_app] -------------------------------------------------------------------
namespace {
// One line: newlines inside a message (CLI11 sometimes adds them) become "; ".
std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "; ";
    } else {
      out += c;
    }
  }
  return out;
}

int fail(const std::string& what, int code = 2) {
  std::cerr << "wgflab: error: " << one_line(what) << std::endl;
  return code;
}
}  // namespace

int run_app(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::FileError& e) {  // only --config reads files through CLI11
    return fail("--config: " + std::string(e.what()));
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0; print them the CLI11 way.
    if (e.get_exit_code() == 0) return app.exit(e);
    return fail(e.what());
  } catch (const Interrupted& e) {
    std::cerr << "wgflab: " << one_line(e.what()) << std::endl;
    return e.code();
  } catch (const UsageError& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  } catch (const std::runtime_error& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 1);
  }
}

// ---- [JSON --config] ------------------------------------------------------------------------
namespace {
// CLI11 config reader for JSON. CLI11 reads config files from the main app only, after the
// command line is parsed, so the selected subcommand is known here and each key is routed to
// it. Unknown keys are an error (never silently ignored).
class JsonConfig final : public CLI::Config {
 public:
  explicit JsonConfig(CLI::App* app) : app_(app) {}

  std::string to_config(const CLI::App* app, bool default_also, bool, std::string) const override {
    Json j = Json::object();
    for (const CLI::Option* opt : app->get_options()) {
      if (opt->get_lnames().empty() || !opt->get_configurable()) continue;
      const std::string name = opt->get_lnames().front();
      if (opt->count() > 0) {
        j[name] = opt->as<std::string>();
      } else if (default_also && !opt->get_default_str().empty()) {
        j[name] = opt->get_default_str();
      }
    }
    return j.dump(2);
  }

  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override {
    const std::string file = app_->get_config_ptr()->as<std::string>();
    std::vector<CLI::App*> subs = app_->get_subcommands();
    if (subs.size() != 1) throw UsageError("--config " + file + ": give a subcommand, e.g. wgflab train2d --config " + file);
    CLI::App* sub = subs.front();
    Json doc;
    try {
      doc = Json::parse(in);
    } catch (const Json::exception& e) {
      throw UsageError("--config " + file + ": malformed JSON (" + std::string(e.what()) + ")");
    }
    if (!doc.is_object()) throw UsageError("--config " + file + ": expected a JSON object");
    if (doc.contains("command") && doc["command"].is_string() && doc["command"] != sub->get_name())
      throw UsageError("--config " + file + ": this is a run of '" + doc["command"].get<std::string>() + "', not '" +
                       sub->get_name() + "'");
    const Json& cfg = doc.contains("config") ? doc["config"] : doc;
    if (!cfg.is_object()) throw UsageError("--config " + file + ": \"config\" must be a JSON object");
    std::vector<CLI::ConfigItem> items;
    for (const auto& [key, value] : cfg.items()) {
      std::string name = key;
      std::replace(name.begin(), name.end(), '_', '-');
      if (name == "config" || sub->get_option_no_throw("--" + name) == nullptr)
        throw UsageError("--config " + file + ": '" + key + "' is not an option of " + sub->get_name());
      if (value.is_null()) continue;  // null: the option was not set in that run
      CLI::ConfigItem item;
      item.parents = {sub->get_name()};
      item.name = name;
      if (value.is_string()) {
        item.inputs = {value.get<std::string>()};
      } else if (value.is_boolean()) {
        item.inputs = {value.get<bool>() ? "true" : "false"};
      } else if (value.is_number()) {
        item.inputs = {value.dump()};
      } else {
        throw UsageError("--config " + file + ": '" + key + "' must be a string, number or boolean, got " + value.dump());
      }
      items.push_back(std::move(item));
    }
    return items;
  }

 private:
  CLI::App* app_;
};
}  // namespace

void add_json_config(CLI::App& app) {
  app.set_config("--config", "", "Read options from a JSON file: a run JSON (its \"config\" object) or an object keyed "
                                 "by option name; options on the command line win. Usage: wgflab SUB --config FILE");
  app.config_formatter(std::make_shared<JsonConfig>(&app));
  app.allow_config_extras(CLI::config_extras_mode::error);
}

// ---- [option checks] ------------------------------------------------------------------------
void require_at_least(const std::string& option, long long v, long long lo) {
  if (v < lo) throw UsageError(option + " must be >= " + std::to_string(lo) + ", got " + std::to_string(v));
}

void check_output_path(const std::string& option, const std::string& path) {
  if (path.empty()) throw UsageError(option + ": empty file name");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw UsageError(option + " " + path + ": is a directory, expected a file name");
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UsageError(option + " " + path + ": directory " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) throw UsageError(option + " " + path + ": directory " + dir + " is not writable");
}

// ---- [fields] -------------------------------------------------------------------------------
FieldSpec parse_field_spec(const std::string& text) {
  FieldSpec s;
  s.text = text;
  if (text == "exact") return s;
  if (text.rfind("mlp:", 0) == 0 && text.size() > 4) {
    s.exact = false;
    s.file = text.substr(4);
    return s;
  }
  throw UsageError("--field '" + text + "': expected 'exact' or 'mlp:FILE' (a model saved by wgflab train2d --save)");
}

std::shared_ptr<const Density> load_density(const std::string& name) {
  try {
    return std::shared_ptr<const Density>(make_density(name));
  } catch (const std::invalid_argument& e) {
    throw UsageError("--density: " + std::string(e.what()));
  }
}

LoadedField load_field(const FieldSpec& spec, std::shared_ptr<const Density> density, const std::string& schedule_name,
                       bool schedule_given) {
  LoadedField f;
  if (spec.exact) {
    if (!density) throw UsageError("--field exact needs --density");
    try {
      f.schedule = make_schedule(schedule_name);
    } catch (const std::invalid_argument& e) {
      throw UsageError("--schedule: " + std::string(e.what()));
    }
    f.schedule_name = schedule_name;
    f.field = std::make_shared<ExactScore>(density, f.schedule);
    f.description = "exact score of " + density->name() + " (" + schedule_name + ")";
    return f;
  }
  std::shared_ptr<Mlp> mlp;
  try {
    mlp = std::make_shared<Mlp>(Mlp::load(spec.file));
  } catch (const std::exception& e) {
    throw UsageError("--field " + spec.text + ": " + e.what());
  }
  const MlpConfig& c = mlp->config();
  if (schedule_given && schedule_name != c.schedule)
    throw UsageError("--schedule " + schedule_name + " conflicts with the model " + spec.file + ", trained on the " +
                     c.schedule + " schedule (an mlp field carries its own schedule; drop --schedule)");
  if (density && density->dim() != c.dim)
    throw UsageError("--field " + spec.text + ": the model is " + std::to_string(c.dim) + "-D but density '" +
                     density->name() + "' is " + std::to_string(density->dim()) + "-D");
  f.schedule = mlp->schedule_ptr();
  f.schedule_name = c.schedule;
  f.description = "mlp " + describe(c);
  f.field = std::make_shared<MlpField>(std::move(mlp));
  return f;
}

// ---- [points CSV] ---------------------------------------------------------------------------
namespace {
std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}
}  // namespace

std::vector<std::string> point_header(int dim) {
  if (dim == 2) return {"x", "y"};
  std::vector<std::string> h;
  for (int i = 1; i <= dim; ++i) h.push_back("x" + std::to_string(i));
  return h;
}

Points read_points_csv(const std::string& path, int dim) {
  std::ifstream in(path);
  if (!in) throw UsageError("--points " + path + ": cannot open for reading (" + std::strerror(errno) + ")");
  const std::vector<std::string> want = point_header(dim);
  std::string line;
  long lineno = 0;
  bool have_header = false;
  std::vector<double> values;
  const std::string where = "--points " + path + ":";
  while (std::getline(in, line)) {
    ++lineno;
    if (trim(line).empty()) continue;
    std::vector<std::string> cells = split_commas(line);
    if (!have_header) {
      if (cells != want)
        throw UsageError(where + std::to_string(lineno) + ": expected the header '" + join(want, ",") + "', got '" +
                         trim(line) + "'");
      have_header = true;
      continue;
    }
    if (static_cast<int>(cells.size()) != dim)
      throw UsageError(where + std::to_string(lineno) + ": expected " + std::to_string(dim) + " numbers (" +
                       join(want, ",") + "), got " + std::to_string(cells.size()) + " fields in '" + trim(line) + "'");
    for (const std::string& c : cells) {
      char* end = nullptr;
      errno = 0;
      const double v = c.empty() ? 0.0 : std::strtod(c.c_str(), &end);
      if (c.empty() || end != c.c_str() + c.size() || errno == ERANGE || !std::isfinite(v))
        throw UsageError(where + std::to_string(lineno) + ": '" + c + "' is not a finite number");
      values.push_back(v);
    }
  }
  if (!have_header) throw UsageError(where + " empty file, expected the header '" + join(want, ",") + "' and points");
  if (values.empty()) throw UsageError(where + " no points after the header");
  const Eigen::Index n = static_cast<Eigen::Index>(values.size()) / dim;
  return Eigen::Map<const Points>(values.data(), dim, n);
}

std::string points_csv(const std::vector<std::string>& header, const std::vector<const Points*>& blocks) {
  std::string out = join(header, ",") + "\n";
  const Eigen::Index n = blocks.empty() ? 0 : blocks.front()->cols();
  char buf[40];
  for (Eigen::Index j = 0; j < n; ++j) {
    bool first = true;
    for (const Points* b : blocks) {
      for (Eigen::Index r = 0; r < b->rows(); ++r) {
        std::snprintf(buf, sizeof buf, "%.17g", (*b)(r, j));
        if (!first) out += ',';
        out += buf;
        first = false;
      }
    }
    out += '\n';
  }
  return out;
}

// ---- [JSON output] --------------------------------------------------------------------------
namespace {
void replace_non_finite(Json& j) {
  if (j.is_number_float() && !std::isfinite(j.get<double>())) {
    j = nullptr;
  } else if (j.is_structured()) {
    for (auto& v : j) replace_non_finite(v);
  }
}
}  // namespace

void write_json_atomic(const std::string& option, const std::string& path, const Json& doc) {
  Json clean = doc;
  replace_non_finite(clean);
  write_text_atomic(option, path, clean.dump(2) + "\n");
}

void write_text_atomic(const std::string& option, const std::string& path, const std::string& text) {
  try {
    write_file_atomic(path, text);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(option + ": " + e.what());
  }
}

// ---- [metrics against the density] ----------------------------------------------------------
SampleReport evaluate_samples(const Points& generated, const Density& density, Rng& rng) {
  const wgf::SampleReport e = wgf::evaluate_samples(generated, density, rng);
  auto metrics = [&](const wgf::SampleMetrics& m) {
    return Json{{"swd", number(m.swd)}, {"mmd", number(m.mmd)}, {"energy", number(m.energy)},
                {"grid_kl", density.dim() == 2 ? number(m.grid_kl) : Json(nullptr)}};
  };
  SampleReport r;
  r.metrics = metrics(e.metrics);
  r.reference_floor = metrics(e.reference_floor);
  r.grid_box = Json{{"lo", number(e.grid_box.lo)}, {"hi", number(e.grid_box.hi)}, {"bins", e.bins}};
  return r;
}

// ---- [progress] -----------------------------------------------------------------------------
std::string format_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(std::string label, std::int64_t total, bool enabled, std::int64_t start)
    : label_(std::move(label)), total_(std::max<std::int64_t>(total, 1)), start_(start), done_(start),
      enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1), t0_(Clock::now()), last_(t0_) {
  next_mark_ = start_ + (total_ + 9) / 10;
  if (enabled_ && !tty_) std::cerr << line(start_, "") << std::endl;
}

std::string Progress::line(std::int64_t done, const std::string& status) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - start_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  const double frac = static_cast<double>(done) / static_cast<double>(total_);
  char head[160];
  std::snprintf(head, sizeof head, "%s %3d%% %lld/%lld", label_.c_str(), static_cast<int>(100.0 * frac),
                static_cast<long long>(done), static_cast<long long>(total_));
  std::string s = head;
  if (tty_) {
    constexpr int kWidth = 28;
    const int fill = static_cast<int>(frac * kWidth);
    s = label_ + " [" + std::string(static_cast<size_t>(fill), '#') + std::string(static_cast<size_t>(kWidth - fill), '.') +
        "]" + s.substr(label_.size());
  }
  if (!status.empty()) s += "  " + status;
  if (done > start_) {
    char tail[96];
    std::snprintf(tail, sizeof tail, "  %.1f/s  elapsed %s  ETA %s", rate, format_duration(elapsed).c_str(),
                  format_duration(eta).c_str());
    s += tail;
  }
  return s;
}

void Progress::update(std::int64_t done, const std::string& status) {
  done_ = done;
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (tty_) {
    if (since < 0.1) return;
    std::cerr << "\r\033[K" << line(done, status) << std::flush;
  } else {
    // A line per 10% of the work (at most one a second) and at least one every 10 s;
    // finish() prints the last one.
    if (done >= total_ || ((done < next_mark_ || since < 1.0) && since < 10.0)) return;
    while (next_mark_ <= done) next_mark_ += (total_ + 9) / 10;
    std::cerr << line(done, status) << std::endl;
  }
  last_ = now;
}

void Progress::finish(const std::string& status) {
  if (!enabled_) return;
  if (tty_) {
    std::cerr << "\r\033[K" << line(done_, status) << std::endl;
  } else {
    std::cerr << line(done_, status) << std::endl;
  }
}

// ---- Ctrl-C

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }
}  // namespace

struct SigintGuard::Saved {
  struct sigaction old {};
};

SigintGuard::SigintGuard() : saved_(std::make_unique<Saved>()) {
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, &saved_->old);
}

SigintGuard::~SigintGuard() { sigaction(SIGINT, &saved_->old, nullptr); }

bool SigintGuard::interrupted() { return g_interrupted != 0; }

}  // namespace wgf::cli
