#include "url_state.hpp"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "wgf/density.hpp"

namespace wgf::web {
namespace {

using ui::Json;

bool keep_raw(unsigned char c) {
  return std::isalnum(c) || std::string_view("-._~,:!$'()*;@/").find(static_cast<char>(c)) != std::string_view::npos;
}

// Flattens the keys of `cur` that differ from `base` into (dotted key, value) pairs; objects
// are descended into, anything else (numbers, strings, arrays) is one value.
void diff(const Json& base, const Json& cur, const std::string& prefix, std::vector<std::pair<std::string, Json>>& out) {
  for (auto it = cur.begin(); it != cur.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    const auto b = base.is_object() ? base.find(it.key()) : base.end();
    const bool in_base = base.is_object() && b != base.end();
    if (it->is_object() && in_base && b->is_object()) {
      diff(*b, *it, key, out);
    } else if (!in_base || *b != *it) {
      out.emplace_back(key, *it);
    }
  }
}

// The value at a dotted key of the default state (its type decides how to parse), or null.
const Json* default_at(const Json& defaults, const std::string& key) {
  const Json* node = &defaults;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || part.empty()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

void set_at(Json& root, const std::string& key, Json value) {
  Json* node = &root;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    if (dot == std::string::npos) {
      (*node)[key.substr(start)] = std::move(value);
      return;
    }
    node = &(*node)[key.substr(start, dot - start)];
    start = dot + 1;
  }
}

}  // namespace

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (keep_raw(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      throw std::invalid_argument("URL: broken %-escape at '" + s.substr(i, 3) + "'");
    out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
    i += 2;
  }
  return out;
}

std::string encode_hash(const std::string& lesson, const Json& base, const Json& current, std::int64_t steps) {
  std::vector<std::pair<std::string, Json>> pairs;
  diff(base, current, "", pairs);
  std::string out;
  auto add = [&out](const std::string& k, const std::string& v) {
    out += (out.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
  };
  if (!lesson.empty()) add("lesson", lesson);
  for (const auto& [k, v] : pairs)
    if (k != "lesson") add(k, v.is_string() ? v.get<std::string>() : v.dump());
  if (steps > 0) add("steps", std::to_string(steps));
  return out;
}

UrlState decode_hash(const std::string& hash_in) {
  static const Json defaults = ui::to_json(ui::AppState{});
  UrlState u;
  const std::string hash = !hash_in.empty() && hash_in[0] == '#' ? hash_in.substr(1) : hash_in;
  size_t pos = 0;
  while (pos < hash.size()) {
    size_t amp = hash.find('&', pos);
    if (amp == std::string::npos) amp = hash.size();
    const std::string item = hash.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("URL: '" + item + "' is not KEY=VALUE");
    const std::string key = percent_decode(item.substr(0, eq)), text = percent_decode(item.substr(eq + 1));
    if (key == "steps") {
      char* end = nullptr;
      const long long n = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end || n < 0 || n > 10000000)
        throw std::invalid_argument("URL: steps must be a whole number in 0..10000000, got '" + text + "'");
      u.steps = n;
      continue;
    }
    const Json* def = default_at(defaults, key);
    if (!def || def->is_object()) throw std::invalid_argument("URL: unknown key '" + key + "'");
    if (key == "lesson") {
      u.lesson = text;
      continue;
    }
    Json value;
    if (def->is_string()) {
      value = text;
    } else {
      value = Json::parse(text, nullptr, false);
      if (value.is_discarded()) throw std::invalid_argument("URL: " + key + "='" + text + "' is not a valid value");
      if (def->is_boolean() != value.is_boolean() || def->is_number() != value.is_number() ||
          def->is_array() != value.is_array())
        throw std::invalid_argument("URL: " + key + "='" + text + "' has the wrong type (expected " +
                                    std::string(def->type_name()) + ")");
    }
    set_at(u.diff, key, std::move(value));
  }
  return u;
}

ui::AppState apply_url_state(const ui::AppState& start, const UrlState& u) {
  ui::AppState s = start;
  try {
    ui::apply_json(s, u.diff, "URL");
    std::unique_ptr<Density> check = make_density(s.density);  // the state checks the name only when used
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    throw std::invalid_argument(what.rfind("URL", 0) == 0 ? what : "URL: " + what);
  }
  return s;
}

}  // namespace wgf::web
