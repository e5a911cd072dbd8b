// Panel 8 — Images: see panel_images.hpp.
//
// Sections: [settings -> options] [background work] [drawing] [export]
#include "panel_images.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app.hpp"
#include "ui_util.hpp"
#include "wgf/binary_io.hpp"
#include "wgf/runjson/image_diagnose_json.hpp"

namespace wgf::ui {

// ---- [settings -> options] ----------------------------------------------------------------------
namespace {

// "10,500" -> {10, 500}; the CLI's comma lists.
std::vector<int> parse_ints(const std::string& text, const std::string& name) {
  std::vector<int> out;
  size_t i = 0;
  while (i <= text.size()) {
    const size_t j = std::min(text.find(',', i), text.size());
    const std::string item = text.substr(i, j - i);
    size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw std::invalid_argument(name + ": expected integers separated by commas, got '" + text + "'");
    out.push_back(v);
    i = j + 1;
  }
  return out;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

}  // namespace

gpu::DiagnoseOptions diagnose_options(const ImagesSettings& s, std::vector<std::string>* path_keys) {
  gpu::DiagnoseOptions o;
  if (s.source == "run") {
    require(!s.run_dir.empty(), "run folder: give a `wgflab train` run folder (or its checkpoint.pt)");
    o.ckpt = s.run_dir;
  } else if (s.source == "torchscript") {
    require(!s.model.empty(), "TorchScript file: give the path of a model saved with torch.jit.save");
    o.model = s.model;
    o.input_shape = parse_ints(s.input_shape, "input shape");
    require(o.input_shape.size() == 3, "input shape: expected C,H,W, got '" + s.input_shape + "'");
    o.output = s.output;
    o.schedule = s.schedule;
    o.data.name = s.dataset;
    o.data.dir = s.data_dir;
  } else {
    throw std::invalid_argument("source: expected run or torchscript, got '" + s.source + "'");
  }
  o.truth_images = s.truth_images;
  SweepConfig& c = o.sweep;
  c.num_k = s.k_count;
  if (!s.ks.empty()) c.ks = parse_ints(s.ks, "ks");
  c.samples = s.samples;
  c.path_kinds.clear();
  std::vector<std::string> keys;
  for (const auto& [on, kind] : {std::pair{s.brownian, PathKind::Brownian}, std::pair{s.rotation, PathKind::Rotation},
                                 std::pair{s.projection, PathKind::Projection}})
    if (on) {
      c.path_kinds.push_back(kind);
      keys.push_back(to_string(kind));
    }
  c.brownian.steps = s.bridge_steps;
  c.rotation_steps = s.rotation_steps;
  c.projection.points_per_segment = s.projection_points;
  c.projection.noisings = s.projection_noisings;
  c.jacobian_coords = s.jacobian;
  c.divergence.probes = s.probes;
  c.seed = s.seed;
  o.fd_samples = s.fd_samples;
  o.ema = s.ema;
  o.device = s.device;
  o.threads = s.threads;
  if (path_keys) *path_keys = std::move(keys);
  return o;
}

gpu::SampleOptions sample_options(const ImagesSettings& s) {
  require(s.source == "run", "samples: only a `wgflab train` run folder can be sampled here (its schedule and "
                             "sampler rules are in its config.json)");
  require(!s.run_dir.empty(), "run folder: give a `wgflab train` run folder (or its checkpoint.pt)");
  gpu::SampleOptions o;
  o.ckpt = s.run_dir;
  o.sampler = s.sampler;
  o.steps = s.sample_steps;
  o.n = s.sample_n;
  o.seed = s.seed;
  o.ema = s.ema;
  o.device = s.device;
  o.threads = s.threads;
  return o;
}

// ---- [background work] --------------------------------------------------------------------------
ImagesPanel::~ImagesPanel() {
  cancel_ = true;  // a diagnosis stops at its next k; a sampling runs to its end
  if (worker_.joinable()) worker_.join();
}

template <class Work>
void ImagesPanel::launch(Work work, bool diagnosis) {
  if (busy()) throw std::logic_error("the Images panel is busy: wait for the running work or cancel it");
  cancel_ = false;
  finished_ = false;
  done_ = 0;
  total_ = 0;
  worker_is_diagnosis_ = diagnosis;
  pending_error_.clear();
  worker_ = std::thread([this, work = std::move(work)]() mutable {
    try {
      work();
    } catch (const std::exception& e) {
      pending_error_ = e.what();
    }
    finished_.store(true, std::memory_order_release);
  });
}

void ImagesPanel::start_diagnosis() {
  std::vector<std::string> keys;
  gpu::DiagnoseOptions o = diagnose_options(settings_, &keys);  // bad settings throw here, on the UI thread
  launch(
      [this, o = std::move(o), keys = std::move(keys)]() {
        ImageDiagnosis d;
        d.options = o;
        d.path_keys = keys;
        const auto t0 = std::chrono::steady_clock::now();
        d.result = gpu::diagnose_images(o, [this](int done, int total) {
          done_ = done;
          total_ = total;
          return !cancel_.load();
        });
        d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        d.cancelled = cancel_.load();
        pending_diagnosis_ = std::move(d);
      },
      true);
}

void ImagesPanel::start_sampling() {
  gpu::SampleOptions o = sample_options(settings_);
  launch(
      [this, o = std::move(o)]() {
        pending_samples_ = gpu::sample_images(o, [this](const gpu::TrainProgress& p) {
          done_ = static_cast<int>(p.step + 1);
          total_ = static_cast<int>(p.total_steps);
        });
      },
      false);
}

bool ImagesPanel::poll() {
  if (!worker_.joinable() || !finished_.load(std::memory_order_acquire)) return false;
  worker_.join();
  error_ = std::move(pending_error_);
  pending_error_.clear();
  if (!error_.empty()) return true;
  if (worker_is_diagnosis_) {
    diagnosis_ = std::move(pending_diagnosis_);
    has_diagnosis_ = true;
  } else {
    samples_ = std::move(pending_samples_);
  }
  return true;
}

// ---- [drawing] ----------------------------------------------------------------------------------
namespace {

const std::vector<std::string> kKinds = {"brownian", "rotation", "projection"};

// A marker at each finite point (a sweep of a few k reads better with its points shown).
void markers(const plot::Axes& a, const std::vector<double>& xs, const std::vector<double>& ys, ImU32 colour) {
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i)
    if (std::isfinite(ys[i]) && ys[i] > 0) plot::marker(a, xs[i], ys[i], colour);
}

bool input_int(const char* label, int& v, int lo) {
  const bool changed = ImGui::InputInt(label, &v, 0, 0);
  v = std::max(v, lo);
  return changed;
}

}  // namespace

void ImagesPanel::source_settings() {
  ImagesSettings& s = settings_;
  section("Model");
  if (ImGui::RadioButton("run folder", s.source == "run")) s.source = "run";
  ImGui::SameLine();
  if (ImGui::RadioButton("TorchScript", s.source == "torchscript")) s.source = "torchscript";
  if (s.source == "run") {
    ImGui::InputText("run", &s.run_dir);
    ImGui::Checkbox("EMA weights", &s.ema);
  } else {
    ImGui::InputText("model .pt", &s.model);
    ImGui::InputText("input C,H,W", &s.input_shape);
    combo("output", s.output, {"eps", "score"});
    combo("schedule", s.schedule, {"cosine", "linear", "ve"});
    combo("dataset", s.dataset, {"mnist", "fashion", "cifar10", "celeba"});
    ImGui::InputText("data folder", &s.data_dir);
  }
  input_int("truth images", s.truth_images, 0);
}

void ImagesPanel::sweep_settings() {
  ImagesSettings& s = settings_;
  section("Sweep");
  input_int("k count", s.k_count, 1);
  ImGui::InputText("ks (or)", &s.ks);
  input_int("samples", s.samples, 2);
  ImGui::Checkbox("Brownian", &s.brownian);
  ImGui::SameLine();
  ImGui::Checkbox("rotation", &s.rotation);
  ImGui::SameLine();
  ImGui::Checkbox("projection", &s.projection);
  input_int("bridge steps", s.bridge_steps, 2);
  input_int("rotation steps", s.rotation_steps, 3);
  input_int("proj. points", s.projection_points, 1);
  input_int("proj. noisings", s.projection_noisings, 2);
  input_int("jacobian |I|", s.jacobian, 2);
  input_int("FD samples", s.fd_samples, 0);
  int seed = static_cast<int>(s.seed);
  if (input_int("seed", seed, 0)) s.seed = static_cast<std::uint64_t>(seed);
  combo("device", s.device, {"auto", "cpu", "cuda"});
  input_int("threads", s.threads, 0);
}

void ImagesPanel::curves(App& app, float height) {
  std::vector<double> ks, ja, sr, el;
  std::vector<std::vector<double>> ratio(kKinds.size());
  for (const SweepRow& r : diagnosis_.result.rows) {
    ks.push_back(r.k);
    ja.push_back(r.jac_asym_rel);
    sr.push_back(r.stein_rms);
    el.push_back(r.error_l2);
    for (size_t q = 0; q < kKinds.size(); ++q) {
      double v = NAN;
      for (size_t p = 0; p < diagnosis_.path_keys.size() && p < r.loops.size(); ++p)
        if (diagnosis_.path_keys[p] == kKinds[q]) v = r.loops[p].ratio_abs_mean;
      ratio[q].push_back(v);
    }
  }
  double k_hi = 1000;  // the engine's schedules: T = 1000
  for (double k : ks) k_hi = std::max(k_hi, k);
  const float w = ImGui::GetContentRegionAvail().x;
  {
    plot::AxesStyle st;
    st.log_y = true;
    st.x_label = "k";
    st.title = "|Eq. 7 ratio| per mechanism; Jacobian asymmetry (Eq. 5)";
    std::vector<double> all = ja;
    for (const auto& v : ratio) all.insert(all.end(), v.begin(), v.end());
    plot::Axes a("images.loops", ImVec2(w * 0.5f - 4, height), {0, k_hi}, plot::data_range(all, true), st);
    const char* names[] = {"Brownian", "rotation", "projection"};
    for (size_t q = 0; q < kKinds.size(); ++q) {
      plot::line(a, ks, ratio[q], plot::series_colour(static_cast<int>(q)), 2);
      markers(a, ks, ratio[q], plot::series_colour(static_cast<int>(q)));
      a.legend(names[q], plot::series_colour(static_cast<int>(q)));
    }
    plot::line(a, ks, ja, plot::series_colour(3), 2);
    markers(a, ks, ja, plot::series_colour(3));
    a.legend("||J-J^T||/||J+J^T||", plot::series_colour(3));
    if (ks.empty())
      a.draw()->AddText(ImVec2(a.inner().min.x + 10, a.inner().min.y + 10), IM_COL32(200, 200, 200, 200),
                        "press 'Run diagnosis': the diagnostics at each k");
    app.note_layout("plot:images.loops", a.inner());
  }
  ImGui::SameLine();
  {
    plot::AxesStyle st;
    st.log_y = true;
    st.x_label = "k";
    st.title = "Stein check (Eqs. 20-21): RMS S; error E|e|^2";
    std::vector<double> all = sr;
    all.insert(all.end(), el.begin(), el.end());
    plot::Axes a("images.stein", ImVec2(-1, height), {0, k_hi}, plot::data_range(all, true), st);
    plot::line(a, ks, sr, plot::series_colour(4), 2);
    plot::line(a, ks, el, plot::series_colour(5), 2);
    markers(a, ks, sr, plot::series_colour(4));
    markers(a, ks, el, plot::series_colour(5));
    a.legend("stein_rms", plot::series_colour(4));
    a.legend("error_l2", plot::series_colour(5));
    app.note_layout("plot:images.stein", a.inner());
  }
}

// One filled rectangle per pixel through the draw list (the front end has no textures; this
// also runs headless and on the web): images in rows of ~sqrt(n), 1-pixel gaps.
void ImagesPanel::sample_grid(App& app, ImVec2 size) {
  const gpu::Images& im = samples_;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), IM_COL32(20, 20, 24, 255));
  grid_pixels_ = 0;
  if (im.n > 0 && im.height > 0 && im.width > 0) {
    const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(im.n))));
    const int rows = (im.n + cols - 1) / cols;
    const float gap = 2;
    const float scale = std::max(1.0f, std::floor(std::min((size.x - gap * (cols + 1)) / static_cast<float>(cols * im.width),
                                                           (size.y - gap * (rows + 1)) / static_cast<float>(rows * im.height))));
    const std::size_t plane = static_cast<std::size_t>(im.height) * im.width;
    for (int n = 0; n < im.n; ++n) {
      const float ox = p0.x + gap + static_cast<float>(n % cols) * (im.width * scale + gap);
      const float oy = p0.y + gap + static_cast<float>(n / cols) * (im.height * scale + gap);
      const std::uint8_t* px = im.pixels.data() + static_cast<std::size_t>(n) * im.channels * plane;
      for (int y = 0; y < im.height; ++y)
        for (int x = 0; x < im.width; ++x) {
          const std::size_t i = static_cast<std::size_t>(y) * im.width + x;
          const std::uint8_t r = px[i], g = im.channels >= 3 ? px[plane + i] : r, b = im.channels >= 3 ? px[2 * plane + i] : r;
          const ImVec2 a(ox + x * scale, oy + y * scale);
          dl->AddRectFilled(a, ImVec2(a.x + scale, a.y + scale), IM_COL32(r, g, b, 255));
          ++grid_pixels_;
        }
    }
  } else {
    dl->AddText(ImVec2(p0.x + 10, p0.y + 10), IM_COL32(200, 200, 200, 200),
                "press 'Sample': a grid of the run's EMA samples");
  }
  ImGui::Dummy(size);
  app.note_layout("plot:images.grid", {p0, ImVec2(p0.x + size.x, p0.y + size.y)});
  app.set_readout("images.grid_pixels", static_cast<double>(grid_pixels_));
}

// ---- [export] -----------------------------------------------------------------------------------
Json ImagesPanel::run_json(const std::string& out) const {
  if (!has_diagnosis_) return Json::object();
  return runjson::image_diagnose_json(diagnosis_.options, diagnosis_.result, diagnosis_.path_keys, diagnosis_.seconds,
                                      out);
}

void ImagesPanel::export_json(App& app) {
  if (!has_diagnosis_) {
    app.notify("Export JSON: run a diagnosis first", true);
    return;
  }
  try {
    const std::filesystem::path parent = std::filesystem::path(export_path_).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    write_file_atomic(export_path_, run_json(export_path_).dump(2) + "\n");
    app.notify("diagnosis written to " + export_path_ + " (wgflab report / Compare read it)");
  } catch (const std::exception& e) {
    app.notify(e.what(), true);
  }
}

void ImagesPanel::draw(App& app) {
  if (export_path_.empty())
    export_path_ = (app.options().out_dir.empty() ? std::string() : app.options().out_dir + "/") + "images-diagnose.json";
  if (poll()) {
    if (!error_.empty()) app.notify(error_, true);
    else if (worker_is_diagnosis_)
      app.notify(std::string(diagnosis_.cancelled ? "diagnosis cancelled: " : "diagnosis done: ") +
                 std::to_string(diagnosis_.result.rows.size()) + " k in " + fmt(diagnosis_.seconds, "%.1f") + " s");
    else app.notify("sampled " + std::to_string(samples_.n) + " images");
  }
  if (app.take("images.cancel")) cancel();
  explain(
      "The paper's diagnostics on an image model (as `wgflab diagnose`): closed-loop integrals along Brownian, "
      "rotation and projection paths (Eq. 7 ratio), the asymmetry of a sampled |I| x |I| sub-Jacobian (Eq. 5) and "
      "the Stein check (Eqs. 20-21), against the exact score of the empirical training set. A true score has zero "
      "loops and a symmetric Jacobian; the defaults are small (seconds on a CPU).");
  const float em = ImGui::GetFontSize();
  ImGui::BeginChild("images.settings", ImVec2(std::min(26 * em, ImGui::GetContentRegionAvail().x * 0.4f), 0), true);
  ImGui::PushItemWidth(-9 * em);
  source_settings();
  sweep_settings();
  ImGui::PopItemWidth();

  section("Run");
  auto guarded = [&app](auto f) {
    try {
      f();
    } catch (const std::exception& e) {
      app.notify(e.what(), true);
    }
  };
  const bool was_busy = busy();
  ImGui::BeginDisabled(was_busy);
  const bool run = app.button("Run diagnosis", "images.run");
  ImGui::SameLine();
  const bool sample = app.button("Sample", "images.sample");
  ImGui::EndDisabled();
  if (run) guarded([this] { start_diagnosis(); });
  if (sample) guarded([this] { start_sampling(); });
  ImGui::SameLine();
  ImGui::BeginDisabled(!was_busy || !worker_is_diagnosis_);
  if (ImGui::Button("Cancel")) cancel();
  ImGui::EndDisabled();
  const int done = done_, total = total_;
  const float frac = total > 0 ? static_cast<float>(done) / static_cast<float>(total) : 0.0f;
  const std::string what = busy() ? (worker_is_diagnosis_ ? "k " : "steps ") + std::to_string(done) + "/" +
                                        std::to_string(total) + (cancel_ ? " (cancelling)" : "")
                                  : (has_diagnosis_ ? std::to_string(diagnosis_.result.rows.size()) + " k" : "idle");
  ImGui::ProgressBar(busy() ? frac : (has_diagnosis_ ? 1.0f : 0.0f), ImVec2(-1, 0), what.c_str());
  ImGui::InputInt("images", &settings_.sample_n, 0, 0);
  settings_.sample_n = std::clamp(settings_.sample_n, 1, 64);  // one rectangle per pixel: keep the grid small
  ImGui::InputInt("ODE steps", &settings_.sample_steps, 0, 0);
  settings_.sample_steps = std::max(settings_.sample_steps, 1);
  if (!error_.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", error_.c_str());

  section("Export");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##export", &export_path_);
  if (app.button("Export JSON", "images.export")) export_json(app);
  ImGui::SameLine();
  if (app.button("Add to Compare", "images.compare")) {
    if (!has_diagnosis_) app.notify("Add to Compare: run a diagnosis first", true);
    else guarded([&] { app.add_compare_run(parse_run(run_json(export_path_), "images: " + diagnosis_.result.field)); });
  }
  if (has_diagnosis_) {
    const gpu::DiagnoseResult& r = diagnosis_.result;
    ImGui::TextWrapped("field: %s", r.field.c_str());
    ImGui::TextWrapped("truth: %s", r.truth.c_str());
    ImGui::Text("JVP: %s, %.1f s", r.exact_jvp ? "forward-mode AD" : "central differences", diagnosis_.seconds);
  }
  ImGui::EndChild();
  ImGui::SameLine();

  ImGui::BeginGroup();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  curves(app, std::max(10 * em, avail.y * 0.45f));
  const ImVec2 rest = ImGui::GetContentRegionAvail();
  sample_grid(app, ImVec2(std::max(rest.x, 4 * em), std::max(rest.y, 4 * em)));
  ImGui::EndGroup();

  app.set_readout("images.busy", busy() ? 1 : 0);
  app.set_readout("images.rows", has_diagnosis_ ? static_cast<double>(diagnosis_.result.rows.size()) : 0);
  app.set_readout("images.progress", static_cast<double>(done));
}

std::unique_ptr<Panel> make_images_panel() { return std::make_unique<ImagesPanel>(); }

}  // namespace wgf::ui
