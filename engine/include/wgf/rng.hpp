// Deterministic random numbers: identical streams on every compiler, standard library and
// platform (native x86-64 and WebAssembly), so a lesson + seed reproduces across targets.
// Never std::normal_distribution / std::uniform_*_distribution: their output is
// implementation-defined. Generator: xoshiro256** seeded through splitmix64.
// Gaussians: Marsaglia's polar method (uses only log and sqrt; sqrt is correctly rounded
// everywhere, so only log can differ between libms, by at most an ulp).
#pragma once
#include <cstdint>

namespace wgf {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform();
  // Uniform integer in [lo, hi] (inclusive), unbiased (rejection).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // Standard normal N(0, 1).
  double normal();

  // A statistically independent child stream (for per-purpose streams from one seed).
  Rng split();

  // Full state, for checkpoints (4 words + cached normal flag/value).
  struct State {
    std::uint64_t s[4];
    bool has_spare;
    double spare;
  };
  State state() const { return {{s_[0], s_[1], s_[2], s_[3]}, has_spare_, spare_}; }
  void set_state(const State& st);

 private:
  std::uint64_t s_[4] = {0, 0, 0, 0};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace wgf
