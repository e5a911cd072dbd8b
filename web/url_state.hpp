// The lab's state in the URL hash, so a shared link reproduces the view:
//
//   #lesson=02-null-kernel&k=250&field=exact%2Brot:0.5&train.lr=0.001&train.running=true&steps=1200
//
// Keys are AppState's JSON keys (native/frontend/app_state.hpp) joined by '.'; only those that
// differ from the lesson's starting state are written (so the link stays short and follows
// the lesson). Values are percent-encoded: strings as they are, everything else as JSON
// (numbers, true/false, arrays such as violations.loops). `steps` is the number of training
// steps taken: training is deterministic given the seed, so the page replays them.
//
// Decoding is strict: an unknown key, a value of the wrong type or a broken escape throws
// std::invalid_argument naming it; the page then shows the message and opens the default
// lesson. Range checks are AppState's own (apply_json), done before anything is applied.
#pragma once
#include <cstdint>
#include <string>

#include "app_state.hpp"

namespace wgf::web {

struct UrlState {
  std::string lesson;                    // empty: the default lesson
  ui::Json diff = ui::Json::object();    // partial AppState (nested), applied over the lesson's start
  std::int64_t steps = 0;                // training steps to replay
};

// `base` and `current` are ui::to_json of the lesson's start state and of the current state.
// The result has no leading '#'; it always starts with lesson=... when `lesson` is not empty.
std::string encode_hash(const std::string& lesson, const ui::Json& base, const ui::Json& current, std::int64_t steps);

// Parses a hash (with or without the leading '#'); empty -> default UrlState. Types come from
// ui::to_json(ui::AppState{}); throws std::invalid_argument("URL: ...") on anything malformed.
UrlState decode_hash(const std::string& hash);

// The state a decoded hash asks for: `start` (the lesson's start) with u.diff applied; throws
// std::invalid_argument naming the key when a value is out of range.
ui::AppState apply_url_state(const ui::AppState& start, const UrlState& u);

// RFC 3986 percent-encoding of everything but unreserved characters and ,:!$'()*;@/ (a
// fragment may hold them unescaped); decoding throws on a broken escape.
std::string percent_encode(const std::string& s);
std::string percent_decode(const std::string& s);

}  // namespace wgf::web
