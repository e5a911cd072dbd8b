// SamplerRun (integrate() one step at a time) against integrate() itself: the same particles
// (to rounding) for every sampler kind, so the lab's animation is the CLI's sampler.
#include <catch2/catch.hpp>

#include "wgf/ou.hpp"
#include "wgf/sampler_run.hpp"

TEST_CASE("sampler_run: step by step equals integrate()", "[fast][sampler]") {
  std::shared_ptr<const wgf::Density> p = wgf::make_density("gmm8");
  std::shared_ptr<const wgf::Schedule> s = wgf::make_cosine_vp();
  auto field = std::make_shared<wgf::ExactScore>(p, s);
  for (auto kind : {wgf::SamplerKind::OdeEuler, wgf::SamplerKind::OdeHeun, wgf::SamplerKind::OdeRk4,
                    wgf::SamplerKind::Sde, wgf::SamplerKind::Ddpm}) {
    wgf::SamplerConfig cfg;
    cfg.kind = kind;
    cfg.steps = 20;
    wgf::Rng r0(7);
    wgf::Points x0(2, 50);
    wgf::sample_normal(r0, x0);
    wgf::Rng ra(11), rb(11);
    const wgf::Points ref = wgf::integrate(*field, *s, cfg, x0, ra);
    wgf::SamplerRun run(field, s, cfg, x0, rb);
    CHECK(run.time() == s->t_max());
    int n = 0;
    while (run.step()) ++n;
    CAPTURE(wgf::to_string(kind));
    CHECK(n == 20);
    CHECK(run.done());
    CHECK(run.time() == s->time(1));
    // Same arithmetic in the same order; only the compiler's choice of fused multiply-adds may
    // differ between the two translation units (seen: 0 for every kind but ddpm, < 1e-17 there).
    CHECK((run.x() - ref).cwiseAbs().maxCoeff() <= 1e-13 * ref.cwiseAbs().maxCoeff());
  }
}
