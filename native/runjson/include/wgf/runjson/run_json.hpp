// The common head of every wgflab run document (schema_version 1; the fields are listed in
// native/cli/common.hpp) and the number convention: NaN and +-Inf are written as null.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace wgf::runjson {

using Json = nlohmann::ordered_json;  // keeps keys in the order written (readable run files)

// A number, or null when it is not finite.
Json number(double v);
// wgflab_version, schema_version (1), command, seed.
Json run_json_head(const std::string& command, const Json& seed);

}  // namespace wgf::runjson
