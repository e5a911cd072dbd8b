#pragma once
// font5x9.hpp — the built-in bitmap font behind Canvas::draw_text (internal to wgf_report).
// A glyph is 9 rows of 5 bits (bit 4 is the leftmost column); rows 0..6 stand on the
// baseline, rows 7..8 hold descenders. Covers printable ASCII 32..126 plus a few symbols
// the diagnostics use (sigma, mu, rho, tau, epsilon, Delta, nabla, plus-minus, ...).
#include <cstdint>
#include <string>
#include <vector>

namespace wgf::report::font {

// The 9 rows of code point cp; a hollow box for anything the font lacks.
const std::uint8_t* glyph_rows(char32_t cp);

// UTF-8 to code points; a malformed byte decodes as U+FFFD (drawn as the box).
std::vector<char32_t> decode_utf8(const std::string& text);

}  // namespace wgf::report::font
