// wgflab densities [--json]: the built-in 2D densities and, with --json, their definitions
// (every Gaussian mixture component; the funnel's parameters and quadrature size).
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"

namespace wgf::cli {
namespace {

Json matrix_json(const Eigen::MatrixXd& m) {
  Json rows = Json::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    Json row = Json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(number(m(r, c)));
    rows.push_back(std::move(row));
  }
  return rows;
}

Json density_json(const Density& d) {
  Json j = Json::object();
  j["name"] = d.name();
  j["dim"] = d.dim();
  if (const auto* gm = dynamic_cast<const GaussianMixture*>(&d)) {
    j["kind"] = "gaussian_mixture";
    j["definition"] = "sum_i weight_i N(mean_i, cov_i); weights sum to 1";
    Json comps = Json::array();
    for (const GaussianComponent& c : gm->components()) {
      Json mean = Json::array();
      for (Eigen::Index i = 0; i < c.mean.size(); ++i) mean.push_back(number(c.mean[i]));
      comps.push_back(Json{{"weight", number(c.weight)}, {"mean", std::move(mean)}, {"cov", matrix_json(c.cov)}});
    }
    j["components"] = std::move(comps);
  } else if (const auto* f = dynamic_cast<const Funnel*>(&d)) {
    j["kind"] = "funnel";
    j["definition"] = "coordinates (v, x): v ~ N(0, v_std^2), x | v ~ N(0, e^v)";
    j["v_std"] = number(f->v_std());
    j["quadrature_nodes"] = f->nodes();
  } else {
    j["kind"] = "other";
  }
  return j;
}

std::string summary(const Density& d) {
  if (const auto* gm = dynamic_cast<const GaussianMixture*>(&d)) {
    const size_t n = gm->components().size();
    return "Gaussian mixture, " + std::to_string(n) + (n == 1 ? " component" : " components");
  }
  if (const auto* f = dynamic_cast<const Funnel*>(&d)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "Neal's funnel, v_std %g, %d quadrature nodes", f->v_std(), f->nodes());
    return buf;
  }
  return std::to_string(d.dim()) + "-D density";
}

void run_densities(bool as_json) {
  if (as_json) {
    Json doc = run_json_head("densities", nullptr);
    Json list = Json::array();
    for (const std::string& name : density_names()) list.push_back(density_json(*make_density(name)));
    doc["densities"] = std::move(list);
    std::cout << doc.dump(2) << std::endl;
    return;
  }
  for (const std::string& name : density_names()) {
    const auto d = make_density(name);
    std::printf("%-14s %s\n", name.c_str(), summary(*d).c_str());
  }
}

}  // namespace

void add_densities(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("densities", "List the built-in 2D densities (names for --density)");
  auto as_json = std::make_shared<bool>(false);
  sub->add_flag("--json", *as_json,
                "Print every density's definition as JSON on stdout: for a Gaussian mixture each component's "
                "weight, mean and cov; for the funnel v_std and the number of quadrature nodes");
  sub->footer("Without --json: one line per density, 'NAME  SUMMARY'.");
  sub->callback([as_json] { run_densities(*as_json); });
}

}  // namespace wgf::cli
