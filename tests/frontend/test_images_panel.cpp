// The Images panel (built with LibTorch), headless: a tiny run trained here, its diagnosis run
// from the panel on the background thread while frames are pumped, checked number for number
// against a direct gpu::diagnose_images call with the same options, its exported JSON against
// the one `wgflab diagnose` writes (same keys, same numbers), the sample grid's pixel count,
// Cancel, and a bad setting refused with a message.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "cli_harness.hpp"
#include "frames.hpp"
#include "panel_images.hpp"
#include "run_file.hpp"
#include "tiny_run.hpp"
#include "wgf/gpu/api.hpp"

using wgf::test::HeadlessLab;
using wgf::ui::ImagesPanel;
using wgf::ui::PanelId;

namespace {

// The tiny run of the gpu/ tests, stopped after 4 steps, without sample grids.
wgf::gpu::TrainOptions tiny_run(const std::string& dir) {
  wgf::gpu::TrainOptions o = wgf::test::tiny_run(dir);
  o.max_steps = 4;
  o.grid = 0;
  return o;
}

// Pumps frames (a few ms apart, the worker has the cores) until the panel's worker is done.
void wait_for(HeadlessLab& lab, ImagesPanel& panel, double max_seconds = 600) {
  const auto t0 = std::chrono::steady_clock::now();
  lab.frames(1);
  while (panel.busy() && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < max_seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lab.frames(1);
  }
  lab.frames(1);
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The key paths of a JSON object (nested objects joined with '.'; arrays are leaves).
void key_paths(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    out.insert(prefix + it.key());
    if (it.value().is_object()) key_paths(it.value(), prefix + it.key() + ".", out);
  }
}
std::set<std::string> key_paths(const nlohmann::json& j) {
  std::set<std::string> s;
  key_paths(j, "", s);
  return s;
}

}  // namespace

TEST_CASE("ui: images - the panel's diagnosis equals diagnose_images, exports the CLI's JSON, draws samples",
          "[ui][gpu][slow]") {
  cli_test::Sandbox sb;
  const std::string run = (sb / "run").string();
  const wgf::gpu::TrainResult trained = wgf::gpu::train_diffusion(tiny_run(run));
  REQUIRE(trained.steps == 4);

  HeadlessLab lab;
  lab.app.state().train.running = false;
  auto* panel = dynamic_cast<ImagesPanel*>(lab.app.panel(PanelId::Images));
  REQUIRE(panel != nullptr);
  lab.show(PanelId::Images);
  REQUIRE(lab.app.state().panel == PanelId::Images);

  wgf::ui::ImagesSettings& s = panel->settings();
  s.source = "run";
  s.run_dir = run;
  s.ks = "10,500";
  s.samples = 4;
  s.bridge_steps = 8;
  s.rotation_steps = 8;
  s.projection_points = 2;
  s.projection_noisings = 2;
  s.jacobian = 6;
  s.probes = 1;
  s.fd_samples = 1;
  s.truth_images = 64;
  s.seed = 5;
  s.device = "cpu";
  s.threads = 1;

  // A bad setting is refused on the UI thread with a message naming it; nothing starts.
  s.ks = "10,x";
  lab.app.trigger("images.run");
  lab.frames(1);
  CHECK_FALSE(panel->busy());
  CHECK(lab.app.last_message().find("ks: expected integers") != std::string::npos);
  s.ks = "10,500";

  lab.app.trigger("images.run");
  lab.frames(1);
  CHECK(panel->busy());
  wait_for(lab, *panel);
  INFO(panel->error());
  REQUIRE(panel->error().empty());
  REQUIRE(panel->has_diagnosis());
  CHECK(lab.readout("images.rows") == 2);
  CHECK(lab.app.layout().count("plot:images.loops"));
  CHECK(lab.app.layout().count("plot:images.stein"));

  // The same options, built here by hand: the same seed gives identical numbers.
  wgf::gpu::DiagnoseOptions o;
  o.ckpt = run;
  o.truth_images = 64;
  o.sweep.ks = {10, 500};
  o.sweep.samples = 4;
  o.sweep.brownian.steps = 8;
  o.sweep.rotation_steps = 8;
  o.sweep.projection.points_per_segment = 2;
  o.sweep.projection.noisings = 2;
  o.sweep.jacobian_coords = 6;
  o.sweep.divergence.probes = 1;
  o.sweep.seed = 5;
  o.fd_samples = 1;
  o.device = "cpu";
  o.threads = 1;
  const wgf::gpu::DiagnoseResult direct = wgf::gpu::diagnose_images(o);
  const wgf::gpu::DiagnoseResult& shown = panel->diagnosis().result;
  REQUIRE(shown.rows.size() == 2);
  REQUIRE(direct.rows.size() == 2);
  CHECK(shown.field == direct.field);
  CHECK(shown.truth == direct.truth);
  for (size_t i = 0; i < 2; ++i) {
    const wgf::SweepRow &a = shown.rows[i], &b = direct.rows[i];
    CAPTURE(i);
    CHECK(a.k == b.k);
    CHECK(a.t == b.t);
    CHECK(a.jacobian_coords == b.jacobian_coords);
    CHECK(same(a.jac_asym_abs_mean, b.jac_asym_abs_mean));
    CHECK(same(a.jac_asym_abs_max, b.jac_asym_abs_max));
    CHECK(same(a.jac_asym_rel, b.jac_asym_rel));
    CHECK(same(a.error_l2, b.error_l2));
    CHECK(same(a.stein_mean, b.stein_mean));
    CHECK(same(a.stein_rms, b.stein_rms));
    CHECK(same(a.stein_cancellation, b.stein_cancellation));
    CHECK(same(shown.jacobian_fd_rel[i], direct.jacobian_fd_rel[i]));
    REQUIRE(a.loops.size() == 3);
    REQUIRE(b.loops.size() == 3);
    for (size_t p = 0; p < 3; ++p) {
      CHECK(same(a.loops[p].mean, b.loops[p].mean));
      CHECK(same(a.loops[p].ratio_abs_mean, b.loops[p].ratio_abs_mean));
    }
    // A (barely trained) U-Net is no gradient: its Jacobian is not symmetric.
    CHECK(a.jac_asym_rel > 1e-6);
    CHECK(a.error_l2 > 0);
  }
  CHECK(shown.rows[0].k == 10);
  CHECK(shown.rows[1].k == 500);

  // Export JSON writes the CLI's document: same keys everywhere, the same numbers in the rows.
  panel->export_path() = (sb / "panel.json").string();
  lab.app.trigger("images.export");
  lab.frames(1);
  const nlohmann::json mine = cli_test::read_json(sb / "panel.json");
  const auto cli = cli_test::wgflab(sb, "diagnose --ckpt '" + run + "' --k-sweep 4 --ks 10,500 --samples 4 --bridge-steps 8 --rotation-steps 8 "
                                        "--projection-points 2 --projection-noisings 2 --jacobian 6 --probes 1 "
                                        "--fd-samples 1 --truth-images 64 --seed 5 --device cpu --threads 1 --quiet "
                                        "--out cli.json");
  INFO(cli.err);
  REQUIRE(cli.code == 0);
  const nlohmann::json theirs = cli_test::read_json(sb / "cli.json");
  CHECK(mine["command"] == "diagnose");
  CHECK(key_paths(mine) == key_paths(theirs));
  CHECK(key_paths(mine["config"]) == key_paths(theirs["config"]));
  REQUIRE(mine["rows"].size() == 2);
  REQUIRE(theirs["rows"].size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(key_paths(mine["rows"][i]) == key_paths(theirs["rows"][i]));
    for (const char* key : {"k", "t", "jac_asym_rel", "error_l2", "stein_rms"}) {
      CAPTURE(i, key);
      CHECK(mine["rows"][i][key] == theirs["rows"][i][key]);
    }
    CHECK(mine["rows"][i]["loop_ratio"] == theirs["rows"][i]["loop_ratio"]);
    CHECK(mine["rows"][i]["jacobian"] == theirs["rows"][i]["jacobian"]);
  }
  for (const char* key : {"field", "density", "schedule", "shape", "loops", "jvp", "notes"}) {
    CAPTURE(key);
    CHECK(mine[key] == theirs[key]);
  }
  nlohmann::json mc = mine["config"], tc = theirs["config"];
  CHECK(mc == tc);

  // Compare reads it: the rows become curves over k.
  lab.app.trigger("images.compare");
  lab.frames(1);
  lab.show(PanelId::Compare);
  lab.frames(1);
  CHECK(lab.readout("compare.runs") == 1);
  const wgf::ui::RunFile rf = wgf::ui::parse_run(panel->run_json("x.json"), "images");
  REQUIRE(rf.curves.count("jac_asym_rel"));
  CHECK(rf.curves.at("jac_asym_rel").x == std::vector<double>{10, 500});
  REQUIRE(rf.curves.count("eq7_ratio_rotation"));
  CHECK(rf.curves.at("eq7_ratio_rotation").y[1] == shown.rows[1].loops[1].ratio_abs_mean);

  // Sample: a grid of n images of 1 x 28 x 28, one rectangle per pixel.
  lab.show(PanelId::Images);
  s.sample_n = 4;
  s.sample_steps = 3;
  lab.app.trigger("images.sample");
  lab.frames(1);
  wait_for(lab, *panel);
  REQUIRE(panel->error().empty());
  CHECK(panel->samples().n == 4);
  CHECK(panel->samples().channels == 1);
  CHECK(panel->grid_pixels() == 4 * 28 * 28);
  CHECK(lab.readout("images.grid_pixels") == 4 * 28 * 28);
  const auto& grid = lab.app.layout().at("plot:images.grid");
  CHECK(grid.width() > 28 * 2);
  CHECK(grid.height() > 28 * 2);

  // Cancel: the progress callback answers false; the rows done so far are kept.
  s.ks = "10,100,200,300,400,500,600,700,800,900";
  lab.app.trigger("images.run");
  lab.frames(1);
  REQUIRE(panel->busy());
  const auto t0 = std::chrono::steady_clock::now();
  while (panel->progress_done() < 1 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 300)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  lab.app.trigger("images.cancel");
  wait_for(lab, *panel);
  REQUIRE(panel->error().empty());
  CHECK(panel->diagnosis().cancelled);
  CHECK(panel->diagnosis().result.rows.size() >= 1);
  CHECK(panel->diagnosis().result.rows.size() < 10);
  CHECK(panel->diagnosis().result.rows[0].k == 10);
}
