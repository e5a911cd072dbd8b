# Project-wide compile flags, applied per target through wgf_project_flags(target).
function(wgf_project_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  # -Wshadow=local is GCC's spelling; clang (Emscripten) has only the wider -Wshadow.
  target_compile_options(${target} PRIVATE $<IF:$<CXX_COMPILER_ID:GNU>,-Wshadow=local,-Wshadow>)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports a false "may be used uninitialized" inside its own AVX-512 intrinsics
    # when Eigen's packet math is inlined (gcc bug 105593); it is not in project code.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(WGF_NATIVE_ARCH AND NOT EMSCRIPTEN)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(EMSCRIPTEN)
    target_compile_options(${target} PRIVATE -msimd128)
  endif()
endfunction()
