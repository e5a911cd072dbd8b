// The lab state in the URL hash (web/url_state.hpp): round trips, minimality, and the errors
// a hand-edited or truncated link produces. Runs under node in the web build.
#include <catch2/catch.hpp>

#include "url_state.hpp"

using wgf::ui::AppState;
using wgf::ui::Json;
using wgf::ui::to_json;
using namespace wgf::web;

TEST_CASE("url state: percent-encoding round-trips every byte and keeps the readable ones", "[web][fast]") {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  CHECK(percent_decode(percent_encode(all)) == all);
  CHECK(percent_encode("exact+rot:0.5") == "exact%2Brot:0.5");
  CHECK(percent_encode("a b&c=d#e") == "a%20b%26c%3Dd%23e");
  CHECK_THROWS_WITH(percent_decode("%G1"), Catch::Contains("broken %-escape"));
  CHECK_THROWS_WITH(percent_decode("abc%2"), Catch::Contains("broken %-escape"));
}

TEST_CASE("url state: only the keys that differ from the lesson start are written", "[web][fast]") {
  AppState start;
  start.lesson = "01-tour";
  AppState now = start;
  CHECK(encode_hash("01-tour", to_json(start), to_json(now), 0) == "lesson=01-tour");
  now.k = 250;
  now.train.lr = 1e-3;
  now.field = "exact+rot:0.5";
  const std::string h = encode_hash("01-tour", to_json(start), to_json(now), 1200);
  CHECK(h == "lesson=01-tour&k=250&field=exact%2Brot:0.5&train.lr=0.001&steps=1200");
}

TEST_CASE("url state: encode then decode reproduces the state", "[web][fast]") {
  AppState start;
  start.lesson = "02-null-kernel";
  AppState now = start;
  now.k = 731;
  now.density = "funnel";
  now.seed = 42;
  now.panel = wgf::ui::PanelId::Violations;
  now.train.width = 32;
  now.train.running = true;
  now.sample.ode = "ode-rk4";
  now.null_kernel.shift = {0.25, -1.5};
  wgf::ui::LoopSpec loop;
  loop.circle = false;
  loop.vertices = {{0, 0}, {1, 0}, {0.5, 1}};
  now.violations.loops.push_back(loop);
  const std::string h = encode_hash(now.lesson, to_json(start), to_json(now), 77);
  const UrlState u = decode_hash("#" + h);
  CHECK(u.lesson == "02-null-kernel");
  CHECK(u.steps == 77);
  const AppState back = apply_url_state(start, u);
  CHECK(to_json(back) == to_json(now));
}

TEST_CASE("url state: malformed links name what is wrong", "[web][fast]") {
  CHECK(decode_hash("").lesson.empty());
  CHECK(decode_hash("#").diff.empty());
  CHECK_THROWS_WITH(decode_hash("#garbage"), Catch::Contains("'garbage' is not KEY=VALUE"));
  CHECK_THROWS_WITH(decode_hash("#nonsense=1"), Catch::Contains("unknown key 'nonsense'"));
  CHECK_THROWS_WITH(decode_hash("#train=1"), Catch::Contains("unknown key 'train'"));
  CHECK_THROWS_WITH(decode_hash("#k=abc"), Catch::Contains("k='abc' is not a valid value"));
  CHECK_THROWS_WITH(decode_hash("#k=true"), Catch::Contains("wrong type"));
  CHECK_THROWS_WITH(decode_hash("#train.running=1"), Catch::Contains("wrong type"));
  CHECK_THROWS_WITH(decode_hash("#steps=-3"), Catch::Contains("steps must be a whole number"));
  CHECK_THROWS_WITH(decode_hash("#k=%ZZ"), Catch::Contains("broken %-escape"));
  // Ranges and names are checked by the state itself, before anything is applied.
  CHECK_THROWS_WITH(apply_url_state(AppState{}, decode_hash("#train.width=0")), Catch::Contains("URL.train.width"));
  CHECK_THROWS_WITH(apply_url_state(AppState{}, decode_hash("#density=nowhere")), Catch::Contains("nowhere"));
  CHECK_THROWS_WITH(apply_url_state(AppState{}, decode_hash("#schedule=zigzag")), Catch::Contains("URL.schedule"));
}
