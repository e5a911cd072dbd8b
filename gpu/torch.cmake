# wgf_gpu: the LibTorch half of gpu/ (included from gpu/CMakeLists.txt when Torch is found).
# Torch code lives in few translation units sharing one precompiled header (<torch/torch.h>
# costs ~10 s and 1.1 GB per TU; the PCH halves it).
add_library(wgf_gpu STATIC
  src/nets.cpp
  src/image_train.cpp
  src/api.cpp
  src/diagnose.cpp)
target_include_directories(wgf_gpu PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(wgf_gpu PUBLIC wgf_engine wgf_datasets PRIVATE ${TORCH_LIBRARIES} nlohmann_json::nlohmann_json wgf_report)
target_precompile_headers(wgf_gpu PRIVATE src/torch_pch.hpp)
# Gloo headers (libgloo-dev) for c10d's ProcessGroupGloo (multi-process data parallel).
target_compile_definitions(wgf_gpu PRIVATE USE_C10D_GLOO)
# A CUDA LibTorch (a PyTorch install's, via CMAKE_PREFIX_PATH) ships ProcessGroupNCCL; its header
# is guarded by USE_C10D_NCCL, which PyTorch defines only for its own build. Debian's CPU
# libtorch sets no TORCH_CUDA_LIBRARIES, so this stays off here (and untested: no CUDA build).
if(TORCH_CUDA_LIBRARIES)
  target_compile_definitions(wgf_gpu PRIVATE USE_C10D_NCCL)
  message(STATUS "wgf_gpu: CUDA LibTorch: NCCL data parallel on")
endif()
wgf_project_flags(wgf_gpu)
