// The RNG is part of the cross-platform contract: these golden values come from an
// independent Python implementation (tests/engine/rng_reference.py) of splitmix64 seeding,
// xoshiro256** and Marsaglia's polar method, so both would have to be wrong the same way.
#include <catch2/catch.hpp>
#include <cmath>

#include "wgf/rng.hpp"

using wgf::Rng;

TEST_CASE("rng: golden u64 stream matches the independent reference", "[fast][rng]") {
  Rng r(42);
  CHECK(r.next_u64() == 0x15780b2e0c2ec716ULL);
  CHECK(r.next_u64() == 0x6104d9866d113a7eULL);
  CHECK(r.next_u64() == 0xae17533239e499a1ULL);
  CHECK(r.next_u64() == 0xecb8ad4703b360a1ULL);
  Rng z(0);
  CHECK(z.next_u64() == 0x99ec5f36cb75f2b4ULL);
  CHECK(z.next_u64() == 0xbf6e1f784956452aULL);
}

TEST_CASE("rng: golden uniforms and normals", "[fast][rng]") {
  Rng r(42);
  // uniform() is exact (53-bit integer times 2^-53): compare bit for bit.
  CHECK(r.uniform() == 0.08386297105988216);
  CHECK(r.uniform() == 0.3789802506626686);
  CHECK(r.uniform() == 0.6800434110281394);
  // normal() goes through log and sqrt; libms may differ in log by an ulp, so 1e-14.
  Rng n(7);
  const double expect[] = {0.9643618527255184, -1.0637531974798475, -0.3039301238656567, -1.0989693210013467,
                           0.30479435832638674};
  for (double e : expect) CHECK(n.normal() == Approx(e).epsilon(1e-14));
}

TEST_CASE("rng: normal moments within Monte Carlo error", "[fast][rng]") {
  Rng r(123);
  const int n = 400000;
  double s1 = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    s1 += x;
    s2 += x * x;
    s4 += x * x * x * x;
  }
  // Standard errors: mean 1/sqrt(n) = 0.0016, var sqrt(2/n) = 0.0022, E x^4 sqrt(96/n) = 0.015;
  // 5 standard errors each.
  CHECK(std::abs(s1 / n) < 5 * 0.0016);
  CHECK(std::abs(s2 / n - 1.0) < 5 * 0.0022);
  CHECK(std::abs(s4 / n - 3.0) < 5 * 0.015);
}

TEST_CASE("rng: uniform_int covers its range evenly", "[fast][rng]") {
  Rng r(5);
  int counts[7] = {0};
  const int n = 70000;
  for (int i = 0; i < n; ++i) {
    const auto v = r.uniform_int(3, 9);
    REQUIRE(v >= 3);
    REQUIRE(v <= 9);
    counts[v - 3]++;
  }
  // Each count is Binomial(n, 1/7): sd = sqrt(n p (1-p)) = 92.6; allow 5 sd.
  for (int c : counts) CHECK(std::abs(c - n / 7) < 5 * 92.6);
}

TEST_CASE("rng: state round trip and split independence", "[fast][rng]") {
  Rng a(9);
  a.normal();  // leaves a spare normal cached
  const auto st = a.state();
  const double x1 = a.normal(), x2 = a.normal();
  Rng b(1);
  b.set_state(st);
  CHECK(b.normal() == x1);
  CHECK(b.normal() == x2);
  Rng c(9);
  Rng d = c.split();
  CHECK(d.next_u64() != c.next_u64());
}
