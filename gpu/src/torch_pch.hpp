// The precompiled header of gpu/'s torch translation units.
#pragma once
#include <torch/torch.h>
#include <torch/script.h>
