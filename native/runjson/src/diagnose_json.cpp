#include "wgf/runjson/diagnose_json.hpp"

namespace wgf::runjson {

const std::vector<std::string>& diagnose_notes() {
  static const std::vector<std::string> n = {
      "stein_mean is zero for EVERY decaying error field e = s_true - s (Stein's identity: E_p[S] = int div(p e) dx "
      "= 0), so a stein_mean near zero is no evidence that e lies in the null kernel of the Stein operator; the "
      "evidence is stein_rms (zero iff S = div e + s_true . e vanishes pointwise), stein_cancellation = stein_rms / "
      "(div_e_rms + s_dot_e_rms) (near 0 when div e and s_true . e cancel point by point, near 1 when they do not; "
      "it is noise over noise when both terms vanish on their own, as for exact+rot:A, so read stein_rms against "
      "sqrt(error_l2) then) and the transport metrics (samples generated with the field against the density).",
      "stein_sem is the standard error of stein_mean: |stein_mean| within a few stein_sem is consistent with zero.",
      "loop_integral is the midpoint-rule line integral of s around closed paths (Eq. 4), zero for a gradient field "
      "up to O(1/L^2) in the path's segment count L; loop_ratio is Eq. 7, 2 loop_integral / sum |y_mid| |dy|. "
      "In 2D a rotation path runs either way round at random, so read abs_mean, not mean.",
      "A circle loop is one fixed path: its integral is reported exactly (paths 1, std null).",
      "jac_asym_*: |J - J^T| of the field's Jacobian at forward samples (Eq. 5); in 2D curl_rms is the RMS of "
      "ds2/dx1 - ds1/dx2 over the same samples.",
  };
  return n;
}

Json loop_stats_json(double mean, double std, double abs_mean, int paths) {
  return Json{{"mean", number(mean)}, {"std", paths > 1 ? number(std) : Json(nullptr)}, {"abs_mean", number(abs_mean)},
              {"paths", paths}};
}

Json sweep_row_json(const SweepRow& r, double k, Json loop_integral, Json loop_ratio) {
  return Json{{"t", number(r.t)},
              {"k", number(k)},
              {"sigma", number(r.sigma)},
              {"loop_integral", std::move(loop_integral)},
              {"loop_ratio", std::move(loop_ratio)},
              {"jac_asym_abs_mean", number(r.jac_asym_abs_mean)},
              {"jac_asym_abs_max", number(r.jac_asym_abs_max)},
              {"jac_asym_rel", number(r.jac_asym_rel)},
              {"curl_rms", number(r.curl_rms)},
              {"error_l2", number(r.error_l2)},
              {"stein_mean", number(r.stein_mean)},
              {"stein_sem", number(r.stein_sem)},
              {"stein_rms", number(r.stein_rms)},
              {"stein_cancellation", number(r.stein_cancellation)},
              {"div_e_rms", number(r.div_e_rms)},
              {"s_dot_e_rms", number(r.s_dot_e_rms)}};
}

}  // namespace wgf::runjson
