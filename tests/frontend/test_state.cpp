// App state JSON, lessons, saved states and run documents.
#include <catch2/catch.hpp>

#include "frames.hpp"
#include "lesson.hpp"
#include "run_file.hpp"

using wgf::ui::AppState;
using wgf::ui::Json;

TEST_CASE("state: JSON round trip, partial updates, errors naming the key", "[ui][fast]") {
  AppState s;
  s.density = "moons";
  s.k = 321;
  s.train.width = 96;
  s.train.weighting = "likelihood";
  s.violations.loops.push_back({});
  s.violations.loops.push_back({false, {0, 0}, 1, {{0, 0}, {1, 0}, {1, 1}}});
  s.panel = wgf::ui::PanelId::NullKernel;
  const Json j = wgf::ui::to_json(s);
  AppState r;
  wgf::ui::apply_json(r, j);
  CHECK(wgf::ui::to_json(r) == j);
  CHECK(r.violations.loops[1].vertices.size() == 3);

  // A partial state changes only its keys.
  AppState p;
  wgf::ui::apply_json(p, Json{{"k", 7}, {"train", {{"lr", 0.01}}}});
  CHECK(p.k == 7);
  CHECK(p.train.lr == 0.01);
  CHECK(p.train.width == AppState{}.train.width);

  CHECK_THROWS_WITH(wgf::ui::apply_json(p, Json{{"train", {{"widht", 3}}}}),
                    Catch::Contains("state.train.widht: unknown key"));
  CHECK_THROWS_WITH(wgf::ui::apply_json(p, Json{{"train", {{"width", 0}}}}),
                    Catch::Contains("state.train.width: must be in 4..512, got 0"));
  CHECK_THROWS_WITH(wgf::ui::apply_json(p, Json{{"schedule", "cos"}}), Catch::Contains("'cos' is not one of cosine"));
  CHECK_THROWS_WITH(wgf::ui::apply_json(p, Json{{"panel", "nope"}}), Catch::Contains("unknown panel 'nope'"));
}

TEST_CASE("lessons: every preset loads and every tour step applies", "[ui][fast]") {
  std::vector<std::string> errors;
  const auto lessons = wgf::ui::read_lessons(std::string(WGF_ASSETS_DIR) + "/lessons", &errors);
  for (const std::string& e : errors) FAIL(e);
  REQUIRE(lessons.size() >= 4);
  CHECK(lessons.front().id == "01-tour");  // the default lesson sorts first
  for (const auto& l : lessons) {
    CAPTURE(l.id);
    AppState s = wgf::ui::lesson_state(l);
    CHECK(s.lesson == l.id);
    for (int i = 0; i < static_cast<int>(l.tour.size()); ++i) {
      wgf::ui::enter_step(s, l, i);
      CHECK(s.tour_step == i);
      if (l.tour[static_cast<size_t>(i)].has_panel) CHECK(s.panel == l.tour[static_cast<size_t>(i)].panel);
    }
  }
  CHECK_THROWS_WITH(wgf::ui::parse_lesson(Json{{"title", "x"}, {"tour", Json::array()}}, "x", "lesson"),
                    Catch::Contains("lesson.tour: expected a non-empty array"));
  CHECK_THROWS_WITH(
      wgf::ui::parse_lesson(Json{{"title", "x"}, {"tour", {{{"title", "a"}, {"text", "b"}, {"state", {{"k", -1}}}}}}},
                            "x", "lesson"),
      Catch::Contains("lesson.tour[0].state.k: must be in"));
}

TEST_CASE("state files: the network and its loss history survive save and load", "[ui][fast]") {
  wgf::test::HeadlessLab a("01-tour");
  a.app.state().train.running = true;
  a.frames(5);
  REQUIRE(a.app.lab().losses().size() >= 5);
  const Json saved = a.app.save_state();

  wgf::test::HeadlessLab b("02-null-kernel");
  b.app.load_state(saved);
  CHECK(b.app.state().lesson == "01-tour");
  CHECK(b.app.lab().model().params() == a.app.lab().model().params());
  CHECK(b.app.lab().losses() == a.app.lab().losses());
  wgf::Points x(2, 3);
  x << 0.1, -1, 2, 0.5, 0.3, -2;
  const double t = a.app.lab().time(50);
  CHECK((a.app.lab().learned()->eval(x, t) - b.app.lab().learned()->eval(x, t)).cwiseAbs().maxCoeff() == 0.0);

  Json bad = saved;
  bad["model"]["params"].erase(0);
  CHECK_THROWS_WITH(b.app.load_state(bad), Catch::Contains("model parameters: "));
  CHECK_THROWS_WITH(b.app.load_state(Json::object()), Catch::Contains("not a lab state file"));
}

TEST_CASE("run JSON: the lab's run document is what Compare reads", "[ui][fast]") {
  wgf::test::HeadlessLab lab("01-tour");
  lab.app.state().train.running = true;
  lab.frames(10);
  const size_t steps = lab.app.lab().losses().size();
  const wgf::ui::RunFile r = wgf::ui::parse_run(lab.app.run_json(), "this");
  CHECK(r.command == "lab");
  REQUIRE(r.curves.count("loss_history"));
  CHECK(r.curves.at("loss_history").y.size() == steps);
  CHECK(r.curves.at("loss_history").y.front() == Approx(lab.app.lab().losses().front()));
  CHECK(r.metrics.at("steps") == static_cast<double>(steps));
  // A CLI train2d document: strided loss history, metrics and the reference floor.
  const Json cli = {{"schema_version", 1}, {"command", "train2d"}, {"loss_history", {3.0, 2.0, nullptr}},
                    {"loss_history_stride", 10}, {"metrics", {{"final_loss", 1.5}, {"swd", 0.1}}},
                    {"reference_floor", {{"swd", 0.05}}}};
  const wgf::ui::RunFile c = wgf::ui::parse_run(cli, "cli");
  CHECK(c.curves.at("loss_history").x == std::vector<double>{5, 15, 25});
  CHECK(std::isnan(c.curves.at("loss_history").y[2]));
  CHECK(c.metrics.at("reference_floor.swd") == 0.05);
  CHECK_THROWS_WITH(wgf::ui::parse_run(Json{{"a", 1}}, "f.json"), Catch::Contains("f.json: not a wgflab run JSON"));
}

TEST_CASE("run JSON: a diagnostics document's rows are curves over k in Compare", "[ui][fast]") {
  // The shape of `wgflab diagnose2d --k-sweep` / `wgflab diagnose` rows (native/runjson).
  auto stats = [](double abs_mean) { return Json{{"mean", -abs_mean}, {"std", 0.1}, {"abs_mean", abs_mean}, {"paths", 4}}; };
  Json rows = Json::array();
  for (int i = 0; i < 2; ++i) {
    const double k = i == 0 ? 10 : 500;
    rows.push_back(Json{{"t", 0.01 * k},
                        {"k", k},
                        {"loop_ratio", {{"rotation", stats(0.5 + i)}}},
                        {"loop_integral", {{"rotation", stats(2.0 + i)}}},
                        {"jac_asym_rel", 0.25 * (i + 1)},
                        {"curl_rms", nullptr},
                        {"stein_rms", i == 0 ? Json(3.0) : Json(nullptr)},
                        {"jacobian", {{"indices", {1, 2}}, {"fd_rel_diff", 1e-3}}}});
  }
  const Json doc = {{"schema_version", 1}, {"command", "diagnose"}, {"rows", rows}, {"metrics", {{"rows", 2}}}};
  const wgf::ui::RunFile r = wgf::ui::parse_run(doc, "d.json");
  CHECK(r.curves.at("jac_asym_rel").x == std::vector<double>{10, 500});
  CHECK(r.curves.at("jac_asym_rel").y == std::vector<double>{0.25, 0.5});
  CHECK(r.curves.at("eq7_ratio_rotation").y == std::vector<double>{0.5, 1.5});
  CHECK(r.curves.at("loop_integral_rotation").y == std::vector<double>{2.0, 3.0});
  CHECK(r.curves.at("jacobian_fd_rel_diff").y.size() == 2);
  CHECK(r.curves.at("stein_rms").y[0] == 3.0);
  CHECK(std::isnan(r.curves.at("stein_rms").y[1]));  // a gap
  CHECK(r.curves.count("curl_rms") == 0);              // all null: no curve
  CHECK(r.curves.count("k") == 0);
  CHECK(r.metrics.at("rows") == 2);
}
