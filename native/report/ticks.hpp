#pragma once
// ticks.hpp — axis scales, "nice" tick generation and the data-to-pixel map of one axis.
#include <string>
#include <vector>

namespace wgf::report {

enum class Scale { linear, log10 };

struct Tick {
  double value = 0;
  std::string label;  // empty for an unlabelled (minor) tick
  bool major = true;
};

struct TickSet {
  double lo = 0, hi = 1;    // axis limits: [lo, hi] as asked, or grown to whole steps
  std::vector<Tick> ticks;  // ascending by value, majors and minors interleaved
  std::vector<double> major_values() const;
  std::vector<double> minor_values() const;
};

// Ticks for the data range [lo, hi].
//  linear: major steps of 1, 2 or 5 times a power of ten, the finest one giving at most
//          max_major majors; no minors.
//  log10:  majors at decades (every decade, or every 2nd, 3rd, 5th, ... when there are more
//          than max_major of them) and minors at 2..9 times each decade (or at the skipped
//          decades). When fewer than two decades fall inside a range, minors at 2 and 5
//          are labelled too. lo must be > 0.
// expand grows [lo, hi] outwards to the enclosing major ticks (whole steps or decades);
// otherwise only ticks inside [lo, hi] are returned. A degenerate range (lo == hi) is
// widened first. Throws std::invalid_argument on non-finite limits, hi < lo, or lo <= 0
// on log10.
TickSet nice_ticks(double lo, double hi, Scale scale, int max_major = 7, bool expand = true);

// Compact label of a tick value on an axis whose ticks are step apart: fixed notation for
// 1e-4 <= |value| < 1e5 with just enough decimals for step ("0.001", "2.5", "120"),
// scientific otherwise ("1e-05", "2.5e+07"); exact zero is "0". (Linear ticks from
// nice_ticks use scientific for every label of an axis whose largest tick needs it.)
std::string format_tick(double value, double step);

// Maps data values on one axis to continuous pixel coordinates (see raster.hpp).
struct AxisMap {
  Scale scale = Scale::linear;
  double lo = 0, hi = 1;              // data limits of the axis
  double pixel_lo = 0, pixel_hi = 1;  // pixel coordinates of lo and hi (pixel_hi < pixel_lo
                                      // for a y axis, which grows upwards)
  // NaN when v is not finite or, on log10, not positive.
  double to_pixel(double v) const;
  double to_data(double pixel) const;
};

}  // namespace wgf::report
