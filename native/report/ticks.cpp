// ticks.cpp — nice ticks (1-2-5 steps, decades), compact tick labels, axis mapping.
#include "ticks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace wgf::report {

namespace {

constexpr double eps = 1e-9;  // tolerance, in units of a step, for "on a tick"

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Removes trailing zeros of a decimal fraction ("2.500" -> "2.5", "3.0" -> "3"), also in
// the mantissa of "2.50e-05".
std::string strip_zeros(std::string s) {
  const std::size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  const std::string exponent = e == std::string::npos ? "" : s.substr(e);
  if (mantissa.find('.') != std::string::npos) {
    while (!mantissa.empty() && mantissa.back() == '0') mantissa.pop_back();
    if (!mantissa.empty() && mantissa.back() == '.') mantissa.pop_back();
  }
  return mantissa + exponent;
}

double pow10(double e) { return std::pow(10.0, e); }

// Compact label (see format_tick); force_scientific keeps one notation along an axis.
std::string format_value(double value, double step, bool force_scientific) {
  if (!std::isfinite(value)) return number(value);
  const double av = std::abs(value);
  if (!(step > 0) || !std::isfinite(step)) step = av > 0 ? av : 1.0;
  if (av < step * eps) return "0";
  const int e = static_cast<int>(std::floor(std::log10(av) + eps));
  const int es = static_cast<int>(std::floor(std::log10(step) + eps));
  char buf[64];
  if (!force_scientific && e >= -4 && e < 5) {
    const int decimals = std::clamp(-es, 0, 17);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  } else {
    const int significant = std::clamp(e - es + 1, 1, 17);
    std::snprintf(buf, sizeof buf, "%.*e", significant - 1, value);
  }
  return strip_zeros(buf);
}

TickSet linear_ticks(double lo, double hi, int max_major, bool expand) {
  // A span below ~1e-12 of the magnitude cannot carry distinct ticks in double precision.
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {
    const double d = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const double raw = (hi - lo) / (max_major - 1);
  const double mag = pow10(std::floor(std::log10(raw)));
  double step = 0, a = 0, b = 0;
  for (const double mult : {1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0}) {
    step = mult * mag;
    if (expand) {
      a = std::floor(lo / step + eps);
      b = std::ceil(hi / step - eps);
    } else {
      a = std::ceil(lo / step - eps);
      b = std::floor(hi / step + eps);
    }
    if (b - a + 1 <= max_major) break;
  }
  TickSet out;
  out.lo = expand ? a * step : lo;
  out.hi = expand ? b * step : hi;
  // One notation per axis: scientific for all labels once the largest one needs it.
  const double largest = std::max(std::abs(a), std::abs(b)) * step;
  const bool scientific = largest >= 1e5 || largest < 1e-4;
  for (double i = a; i <= b; i += 1) {
    double v = i * step;
    if (std::abs(v) < step * eps) v = 0;  // 3 * 0.1 - 0.3 style residue around zero
    out.ticks.push_back({v, format_value(v, step, scientific), true});
  }
  return out;
}

// Decade step k so that majors every k decades over n decades number at most max_major;
// whole: the last major may lie beyond n (the range grows to it), else it stays inside.
int decade_step(double n_decades, int max_major, bool whole) {
  for (const int k : {1, 2, 3, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000}) {
    const double q = n_decades / k;
    if ((whole ? std::ceil(q - eps) : std::floor(q + eps)) + 1 <= max_major) return k;
  }
  return 1000;
}

TickSet log_ticks(double lo, double hi, int max_major, bool expand) {
  if (lo == hi && !expand) {
    lo /= std::sqrt(10.0);
    hi *= std::sqrt(10.0);
  }
  const double le0 = std::log10(lo), le1 = std::log10(hi);
  TickSet out;
  double first = 0, last = 0;  // exponents of the first and last major
  int k = 1;
  if (expand) {
    first = std::floor(le0 + eps);
    last = std::ceil(le1 - eps);
    if (last <= first) last = first + 1;
    k = decade_step(last - first, max_major, true);
    last = first + std::ceil((last - first) / k - eps) * k;
    out.lo = pow10(first);
    out.hi = pow10(last);
  } else {
    first = std::ceil(le0 - eps);
    last = std::floor(le1 + eps);
    k = last >= first ? decade_step(last - first, max_major, false) : 1;
    out.lo = lo;
    out.hi = hi;
  }
  const double tol = 1 + eps;
  for (double e = first; e <= last + eps; e += k) {
    const double v = pow10(e);
    out.ticks.push_back({v, format_tick(v, v), true});
  }
  const auto major_exponent = [&](double e) {
    return e >= first - eps && e <= last + eps && std::fmod(e - first, k) == 0;
  };
  const double e_lo = std::min(first, std::floor(le0)) - 1;
  const double e_hi = std::max(last, std::ceil(le1)) + 1;
  for (double e = e_lo; e <= e_hi; e += 1) {
    if (k == 1) {
      for (int m = 2; m <= 9; ++m) {
        const double v = m * pow10(e);
        if (v >= out.lo / tol && v <= out.hi * tol) out.ticks.push_back({v, "", false});
      }
    } else if (!major_exponent(e)) {
      const double v = pow10(e);
      if (v >= out.lo / tol && v <= out.hi * tol) out.ticks.push_back({v, "", false});
    }
  }
  std::sort(out.ticks.begin(), out.ticks.end(),
            [](const Tick& a, const Tick& b) { return a.value < b.value; });
  // A range inside one or two decades would otherwise carry fewer than two labels.
  const auto labelled = [&] {
    return std::count_if(out.ticks.begin(), out.ticks.end(),
                         [](const Tick& t) { return !t.label.empty(); });
  };
  if (k == 1 && labelled() < 2) {
    for (Tick& t : out.ticks) {
      const double decade = pow10(std::floor(std::log10(t.value) + eps));
      const double m = std::round(t.value / decade);
      if (t.label.empty() && (m == 2 || m == 5)) t.label = format_tick(t.value, decade);
    }
    if (labelled() < 2)
      for (Tick& t : out.ticks)
        if (t.label.empty())
          t.label = format_tick(t.value, pow10(std::floor(std::log10(t.value) + eps)));
  }
  return out;
}

}  // namespace

std::vector<double> TickSet::major_values() const {
  std::vector<double> v;
  for (const Tick& t : ticks)
    if (t.major) v.push_back(t.value);
  return v;
}

std::vector<double> TickSet::minor_values() const {
  std::vector<double> v;
  for (const Tick& t : ticks)
    if (!t.major) v.push_back(t.value);
  return v;
}

TickSet nice_ticks(double lo, double hi, Scale scale, int max_major, bool expand) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo)
    throw std::invalid_argument("nice_ticks: range [" + number(lo) + ", " + number(hi) +
                                "] is not a finite interval with lo <= hi");
  max_major = std::max(2, max_major);
  if (scale == Scale::log10) {
    if (lo <= 0)
      throw std::invalid_argument("nice_ticks: a log10 axis needs lo > 0, got [" + number(lo) +
                                  ", " + number(hi) + "]");
    return log_ticks(lo, hi, max_major, expand);
  }
  return linear_ticks(lo, hi, max_major, expand);
}

std::string format_tick(double value, double step) { return format_value(value, step, false); }

double AxisMap::to_pixel(double v) const {
  if (!std::isfinite(v)) return std::numeric_limits<double>::quiet_NaN();
  double f = 0;
  if (scale == Scale::log10) {
    if (v <= 0) return std::numeric_limits<double>::quiet_NaN();
    f = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  } else {
    f = (v - lo) / (hi - lo);
  }
  return pixel_lo + f * (pixel_hi - pixel_lo);
}

double AxisMap::to_data(double pixel) const {
  const double f = (pixel - pixel_lo) / (pixel_hi - pixel_lo);
  if (scale == Scale::log10)
    return pow10(std::log10(lo) + f * (std::log10(hi) - std::log10(lo)));
  return lo + f * (hi - lo);
}

}  // namespace wgf::report
