# The LibTorch half of gpu/ (CPU, tiny configurations): unit tests on the internals plus the
# wgflab image commands end to end (the harness of tests/cli).
wgf_add_test(test_gpu_torch SOURCES test_gpu_torch.cpp
  LIBS wgf_gpu wgf_engine ${TORCH_LIBRARIES} nlohmann_json::nlohmann_json)
target_include_directories(test_gpu_torch PRIVATE ${PROJECT_SOURCE_DIR}/gpu/src ${PROJECT_SOURCE_DIR}/tests/cli)
target_precompile_headers(test_gpu_torch REUSE_FROM wgf_gpu)
target_compile_definitions(test_gpu_torch PRIVATE WGFLAB_EXE="$<TARGET_FILE:wgflab>")
add_dependencies(test_gpu_torch wgflab)
target_compile_definitions(test_gpu_torch PRIVATE WGF_TORCH_REFERENCE="${CMAKE_CURRENT_SOURCE_DIR}/torch_reference.py")
