// Plot helpers: ticks, ranges, colours, and the streamline tracer on a known field.
#include <catch2/catch.hpp>

#include "plot.hpp"

namespace plot = wgf::ui::plot;

TEST_CASE("plot: nice ticks and ranges", "[ui][fast]") {
  CHECK(plot::ticks({-4, 4}, 5) == std::vector<double>{-4, -2, 0, 2, 4});
  const std::vector<double> unit = plot::ticks({0, 1}, 5);
  REQUIRE(unit.size() == 6);
  for (size_t i = 0; i < unit.size(); ++i) CHECK(unit[i] == Approx(0.2 * static_cast<double>(i)));
  CHECK(plot::ticks({1e-3, 10}, 8, true) == std::vector<double>{1e-3, 1e-2, 1e-1, 1, 10});
  CHECK(plot::ticks({2, 30}, 5, true) == std::vector<double>{2, 5, 10, 20});  // one decade: 2 and 5 too
  CHECK(plot::tick_label(0.25) == "0.25");
  CHECK(plot::tick_label(1e-5) == "1e-05");
  const plot::Range r = plot::data_range(std::vector<double>{3, NAN, -1, 2});  // 5% margins
  CHECK(r.lo == Approx(-1.2));
  CHECK(r.hi == Approx(3.2));
  const plot::Range l = plot::data_range(std::vector<double>{-1, 0, 0.01, 100}, true);  // 5% of 4 decades
  CHECK(l.lo == Approx(0.01 / std::pow(10.0, 0.2)));
  CHECK(l.hi == Approx(100 * std::pow(10.0, 0.2)));
  CHECK(plot::symmetric_range(wgf::Vec::LinSpaced(5, -3, 1)).lo == -3);
  CHECK(plot::colormap(plot::Colormap::Diverging, 0.5) == IM_COL32(247, 247, 247, 255));
}

TEST_CASE("plot: streamlines of a rotation are circles", "[ui][fast]") {
  // v = (-y, x): every traced point keeps the radius of its seed (to the midpoint rule's O(h^2)).
  wgf::Grid2D g;
  g.nx = g.ny = 65;
  const wgf::Points x = g.points();
  wgf::Points v(2, x.cols());
  v.row(0) = -x.row(1);
  v.row(1) = x.row(0);
  const plot::Streamlines s = plot::trace_streamlines(g, v, 6, 30);
  REQUIRE(s.lines.size() > 20);
  double worst = 0;
  for (const wgf::Points& p : s.lines) {
    const double r0 = p.col(0).norm();
    for (Eigen::Index c = 0; c < p.cols(); ++c) worst = std::max(worst, std::abs(p.col(c).norm() - r0));
  }
  CHECK(worst < 0.02);
}
