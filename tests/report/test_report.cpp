// Tests of wgf_report: every check compares pixels or numbers against what the geometry,
// the tick rules or the colour maps say they must be.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "figure.hpp"
#include "raster.hpp"
#include "ticks.hpp"

using namespace wgf::report;

namespace {

constexpr Rgb red{255, 0, 0};
constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
const double pi = std::acos(-1.0);

// Rec.709 luma of the sRGB bytes, the brightness order a greyscale print keeps.
double luma(Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

// How red a pixel is (pure red: 255, white or grey: 0).
int redness(Rgb c) { return c.r - std::max(c.g, c.b); }

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = a + (b - a) * i / (n - 1);
  return v;
}

// The row of column col inside rect whose pixel is the reddest.
int reddest_row(const Canvas& c, int col, Rect rect) {
  int best = -1, best_red = -1000;
  for (int y = rect.y; y < rect.bottom(); ++y)
    if (redness(c.pixel(col, y)) > best_red) {
      best_red = redness(c.pixel(col, y));
      best = y;
    }
  return best;
}

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("wgf_report_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<double> values_of(const std::vector<Tick>& ticks, bool major) {
  std::vector<double> v;
  for (const Tick& t : ticks)
    if (t.major == major) v.push_back(t.value);
  return v;
}

}  // namespace

TEST_CASE("nice ticks on linear axes use 1-2-5 steps", "[report]") {
  SECTION("[0, 1] -> 0, 0.2, ..., 1") {
    const TickSet t = nice_ticks(0, 1, Scale::linear, 7);
    const std::vector<double> expected = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
    REQUIRE(t.ticks.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK(t.ticks[i].value == Approx(expected[i]).margin(1e-15));
      CHECK(t.ticks[i].major);
    }
    CHECK(t.ticks[0].label == "0");
    CHECK(t.ticks[3].label == "0.6");
    CHECK(t.ticks[5].label == "1");
    CHECK(t.lo == 0);
    CHECK(t.hi == Approx(1.0));
  }
  SECTION("expand grows the range to whole steps") {
    // span 15.9 over at most 7 ticks: steps 1 and 2 give too many, 5 gives -5..15.
    const TickSet t = nice_ticks(-3.7, 12.2, Scale::linear, 7);
    CHECK(t.lo == Approx(-5));
    CHECK(t.hi == Approx(15));
    CHECK(values_of(t.ticks, true) == std::vector<double>{-5, 0, 5, 10, 15});
  }
  SECTION("without expand only ticks inside the range") {
    const TickSet t = nice_ticks(0.13, 0.87, Scale::linear, 7, false);
    CHECK(t.lo == 0.13);
    CHECK(t.hi == 0.87);
    REQUIRE(t.ticks.size() == 7);
    CHECK(t.ticks.front().value == Approx(0.2));
    CHECK(t.ticks.back().value == Approx(0.8));
    CHECK(t.ticks[1].label == "0.3");
  }
  SECTION("a degenerate range is widened, not rejected") {
    const TickSet t = nice_ticks(5, 5, Scale::linear, 7);
    CHECK(t.lo < 5);
    CHECK(t.hi > 5);
  }
  SECTION("bad ranges throw") {
    CHECK_THROWS_AS(nice_ticks(1, 0, Scale::linear), std::invalid_argument);
    CHECK_THROWS_AS(nice_ticks(0, nan_value, Scale::linear), std::invalid_argument);
    CHECK_THROWS_AS(nice_ticks(0, 10, Scale::log10), std::invalid_argument);
  }
}

TEST_CASE("nice ticks on log axes land on decades", "[report]") {
  SECTION("[0.0013, 870] -> 1e-3 .. 1e3 with 2..9 minors") {
    const TickSet t = nice_ticks(0.0013, 870, Scale::log10, 7);
    CHECK(t.lo == Approx(1e-3));
    CHECK(t.hi == Approx(1e3));
    const std::vector<double> majors = values_of(t.ticks, true);
    REQUIRE(majors.size() == 7);
    for (int k = 0; k < 7; ++k) CHECK(majors[static_cast<std::size_t>(k)] == Approx(std::pow(10.0, k - 3)));
    const std::vector<double> minors = values_of(t.ticks, false);
    CHECK(minors.size() == 6 * 8);  // 2..9 in each of the 6 decades
    CHECK(minors.front() == Approx(2e-3));
    CHECK(minors.back() == Approx(900));
    std::vector<std::string> labels;
    for (const Tick& tk : t.ticks)
      if (tk.major) labels.push_back(tk.label);
    CHECK(labels == std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10", "100", "1000"});
    for (const Tick& tk : t.ticks)
      if (!tk.major) CHECK(tk.label.empty());
  }
  SECTION("many decades: majors every k decades, skipped decades become minors") {
    const TickSet t = nice_ticks(3e-13, 0.5, Scale::log10, 7);
    CHECK(values_of(t.ticks, true).size() <= 7);
    CHECK(t.lo == Approx(1e-13));
    // 13 decades: every 2nd decade would need 8 majors, every 3rd needs 6 and closes the
    // range at 1e2.
    const std::vector<double> majors = values_of(t.ticks, true);
    REQUIRE(majors.size() == 6);
    CHECK(majors[1] / majors[0] == Approx(1000));
    CHECK(t.hi == Approx(100));
    CHECK(values_of(t.ticks, false).front() == Approx(1e-12));
    CHECK(values_of(t.ticks, false).size() == 16 - 6);  // decades 1e-13 .. 1e2
  }
  SECTION("inside one decade the minors at 2 and 5 carry labels") {
    const TickSet t = nice_ticks(1.5, 8, Scale::log10, 7, false);
    std::vector<std::string> labels;
    for (const Tick& tk : t.ticks)
      if (!tk.label.empty()) labels.push_back(tk.label);
    CHECK(labels == std::vector<std::string>{"2", "5"});
  }
}

TEST_CASE("tick labels are compact", "[report]") {
  CHECK(format_tick(0.001, 0.001) == "0.001");
  CHECK(format_tick(1e-5, 1e-5) == "1e-05");
  CHECK(format_tick(2.5, 0.5) == "2.5");
  CHECK(format_tick(0.0, 0.2) == "0");
  CHECK(format_tick(3 * 0.1, 0.1) == "0.3");
  CHECK(format_tick(-0.4, 0.2) == "-0.4");
  CHECK(format_tick(1200, 200) == "1200");
  CHECK(format_tick(2.5e7, 5e6) == "2.5e+07");
  CHECK(format_tick(1e6, 1e6) == "1e+06");
  CHECK(format_tick(1e5, 1e5) == "1e+05");
  CHECK(format_tick(10000, 10000) == "10000");
  CHECK(format_tick(1e-17, 0.1) == "0");
  // A linear axis keeps one notation: 500000 would read oddly next to 1e+06.
  const TickSet t = nice_ticks(0, 1.3e6, Scale::linear, 4);
  REQUIRE(t.ticks.size() == 4);
  CHECK(t.ticks[1].label == "5e+05");
  CHECK(t.ticks[2].label == "1e+06");
  CHECK(t.ticks[3].label == "1.5e+06");
}

TEST_CASE("y = x on linear axes passes through the pixels the layout predicts", "[report]") {
  LineFigure fig;
  fig.title = "identity";
  fig.x_label = "x";
  fig.y_label = "y";
  const std::vector<double> x = linspace(0, 1, 101);
  Series& s = fig.add("", x, x);
  s.color = red;
  s.line_width = 2;

  const LineLayout L = fig.layout(640, 480);
  CHECK(L.x.lo == 0);
  CHECK(L.x.hi == Approx(1));
  CHECK(L.y.lo == 0);
  CHECK(L.y.hi == Approx(1));
  CHECK(L.legend.empty());  // unnamed series stay out of the legend
  // The plot sits inside the panel and the ends of the axes map to its pixel centres.
  CHECK(L.plot.x > 0);
  CHECK(L.plot.right() < 640);
  CHECK(L.plot.y > 0);
  CHECK(L.plot.bottom() < 480);
  CHECK(L.x.to_pixel(0) == L.plot.x + 0.5);
  CHECK(L.x.to_pixel(1) == Approx(L.plot.right() - 0.5));
  CHECK(L.y.to_pixel(0) == L.plot.bottom() - 0.5);
  CHECK(L.y.to_pixel(1) == Approx(L.plot.y + 0.5));
  CHECK(L.x.to_data(L.x.to_pixel(0.37)) == Approx(0.37));

  const Canvas c = fig.render(640, 480);
  for (const double v : {0.1, 0.25, 0.5, 0.75, 0.9}) {
    const Point p = L.to_pixel(v, v);
    const int col = static_cast<int>(std::floor(p.x));
    const int row = reddest_row(c, col, L.plot);
    CHECK(std::abs(row + 0.5 - p.y) <= 1.0);
    CHECK(redness(c.pixel(col, static_cast<int>(std::floor(p.y)))) > 120);
    // Far from the line the column shows no red at all.
    const Point off = L.to_pixel(v, v > 0.5 ? v - 0.3 : v + 0.3);
    CHECK(redness(c.pixel(col, static_cast<int>(std::floor(off.y)))) <= 0);
  }
}

TEST_CASE("log10 axes: ticks at decades, decades equidistant, data placed on them", "[report]") {
  LineFigure fig;
  fig.y_scale = Scale::log10;
  std::vector<double> k, y;
  for (int i = 0; i <= 50; ++i) {
    k.push_back(i);
    y.push_back(std::pow(10.0, -i / 10.0));  // 1 .. 1e-5
  }
  fig.add("decay", k, y).color = red;
  const LineLayout L = fig.layout(800, 600);
  CHECK(L.y.lo == Approx(1e-5));
  CHECK(L.y.hi == Approx(1));
  std::vector<double> majors;
  std::vector<std::string> labels;
  for (const Tick& t : L.y_ticks)
    if (t.major) {
      majors.push_back(t.value);
      labels.push_back(t.label);
    }
  REQUIRE(majors.size() == 6);
  CHECK(labels == std::vector<std::string>{"1e-05", "0.0001", "0.001", "0.01", "0.1", "1"});
  const double step = L.y.to_pixel(majors[1]) - L.y.to_pixel(majors[0]);
  CHECK(step < 0);  // y grows upwards
  for (std::size_t i = 1; i < majors.size(); ++i) {
    CHECK(majors[i] == Approx(10 * majors[i - 1]));
    CHECK(L.y.to_pixel(majors[i]) - L.y.to_pixel(majors[i - 1]) == Approx(step).epsilon(1e-9));
  }
  CHECK(L.y.to_pixel(std::sqrt(10.0) * 1e-3) == Approx(L.y.to_pixel(1e-3) + step / 2));
  CHECK(std::isnan(L.y.to_pixel(0)));
  CHECK(std::isnan(L.y.to_pixel(-1)));

  const Canvas c = fig.render(800, 600);
  const Point p = L.to_pixel(25, std::pow(10.0, -2.5));
  CHECK(std::abs(reddest_row(c, static_cast<int>(std::floor(p.x)), L.plot) + 0.5 - p.y) <= 1.0);
}

TEST_CASE("PNG files round-trip through stb_image and are written atomically", "[report]") {
  const auto dir = temp_dir("png");
  Canvas c(37, 23, {10, 20, 30});
  c.set_pixel(0, 0, red);
  c.set_pixel(36, 22, {1, 2, 3});
  c.fill_rect({5, 6, 7, 8}, {200, 100, 50});
  const std::string path = (dir / "out.png").string();
  c.save_png(path);
  const Canvas back = load_png(path);
  REQUIRE(back.width() == 37);
  REQUIRE(back.height() == 23);
  CHECK(back.rgb() == c.rgb());
  CHECK(back.pixel(0, 0) == red);
  CHECK(back.pixel(36, 22) == Rgb{1, 2, 3});
  CHECK(back.pixel(11, 13) == Rgb{200, 100, 50});
  CHECK(back.pixel(12, 13) == Rgb{10, 20, 30});
  // Only the final file is left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  CHECK(files == 1);

  const std::string bad = (dir / "missing_dir" / "x.png").string();
  try {
    c.save_png(bad);
    FAIL("save_png into a missing directory did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(bad) != std::string::npos);
  }
  try {
    (void)load_png(bad);
    FAIL("load_png of a missing file did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(bad) != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("heatmap of a gradient gives monotone colours", "[report]") {
  HeatmapFigure fig;
  const int nx = 16, ny = 8;
  std::vector<double> v;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) v.push_back(i);
  fig.set_grid(nx, ny, v, 0, 2, 0, 1);
  const HeatmapLayout L = fig.layout(640, 480);
  CHECK(L.value_axis.lo == 0);
  CHECK(L.value_axis.hi == 15);
  // equal_aspect: two data units wide, one tall.
  CHECK(static_cast<double>(L.plot.w) / L.plot.h == Approx(2.0).epsilon(0.02));
  const Canvas c = fig.render(640, 480);
  double previous = -1;
  for (int i = 0; i < nx; ++i) {
    const Point p = L.to_pixel((i + 0.5) * 2.0 / nx, 0.5);
    const Rgb px = c.pixel(static_cast<int>(p.x), static_cast<int>(p.y));
    CHECK(px == fig.color_of(i, L));
    CHECK(luma(px) > previous);
    previous = luma(px);
  }
  // The colour bar brightens from bottom to top as well.
  double below = -1;
  for (int y = L.colorbar.bottom() - 1; y >= L.colorbar.y; y -= 7) {
    const double l = luma(c.pixel(L.colorbar.x + L.colorbar.w / 2, y));
    CHECK(l >= below);
    below = l;
  }
  // The sequential map itself: luma strictly increasing along t.
  for (int k = 1; k <= 100; ++k)
    CHECK(luma(colormap_color(Colormap::sequential, k / 100.0)) >
          luma(colormap_color(Colormap::sequential, (k - 1) / 100.0)));
}

TEST_CASE("diverging colour map is white at 0 and symmetric", "[report]") {
  CHECK(colormap_color(Colormap::diverging, 0.5) == white);
  HeatmapFigure fig;
  fig.colormap = Colormap::diverging;
  std::vector<double> v;
  for (int i = 0; i < 9; ++i) v.push_back(i - 3.0);  // -3 .. 5: limits become [-5, 5]
  fig.set_grid(9, 1, v, 0, 9, 0, 1);
  fig.equal_aspect = false;
  const HeatmapLayout L = fig.layout(600, 300);
  CHECK(L.value_axis.lo == -5);
  CHECK(L.value_axis.hi == 5);
  const Canvas c = fig.render(600, 300);
  const auto cell = [&](int i) {
    const Point p = L.to_pixel(i + 0.5, 0.5);
    return c.pixel(static_cast<int>(p.x), static_cast<int>(p.y));
  };
  CHECK(cell(3) == white);            // value 0
  CHECK(cell(0).b > cell(0).r + 50);  // -3: blue
  CHECK(cell(6).r > cell(6).b + 50);  // +3: red
  // +3 and -3 are equally far from white.
  CHECK(luma(cell(0)) == Approx(luma(colormap_color(Colormap::diverging, 0.2))).margin(1));
  CHECK(luma(cell(6)) == Approx(luma(colormap_color(Colormap::diverging, 0.8))).margin(1));
  // The colour bar is white at its 0 tick.
  const int zero_row = static_cast<int>(std::floor(L.value_axis.to_pixel(0)));
  CHECK(luma(c.pixel(L.colorbar.x + 2, zero_row)) > 250);
}

TEST_CASE("non-finite points are skipped and break the line", "[report]") {
  LineFigure fig;
  std::vector<double> x = linspace(0, 1, 101), y = x;
  y[50] = nan_value;
  y[51] = std::numeric_limits<double>::infinity();
  x[80] = nan_value;
  y[90] = -std::numeric_limits<double>::infinity();
  fig.add("", x, y).color = red;
  const LineLayout L = fig.layout(640, 480);
  CHECK(L.y.lo == 0);
  CHECK(L.y.hi == Approx(1));
  const Canvas c = fig.render(640, 480);
  // Points 0.49 and 0.52 are not joined: the middle of the gap has no red.
  const Point gap = L.to_pixel(0.505, 0.505);
  for (int dy = -4; dy <= 4; ++dy)
    CHECK(redness(c.pixel(static_cast<int>(gap.x), static_cast<int>(gap.y) + dy)) <= 0);
  // The line is still there on both sides.
  const Point before = L.to_pixel(0.45, 0.45), after = L.to_pixel(0.6, 0.6);
  CHECK(redness(c.pixel(static_cast<int>(before.x), static_cast<int>(before.y))) > 120);
  CHECK(redness(c.pixel(static_cast<int>(after.x), static_cast<int>(after.y))) > 120);

  SECTION("values <= 0 are skipped on a log axis") {
    LineFigure lf;
    lf.y_scale = Scale::log10;
    lf.add("", {0, 1, 2, 3, 4}, {1, 0, -1, 10, 100});
    const LineLayout LL = lf.layout(400, 300);
    CHECK(LL.y.lo == Approx(1));
    CHECK(LL.y.hi == Approx(100));
  }
}

TEST_CASE("a figure without finite data throws a clear error", "[report]") {
  LineFigure fig;
  fig.title = "empty";
  fig.add("a", {1, 2, 3}, {nan_value, nan_value, nan_value});
  try {
    (void)fig.render(400, 300);
    FAIL("an all-NaN figure rendered");
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("no finite data") != std::string::npos);
    CHECK(msg.find("empty") != std::string::npos);
  }
  LineFigure none;
  CHECK_THROWS_AS(none.layout(400, 300), std::runtime_error);
  LineFigure log_only_negative;
  log_only_negative.y_scale = Scale::log10;
  log_only_negative.add("", {1, 2}, {0, -3});
  CHECK_THROWS_WITH(log_only_negative.layout(400, 300), Catch::Contains("log10"));

  HeatmapFigure heat;
  heat.set_grid(2, 2, {nan_value, nan_value, nan_value, nan_value}, 0, 1, 0, 1);
  CHECK_THROWS_AS(heat.render(300, 300), std::runtime_error);
}

TEST_CASE("malformed input is rejected with a message", "[report]") {
  LineFigure fig;
  fig.add("short", {1, 2, 3}, {1, 2});
  CHECK_THROWS_WITH(fig.layout(400, 300), Catch::Contains("short") && Catch::Contains("3 x values"));
  LineFigure band;
  band.add("b", {1, 2}, {1, 2}).band_low = {0.5};
  CHECK_THROWS_AS(band.layout(400, 300), std::invalid_argument);
  LineFigure tiny;
  tiny.add("", {0, 1}, {0, 1});
  CHECK_THROWS_AS(tiny.layout(40, 30), std::invalid_argument);
  HeatmapFigure heat;
  CHECK_THROWS_AS(heat.set_grid(3, 3, {1, 2, 3}, 0, 1, 0, 1), std::invalid_argument);
  heat.nx = 2;
  heat.ny = 2;
  heat.values = {1, 2, 3, 4};
  heat.x_max = heat.x_min;
  CHECK_THROWS_AS(heat.layout(300, 300), std::invalid_argument);
}

TEST_CASE("text ink stays inside the box draw_text reports", "[report]") {
  for (const bool vertical : {false, true}) {
    Canvas c(260, 260);
    const std::string text = "Hg|y~0.5e-3";
    const Rect box = c.draw_text(30, 40, text, black, 3, HAlign::left, VAlign::top, vertical);
    CHECK(box.w == (vertical ? text_height(3) : text_width(text, 3)));
    CHECK(box.h == (vertical ? text_width(text, 3) : text_height(3)));
    CHECK(text_width(text, 3) == (11 * 6 - 1) * 3);
    int inside = 0, outside = 0;
    int min_x = 1 << 30, max_x = -1, min_y = 1 << 30, max_y = -1;
    for (int y = 0; y < c.height(); ++y)
      for (int x = 0; x < c.width(); ++x) {
        if (c.pixel(x, y) == white) continue;
        if (box.contains(x, y)) ++inside;
        else ++outside;
        min_x = std::min(min_x, x);
        max_x = std::max(max_x, x);
        min_y = std::min(min_y, y);
        max_y = std::max(max_y, y);
      }
    CHECK(outside == 0);
    CHECK(inside > 100);
    // The ink reaches every side of the box: '|' spans all 9 rows, 'H' starts in column 0
    // and '3' ends in the last column.
    CHECK(min_x == box.x);
    CHECK(max_x == box.right() - 1);
    CHECK(min_y == box.y);
    CHECK(max_y == box.bottom() - 1);
  }
  SECTION("glyph shape and alignment") {
    Canvas c(20, 20);
    const Rect box = c.draw_text(10, 10, "T", black, 1, HAlign::center, VAlign::middle);
    CHECK(box.x == 10 - 5 / 2);
    CHECK(box.y == 10 - 7 / 2);
    for (int x = 0; x < 5; ++x) CHECK(c.pixel(box.x + x, box.y) == black);  // the bar
    for (int y = 1; y < 7; ++y) {
      CHECK(c.pixel(box.x + 2, box.y + y) == black);  // the stem
      CHECK(c.pixel(box.x + 1, box.y + y) == white);
    }
    CHECK(text_box(50, 50, "abc", 2, HAlign::right, VAlign::baseline).x == 50 - text_width("abc", 2));
    CHECK(text_box(50, 50, "abc", 2, HAlign::right, VAlign::baseline).y == 50 - 7 * 2);
    // Unknown code points draw one box each; UTF-8 sigma is one glyph.
    CHECK(glyph_count("\xCF\x83") == 1);
    CHECK(glyph_count("a\xFF") == 2);
  }
}

TEST_CASE("the legend goes where it covers the least data", "[report]") {
  const std::vector<double> x = linspace(0, 1, 50);
  std::vector<double> down;
  for (const double v : x) down.push_back(1 - v);
  SECTION("rising line: top right is taken, top left is free") {
    LineFigure fig;
    fig.add("rising", x, x).color = red;
    const LineLayout L = fig.layout(640, 480);
    REQUIRE(!L.legend.empty());
    CHECK(L.legend.x < L.plot.x + L.plot.w / 4);
    CHECK(L.legend.y < L.plot.y + L.plot.h / 4);
    // No red under the legend box.
    const Canvas c = fig.render(640, 480);
    int red_pixels = 0;
    for (int y = L.legend.y + 1; y < L.legend.bottom() - 1; ++y)
      for (int xx = L.legend.x + 1; xx < L.legend.right() - 1; ++xx)
        if (redness(c.pixel(xx, y)) > 150) ++red_pixels;
    // Only the legend's own sample line is red: at most 2 rows of the sample width.
    CHECK(red_pixels <= 3 * (18 + 6));
  }
  SECTION("falling line: top right is free") {
    LineFigure fig;
    fig.add("falling", x, down);
    const LineLayout L = fig.layout(640, 480);
    CHECK(L.legend.right() > L.plot.right() - L.plot.w / 4);
    CHECK(L.legend.y < L.plot.y + L.plot.h / 4);
  }
  SECTION("crossing lines fill every corner: the legend moves to the empty top middle") {
    LineFigure fig;
    fig.add("rising", x, x);
    fig.add("falling", x, down);
    const LineLayout L = fig.layout(640, 480);
    CHECK(std::abs(L.legend.x + L.legend.w / 2 - (L.plot.x + L.plot.w / 2)) <= 1);
    CHECK(L.legend.y < L.plot.y + L.plot.h / 4);
  }
}

TEST_CASE("polylines clip to the clip rectangle, even from far away", "[report]") {
  Canvas c(100, 60);
  c.set_clip({10, 10, 50, 30});
  c.draw_polyline({{-1e12, 20.5}, {1e12, 20.5}}, black, 1.0);
  int in_row = 0, elsewhere = 0;
  for (int y = 0; y < 60; ++y)
    for (int x = 0; x < 100; ++x) {
      const bool ink = c.pixel(x, y) != white;
      if (y == 20 && x >= 10 && x < 60) in_row += ink && c.pixel(x, y) == black;
      else if (ink && y != 20) ++elsewhere;
      else if (ink && (x < 10 || x >= 60)) ++elsewhere;
    }
  CHECK(in_row == 50);
  CHECK(elsewhere == 0);

  SECTION("dashes cover on / (on + off) of the length") {
    Canvas d(400, 10);
    d.draw_polyline({{0, 5.5}, {400, 5.5}}, black, 1.0, Dash{6, 4});
    double ink = 0;
    for (int x = 0; x < 400; ++x) ink += (255 - d.pixel(x, 5).r) / 255.0;
    CHECK(ink == Approx(400 * 0.6).epsilon(0.05));
  }
}

TEST_CASE("filled shapes cover their exact area", "[report]") {
  const auto darkness = [](const Canvas& c) {
    double sum = 0;
    for (int y = 0; y < c.height(); ++y)
      for (int x = 0; x < c.width(); ++x) sum += (255 - c.pixel(x, y).r) / 255.0;
    return sum;
  };
  Canvas disc(40, 40);
  disc.fill_circle({20.3, 19.6}, 10, black);
  CHECK(darkness(disc) == Approx(pi * 100).epsilon(0.01));
  Canvas square(40, 40);
  square.fill_polygon({{5.25, 5.5}, {25.25, 5.5}, {25.25, 25.5}, {5.25, 25.5}}, black);
  CHECK(darkness(square) == Approx(400).epsilon(0.005));
  Canvas triangle(40, 40);
  triangle.fill_polygon({{2, 2}, {34, 2}, {2, 34}}, black);
  CHECK(darkness(triangle) == Approx(0.5 * 32 * 32).epsilon(0.01));
}

TEST_CASE("heatmap overlays: quiver arrows point along the field, loops and points show",
          "[report]") {
  HeatmapFigure fig;
  fig.colormap = Colormap::diverging;
  fig.set_grid(4, 4, std::vector<double>(16, 0.0), -1, 1, -1, 1);  // all white
  Quiver q;
  q.nx = 2;
  q.ny = 2;
  q.u = {1, 1, 1, 1};
  q.v = {0, 0, 0, 0};
  fig.quivers.push_back(q);
  Loop loop;
  for (int k = 0; k < 64; ++k) {
    loop.x.push_back(0.9 * std::cos(2 * pi * k / 64));
    loop.y.push_back(0.9 * std::sin(2 * pi * k / 64));
  }
  loop.color = {0, 0, 255};
  fig.loops.push_back(loop);
  Scatter pts;
  pts.x = {0.0};
  pts.y = {0.0};
  pts.color = {0, 160, 0};
  fig.scatters.push_back(pts);
  const HeatmapLayout L = fig.layout(500, 500);
  const Canvas c = fig.render(500, 500);

  // Arrow in the bottom-left quiver cell, centred at (-0.5, -0.5): its ink is horizontal,
  // centred on the cell, with more mass (the head) right of the centre.
  const Point centre = L.to_pixel(-0.5, -0.5);
  const double cell_px = L.plot.w / 2.0;
  double mass = 0, mx = 0, my = 0, right_mass = 0, left_mass = 0;
  for (int y = static_cast<int>(centre.y - cell_px / 2); y < centre.y + cell_px / 2; ++y)
    for (int x = static_cast<int>(centre.x - cell_px / 2); x < centre.x + cell_px / 2; ++x) {
      const Rgb p = c.pixel(x, y);
      if (!(p.r < 128 && p.g < 128 && p.b < 128)) continue;  // arrow pixels are near black
      mass += 1;
      mx += x + 0.5;
      my += y + 0.5;
      (x + 0.5 > centre.x ? right_mass : left_mass) += 1;
    }
  REQUIRE(mass > 20);
  CHECK(std::abs(my / mass - centre.y) < 1.0);
  CHECK(std::abs(mx / mass - centre.x) < 0.25 * cell_px);
  CHECK(right_mass > 1.5 * left_mass);

  // The loop passes through (0.9, 0) and (0, -0.9) in blue; the scatter point is green.
  for (const Point p : {L.to_pixel(0.9, 0), L.to_pixel(0, -0.9)}) {
    const Rgb px = c.pixel(static_cast<int>(p.x), static_cast<int>(p.y));
    CHECK(px.b > 200);
    CHECK(px.r < 100);
  }
  const Point o = L.to_pixel(0, 0);
  CHECK(c.pixel(static_cast<int>(o.x), static_cast<int>(o.y)) == Rgb{0, 160, 0});
}

TEST_CASE("compose lays panels out in a grid and keeps each layout valid", "[report]") {
  LineFigure a, b;
  a.add("", {0, 1}, {0, 1}).color = red;
  b.add("", {0, 1}, {1, 0}).color = red;
  const Canvas c = compose({&a, &b, nullptr}, 2, 320, 240, "two panels");
  CHECK(c.width() == 640);
  const int title_h = c.height() - 2 * 240;
  CHECK(title_h > 0);
  // Second panel (row 0, column 1): b's falling line where b's own layout says.
  const LineLayout Lb = b.layout(Rect{320, title_h, 320, 240});
  const Point p = Lb.to_pixel(0.25, 0.75);
  CHECK(std::abs(reddest_row(c, static_cast<int>(p.x), Lb.plot) + 0.5 - p.y) <= 1.0);
  CHECK(Lb.plot.x >= 320);
  // The empty third panel stays white.
  for (int y = title_h + 240; y < c.height(); y += 17)
    for (int x = 0; x < 320; x += 13) CHECK(c.pixel(x, y) == white);
  // A failing panel names itself.
  LineFigure empty;
  CHECK_THROWS_WITH(compose({&a, &empty}, 2, 320, 240), Catch::Contains("panel 1"));
}

TEST_CASE("fixed limits are kept exactly", "[report]") {
  LineFigure fig;
  fig.add("", linspace(0, 10, 11), linspace(-1, 1, 11));
  fig.x_min = 2;
  fig.x_max = 7;
  const LineLayout L = fig.layout(640, 480);
  CHECK(L.x.lo == 2);
  CHECK(L.x.hi == 7);
  // y comes from the points with 2 <= x <= 7 only: -0.6 .. 0.4, grown to whole steps.
  CHECK(L.y.lo == Approx(-0.6));
  CHECK(L.y.hi == Approx(0.4));
  for (const Tick& t : L.x_ticks) {
    CHECK(t.value >= 2);
    CHECK(t.value <= 7);
  }
}
