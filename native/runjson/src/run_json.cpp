#include "wgf/runjson/run_json.hpp"

#include <cmath>

#ifndef WGFLAB_VERSION
#define WGFLAB_VERSION "0.0.0"
#endif

namespace wgf::runjson {

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json run_json_head(const std::string& command, const Json& seed) {
  Json j = Json::object();
  j["wgflab_version"] = WGFLAB_VERSION;
  j["schema_version"] = 1;
  j["command"] = command;
  j["seed"] = seed;
  return j;
}

}  // namespace wgf::runjson
