#include "wgf/runjson/image_diagnose_json.hpp"

#include <cmath>
#include <utility>

#include "wgf/runjson/diagnose_json.hpp"

namespace wgf::runjson {

std::string join_ints(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

std::string join_strings(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

Json image_diagnose_json(const gpu::DiagnoseOptions& o, const gpu::DiagnoseResult& r,
                         const std::vector<std::string>& path_keys, double seconds, const std::string& out) {
  const SweepConfig& c = o.sweep;
  Json rows = Json::array();
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const SweepRow& row = r.rows[i];
    Json li = Json::object(), lr = Json::object();
    for (size_t p = 0; p < path_keys.size() && p < row.loops.size(); ++p) {
      const LoopStats& st = row.loops[p];
      li[path_keys[p]] = loop_stats_json(st.mean, st.std, st.abs_mean, st.paths);
      lr[path_keys[p]] = loop_stats_json(st.ratio_mean, st.ratio_std, st.ratio_abs_mean, st.paths);
    }
    Json j = sweep_row_json(row, row.k, std::move(li), std::move(lr));
    const double fd = i < r.jacobian_fd_rel.size() ? r.jacobian_fd_rel[i] : NAN;
    j["jacobian"] = Json{{"indices", row.jacobian_coords}, {"fd_rel_diff", number(fd)}};
    rows.push_back(std::move(j));
  }
  Json doc = run_json_head("diagnose", Json(c.seed));
  doc["config"] = Json{{"ckpt", o.ckpt},
                       {"model", o.model},
                       {"input_shape", join_ints(o.input_shape)},
                       {"output", o.output},
                       {"schedule", o.schedule},
                       {"dataset", o.data.name},
                       {"data", o.data.dir},
                       {"truth_images", o.truth_images},
                       {"k_sweep", c.num_k},
                       {"ks", join_ints(c.ks)},
                       {"samples", c.samples},
                       {"paths", join_strings(path_keys)},
                       {"bridge_steps", c.brownian.steps},
                       {"rotation_steps", c.rotation_steps},
                       {"projection_points", c.projection.points_per_segment},
                       {"projection_noisings", c.projection.noisings},
                       {"jacobian", c.jacobian_coords},
                       {"probes", c.divergence.probes},
                       {"batch", r.batch},
                       {"workers", r.workers},
                       {"ema", o.ema},
                       {"seed", c.seed}};
  doc["outputs"] = Json{{"out", out}};
  doc["field"] = r.field;
  doc["density"] = r.truth;
  doc["schedule"] = r.schedule;
  doc["shape"] = r.shape;
  doc["mode"] = "k_sweep";
  doc["loops"] = path_keys;
  doc["jvp"] = r.exact_jvp ? "forward-mode AD" : "central differences";
  doc["notes"] = diagnose_notes();
  doc["notes"].push_back("jacobian.indices are the sampled coordinates I (flattened C,H,W index) of the |I| x |I| "
                         "sub-Jacobian at each k; jacobian.fd_rel_diff = ||J_jvp - J_fd||_F / ||J_jvp||_F with central "
                         "differences of relative step 1e-2 (a float32 network) on a few samples at that k.");
  doc["rows"] = std::move(rows);
  doc["metrics"] = Json{{"rows", r.rows.size()}, {"diagnose_seconds", number(seconds)}};
  return doc;
}

}  // namespace wgf::runjson
