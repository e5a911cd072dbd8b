#include "plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace wgf::ui::plot {
namespace {

constexpr float kLeft = 46, kBottom = 32, kTop = 18, kRight = 10, kBar = 62;

float lerp(float a, float b, double u) { return a + (b - a) * static_cast<float>(u); }

ImU32 mix(const float (*stops)[3], int n, double u, float alpha) {
  u = std::clamp(std::isfinite(u) ? u : 0.0, 0.0, 1.0) * (n - 1);
  const int i = std::min(n - 2, static_cast<int>(u));
  const double f = u - i;
  return ImGui::ColorConvertFloat4ToU32(ImVec4(lerp(stops[i][0], stops[i + 1][0], f), lerp(stops[i][1], stops[i + 1][1], f),
                                               lerp(stops[i][2], stops[i + 1][2], f), alpha));
}

double to_axis(double v, bool log) { return log ? std::log10(std::max(v, 1e-300)) : v; }

}  // namespace

// ---- ranges -------------------------------------------------------------------------------------
Range data_range(const std::vector<double>& v, bool log) {
  double lo = INFINITY, hi = -INFINITY;
  for (double x : v)
    if (std::isfinite(x) && (!log || x > 0)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!(lo <= hi)) return log ? Range{0.1, 1} : Range{0, 1};
  // A margin of 5% of the span (of the decades, on a log axis) keeps curves off the frame.
  if (log) {
    if (hi <= lo * 1.0001) return {lo / 2, hi * 2};
    const double pad = std::pow(hi / lo, 0.05);
    return {lo / pad, hi * pad};
  }
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = std::max(1e-3, 0.1 * std::abs(hi));
    return {lo - pad, hi + pad};
  }
  const double pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

Range data_range(const Vec& v) { return data_range(std::vector<double>(v.data(), v.data() + v.size())); }

Range symmetric_range(const Vec& v) {
  double m = 0;
  for (Eigen::Index i = 0; i < v.size(); ++i)
    if (std::isfinite(v(i))) m = std::max(m, std::abs(v(i)));
  if (m == 0) m = 1;
  return {-m, m};
}

// ---- [colour] -------------------------------------------------------------------------------
ImU32 colormap(Colormap m, double u, float alpha) {
  // Viridis at 9 stops (matplotlib's table); a blue-white-red diverging map (ColorBrewer RdBu).
  static const float viridis[9][3] = {{0.267f, 0.005f, 0.329f}, {0.279f, 0.175f, 0.483f}, {0.230f, 0.322f, 0.546f},
                                      {0.173f, 0.449f, 0.558f}, {0.128f, 0.567f, 0.551f}, {0.158f, 0.684f, 0.502f},
                                      {0.369f, 0.789f, 0.383f}, {0.678f, 0.864f, 0.190f}, {0.993f, 0.906f, 0.144f}};
  static const float diverging[7][3] = {{0.129f, 0.400f, 0.674f}, {0.404f, 0.663f, 0.812f}, {0.820f, 0.898f, 0.941f},
                                        {0.969f, 0.969f, 0.969f}, {0.992f, 0.859f, 0.780f}, {0.937f, 0.541f, 0.384f},
                                        {0.698f, 0.094f, 0.169f}};
  return m == Colormap::Viridis ? mix(viridis, 9, u, alpha) : mix(diverging, 7, u, alpha);
}

ImU32 series_colour(int i, float alpha) {
  static const float c[8][3] = {{0.95f, 0.55f, 0.15f}, {0.30f, 0.65f, 1.00f}, {0.40f, 0.85f, 0.40f},
                                {0.95f, 0.35f, 0.45f}, {0.75f, 0.55f, 0.95f}, {0.95f, 0.85f, 0.30f},
                                {0.35f, 0.90f, 0.90f}, {0.85f, 0.85f, 0.85f}};
  const float* k = c[((i % 8) + 8) % 8];
  return ImGui::ColorConvertFloat4ToU32(ImVec4(k[0], k[1], k[2], alpha));
}

// ---- [axes] ---------------------------------------------------------------------------------
Axes::Axes(const char* id, ImVec2 size, Range x, Range y, const AxesStyle& style)
    : dl_(ImGui::GetWindowDrawList()), x_(x), y_(y), style_(style) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = std::max(80.0f, avail.x + size.x);
  if (size.y <= 0) size.y = std::max(60.0f, avail.y + size.y);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  outer_ = {p, ImVec2(p.x + size.x, p.y + size.y)};
  const float right = style.colorbar ? kBar : kRight;
  const float top = style.title ? kTop + 4 : kTop * 0.5f;
  inner_ = {ImVec2(p.x + kLeft, p.y + top), ImVec2(p.x + size.x - right, p.y + size.y - kBottom)};
  if (style.equal_aspect) {
    // Shrink one side so that one data unit has the same length on both axes.
    const double sx = inner_.width() / (to_axis(x.hi, style.log_x) - to_axis(x.lo, style.log_x));
    const double sy = inner_.height() / (to_axis(y.hi, style.log_y) - to_axis(y.lo, style.log_y));
    if (sx > sy) {
      const float w = static_cast<float>(inner_.width() * sy / sx);
      inner_.max.x = inner_.min.x + w;
    } else {
      const float h = static_cast<float>(inner_.height() * sx / sy);
      inner_.max.y = inner_.min.y + h;
    }
    outer_.max = ImVec2(inner_.max.x + right, inner_.max.y + kBottom);
  }
  id_ = ImGui::GetID(id);  // the id InvisibleButton(id) takes
  ImGui::InvisibleButton(id, ImVec2(outer_.width(), outer_.height()));
  hovered_ = ImGui::IsItemHovered();
  clicked_ = ImGui::IsItemActivated();
  held_ = ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left);
  to_data(ImGui::GetIO().MousePos, mx_, my_);
  dl_->AddRectFilled(inner_.min, inner_.max, IM_COL32(22, 24, 30, 255));
  dl_->PushClipRect(inner_.min, inner_.max, true);
}

Axes::~Axes() {
  dl_->PopClipRect();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), grid = IM_COL32(255, 255, 255, 28),
              tick = IM_COL32(200, 200, 200, 160);
  const float fh = ImGui::GetFontSize();
  for (double v : ticks(x_, std::max(2, static_cast<int>(inner_.width() / 70)), style_.log_x)) {
    const float sx = to_screen(v, y_.lo).x;
    dl_->AddLine(ImVec2(sx, inner_.min.y), ImVec2(sx, inner_.max.y), grid);
    dl_->AddLine(ImVec2(sx, inner_.max.y), ImVec2(sx, inner_.max.y + 4), tick);
    const std::string s = tick_label(v);
    const float w = ImGui::CalcTextSize(s.c_str()).x;
    dl_->AddText(ImVec2(sx - w / 2, inner_.max.y + 5), text, s.c_str());
  }
  for (double v : ticks(y_, std::max(2, static_cast<int>(inner_.height() / 40)), style_.log_y)) {
    const float sy = to_screen(x_.lo, v).y;
    dl_->AddLine(ImVec2(inner_.min.x, sy), ImVec2(inner_.max.x, sy), grid);
    dl_->AddLine(ImVec2(inner_.min.x - 4, sy), ImVec2(inner_.min.x, sy), tick);
    const std::string s = tick_label(v);
    const float w = ImGui::CalcTextSize(s.c_str()).x;
    dl_->AddText(ImVec2(inner_.min.x - 6 - w, sy - fh / 2), text, s.c_str());
  }
  dl_->AddRect(inner_.min, inner_.max, IM_COL32(150, 150, 160, 200));
  if (style_.x_label) {
    const float w = ImGui::CalcTextSize(style_.x_label).x;
    dl_->AddText(ImVec2((inner_.min.x + inner_.max.x - w) / 2, inner_.max.y + 5 + fh), text, style_.x_label);
  }
  if (style_.y_label) dl_->AddText(ImVec2(outer_.min.x + 2, inner_.min.y - fh - 1), text, style_.y_label);
  if (style_.title) {
    const float w = ImGui::CalcTextSize(style_.title).x;
    dl_->AddText(ImVec2((inner_.min.x + inner_.max.x - w) / 2, outer_.min.y + 2), text, style_.title);
  }
  if (has_bar_) {
    const float x0 = inner_.max.x + 10, x1 = x0 + 12;
    const int n = 64;
    for (int i = 0; i < n; ++i) {
      const float ya = inner_.max.y - inner_.height() * i / n, yb = inner_.max.y - inner_.height() * (i + 1) / n;
      dl_->AddRectFilled(ImVec2(x0, yb), ImVec2(x1, ya), colormap(bar_map_, (i + 0.5) / n));
    }
    dl_->AddRect(ImVec2(x0, inner_.min.y), ImVec2(x1, inner_.max.y), IM_COL32(150, 150, 160, 200));
    for (double v : ticks(bar_, 5)) {
      const float sy = static_cast<float>(inner_.max.y - inner_.height() * (v - bar_.lo) / bar_.span());
      dl_->AddLine(ImVec2(x1, sy), ImVec2(x1 + 3, sy), tick);
      dl_->AddText(ImVec2(x1 + 5, sy - fh / 2), text, tick_label(v).c_str());
    }
    if (!bar_label_.empty()) dl_->AddText(ImVec2(x0 - 4, inner_.min.y - fh - 1), text, bar_label_.c_str());
  }
  if (!legend_.empty()) {
    float w = 0;
    for (const auto& e : legend_) w = std::max(w, ImGui::CalcTextSize(e.first.c_str()).x);
    const ImVec2 a(inner_.max.x - w - 30, inner_.min.y + 4);
    dl_->AddRectFilled(a, ImVec2(inner_.max.x - 4, a.y + 4 + legend_.size() * (fh + 2)), IM_COL32(20, 20, 26, 200));
    for (size_t i = 0; i < legend_.size(); ++i) {
      const float y = a.y + 2 + i * (fh + 2);
      dl_->AddLine(ImVec2(a.x + 4, y + fh / 2), ImVec2(a.x + 20, y + fh / 2), legend_[i].second, 2.5f);
      dl_->AddText(ImVec2(a.x + 24, y), text, legend_[i].first.c_str());
    }
  }
}

ImVec2 Axes::to_screen(double x, double y) const {
  const double ux = (to_axis(x, style_.log_x) - to_axis(x_.lo, style_.log_x)) /
                    (to_axis(x_.hi, style_.log_x) - to_axis(x_.lo, style_.log_x));
  const double uy = (to_axis(y, style_.log_y) - to_axis(y_.lo, style_.log_y)) /
                    (to_axis(y_.hi, style_.log_y) - to_axis(y_.lo, style_.log_y));
  return ImVec2(static_cast<float>(inner_.min.x + ux * inner_.width()),
                static_cast<float>(inner_.max.y - uy * inner_.height()));
}

void Axes::to_data(ImVec2 p, double& x, double& y) const {
  const double ux = (p.x - inner_.min.x) / inner_.width(), uy = (inner_.max.y - p.y) / inner_.height();
  const double ax = to_axis(x_.lo, style_.log_x) + ux * (to_axis(x_.hi, style_.log_x) - to_axis(x_.lo, style_.log_x));
  const double ay = to_axis(y_.lo, style_.log_y) + uy * (to_axis(y_.hi, style_.log_y) - to_axis(y_.lo, style_.log_y));
  x = style_.log_x ? std::pow(10.0, ax) : ax;
  y = style_.log_y ? std::pow(10.0, ay) : ay;
}

void Axes::colorbar(Range v, Colormap m, const char* label) {
  has_bar_ = style_.colorbar;
  bar_ = v;
  bar_map_ = m;
  bar_label_ = label ? label : "";
}

void Axes::legend(const std::string& label, ImU32 colour) { legend_.emplace_back(label, colour); }

std::vector<double> ticks(Range r, int max_ticks, bool log) {
  std::vector<double> out;
  if (!(r.hi > r.lo) || max_ticks < 1) return out;
  if (log) {
    const int a = static_cast<int>(std::ceil(std::log10(r.lo) - 1e-9)), b = static_cast<int>(std::floor(std::log10(r.hi) + 1e-9));
    const int step = std::max(1, (b - a + 1 + max_ticks - 1) / max_ticks);
    for (int e = a; e <= b; e += step) out.push_back(std::pow(10.0, e));
    if (out.size() <= 1)
      for (double m : {2.0, 5.0})
        for (int e = a - 1; e <= b; ++e)
          if (m * std::pow(10.0, e) >= r.lo && m * std::pow(10.0, e) <= r.hi) out.push_back(m * std::pow(10.0, e));
    std::sort(out.begin(), out.end());
    return out;
  }
  const double raw = r.span() / max_ticks, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double i = std::ceil(r.lo / step - 1e-9); i * step <= r.hi + 1e-9 * step; i += 1)
    out.push_back(i == 0 ? 0.0 : i * step);
  return out;
}

std::string tick_label(double v) {
  char b[32];
  const double a = std::abs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e5)) std::snprintf(b, sizeof b, "%.0e", v);
  else std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// ---- [fields] -------------------------------------------------------------------------------
void heatmap(const Axes& a, const Grid2D& g, const Vec& values, Range v, Colormap cmap, float alpha) {
  if (values.size() != g.size()) return;
  ImDrawList* dl = a.draw();
  const double hx = g.hx() / 2, hy = g.hy() / 2, inv = 1.0 / (v.span() != 0 ? v.span() : 1.0);
  dl->PrimReserve(6 * g.size(), 4 * g.size());
  for (int j = 0; j < g.ny; ++j) {
    const double y = g.y_min + j * g.hy();
    for (int i = 0; i < g.nx; ++i) {
      const double x = g.x_min + i * g.hx();
      const ImVec2 p0 = a.to_screen(x - hx, y + hy), p1 = a.to_screen(x + hx, y - hy);
      dl->PrimRect(p0, p1, colormap(cmap, (values(j * g.nx + i) - v.lo) * inv, alpha));
    }
  }
}

void quiver(const Axes& a, const Points& at, const Points& vec, double scale, ImU32 colour, double max_len,
            float thickness) {
  ImDrawList* dl = a.draw();
  for (Eigen::Index c = 0; c < at.cols(); ++c) {
    double vx = vec(0, c) * scale, vy = vec(1, c) * scale;
    const double len = std::hypot(vx, vy);
    if (!(len > 1e-12)) continue;
    if (max_len > 0 && len > max_len) vx *= max_len / len, vy *= max_len / len;
    const ImVec2 p0 = a.to_screen(at(0, c), at(1, c)), p1 = a.to_screen(at(0, c) + vx, at(1, c) + vy);
    const float dx = p1.x - p0.x, dy = p1.y - p0.y, l = std::sqrt(dx * dx + dy * dy);
    if (l < 0.5f) continue;
    dl->AddLine(p0, p1, colour, thickness);
    const float h = std::min(5.0f, 0.4f * l), ux = dx / l, uy = dy / l;
    dl->AddTriangleFilled(p1, ImVec2(p1.x - h * ux + 0.5f * h * uy, p1.y - h * uy - 0.5f * h * ux),
                          ImVec2(p1.x - h * ux - 0.5f * h * uy, p1.y - h * uy + 0.5f * h * ux), colour);
  }
}

Streamlines trace_streamlines(const Grid2D& g, const Points& values, int seeds, int max_steps) {
  Streamlines out;
  if (values.cols() != g.size() || seeds < 1) return out;
  // Bilinear interpolation of the grid field; false outside the box.
  auto at = [&](double x, double y, double& vx, double& vy) {
    const double u = (x - g.x_min) / g.hx(), w = (y - g.y_min) / g.hy();
    if (!(u >= 0 && w >= 0 && u <= g.nx - 1 && w <= g.ny - 1)) return false;
    const int i = std::min(g.nx - 2, static_cast<int>(u)), j = std::min(g.ny - 2, static_cast<int>(w));
    const double fu = u - i, fw = w - j;
    const Eigen::Index c00 = j * g.nx + i, c10 = c00 + 1, c01 = c00 + g.nx, c11 = c01 + 1;
    for (int d = 0; d < 2; ++d) {
      const double val = (1 - fu) * (1 - fw) * values(d, c00) + fu * (1 - fw) * values(d, c10) +
                         (1 - fu) * fw * values(d, c01) + fu * fw * values(d, c11);
      (d == 0 ? vx : vy) = val;
    }
    return true;
  };
  const double h = 0.5 * std::min(g.hx(), g.hy());
  auto trace = [&](double x, double y, double dir, std::vector<std::array<double, 2>>& pts) {
    for (int s = 0; s < max_steps; ++s) {
      double vx, vy, wx, wy;
      if (!at(x, y, vx, vy)) return;
      double n = std::hypot(vx, vy);
      if (n < 1e-9) return;
      const double mx = x + 0.5 * h * dir * vx / n, my = y + 0.5 * h * dir * vy / n;
      if (!at(mx, my, wx, wy)) return;
      n = std::hypot(wx, wy);
      if (n < 1e-9) return;
      x += h * dir * wx / n;
      y += h * dir * wy / n;
      pts.push_back({x, y});
    }
  };
  for (int sj = 0; sj < seeds; ++sj)
    for (int si = 0; si < seeds; ++si) {
      const double x = g.x_min + (si + 0.5) * (g.x_max - g.x_min) / seeds;
      const double y = g.y_min + (sj + 0.5) * (g.y_max - g.y_min) / seeds;
      std::vector<std::array<double, 2>> back, fwd;
      trace(x, y, -1.0, back);
      trace(x, y, +1.0, fwd);
      if (back.size() + fwd.size() < 2) continue;
      Points p(2, static_cast<Eigen::Index>(back.size() + 1 + fwd.size()));
      Eigen::Index c = 0;
      auto put = [&](double px, double py) {
        p(0, c) = px;
        p(1, c) = py;
        ++c;
      };
      for (auto it = back.rbegin(); it != back.rend(); ++it) put((*it)[0], (*it)[1]);
      put(x, y);
      for (const auto& q : fwd) put(q[0], q[1]);
      out.lines.push_back(std::move(p));
    }
  return out;
}

void streamlines(const Axes& a, const Streamlines& s, ImU32 colour, float thickness) {
  std::vector<ImVec2> pts;
  for (const Points& p : s.lines) {
    pts.resize(static_cast<size_t>(p.cols()));
    for (Eigen::Index c = 0; c < p.cols(); ++c) pts[static_cast<size_t>(c)] = a.to_screen(p(0, c), p(1, c));
    a.draw()->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, 0, thickness);
    // An arrow head two thirds along shows the direction.
    const size_t m = pts.size() * 2 / 3;
    if (m >= 1 && m < pts.size()) {
      const ImVec2 p1 = pts[m], p0 = pts[m - 1];
      const float dx = p1.x - p0.x, dy = p1.y - p0.y, l = std::sqrt(dx * dx + dy * dy);
      if (l > 0.1f) {
        const float ux = dx / l, uy = dy / l, h = 4.5f;
        a.draw()->AddTriangleFilled(p1, ImVec2(p1.x - h * ux + 0.5f * h * uy, p1.y - h * uy - 0.5f * h * ux),
                                    ImVec2(p1.x - h * ux - 0.5f * h * uy, p1.y - h * uy + 0.5f * h * ux), colour);
      }
    }
  }
}

void scatter(const Axes& a, const Points& x, ImU32 colour, float half_size) {
  ImDrawList* dl = a.draw();
  const int n = static_cast<int>(x.cols());
  dl->PrimReserve(6 * n, 4 * n);
  for (int c = 0; c < n; ++c) {
    const ImVec2 p = a.to_screen(x(0, c), x(1, c));
    dl->PrimRect(ImVec2(p.x - half_size, p.y - half_size), ImVec2(p.x + half_size, p.y + half_size), colour);
  }
}

// ---- [curves] -------------------------------------------------------------------------------
void line(const Axes& a, const std::vector<double>& xs, const std::vector<double>& ys, ImU32 colour, float thickness) {
  std::vector<ImVec2> pts;
  pts.reserve(xs.size());
  auto flush = [&] {
    if (pts.size() >= 2) a.draw()->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, 0, thickness);
    pts.clear();
  };
  const size_t n = std::min(xs.size(), ys.size());
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      flush();  // a gap
      continue;
    }
    pts.push_back(a.to_screen(xs[i], ys[i]));
  }
  flush();
}

void polyline(const Axes& a, const Points& p, ImU32 colour, float thickness, bool closed) {
  std::vector<ImVec2> pts(static_cast<size_t>(p.cols()));
  for (Eigen::Index c = 0; c < p.cols(); ++c) pts[static_cast<size_t>(c)] = a.to_screen(p(0, c), p(1, c));
  if (pts.size() >= 2)
    a.draw()->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, closed ? ImDrawFlags_Closed : 0, thickness);
}

void vline(const Axes& a, double x, ImU32 colour, float thickness) {
  const float sx = a.to_screen(x, a.y().lo).x;
  a.draw()->AddLine(ImVec2(sx, a.inner().min.y), ImVec2(sx, a.inner().max.y), colour, thickness);
}

void hline(const Axes& a, double y, ImU32 colour, float thickness) {
  const float sy = a.to_screen(a.x().lo, y).y;
  a.draw()->AddLine(ImVec2(a.inner().min.x, sy), ImVec2(a.inner().max.x, sy), colour, thickness);
}

void marker(const Axes& a, double x, double y, ImU32 colour, float radius) {
  a.draw()->AddCircleFilled(a.to_screen(x, y), radius, colour, 12);
}

// ---- [interaction] ----------------------------------------------------------------------------
// The held handle of a plot lives in ImGui's state storage under the plot's id (key + 1; 0: none).
bool drag_handle(const Axes& a, int key, double& x, double& y, ImU32 colour, float radius) {
  ImGuiStorage* st = ImGui::GetStateStorage();
  const ImVec2 p = a.to_screen(x, y), m = ImGui::GetIO().MousePos;
  const bool near = (m.x - p.x) * (m.x - p.x) + (m.y - p.y) * (m.y - p.y) <= (radius + 4) * (radius + 4);
  if (a.clicked() && near && st->GetInt(a.id(), 0) == 0) st->SetInt(a.id(), key + 1);
  bool dragging = st->GetInt(a.id(), 0) == key + 1;
  if (dragging && !a.held()) {
    st->SetInt(a.id(), 0);
    dragging = false;
  }
  if (dragging) {
    x = a.mouse_x();
    y = a.mouse_y();
  }
  const ImVec2 q = a.to_screen(x, y);
  a.draw()->AddCircleFilled(q, radius, (near || dragging) ? IM_COL32(255, 255, 255, 255) : colour, 12);
  a.draw()->AddCircle(q, radius, IM_COL32(0, 0, 0, 200), 12, 1.5f);
  return dragging;
}

bool handle_held(const Axes& a) { return ImGui::GetStateStorage()->GetInt(a.id(), 0) != 0 && a.held(); }

}  // namespace wgf::ui::plot
