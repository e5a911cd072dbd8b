# Emscripten builds (the `web` preset) only: the project's dependencies as the wasm compiler
# sees them, then the build-wide flags of every wasm target.
#
# Debian's header-only packages (Eigen, nlohmann-json, CLI11, Catch2, stb) are used as they
# are; their CMake configs point at /usr/include, which must not reach emcc (its glibc headers
# would shadow Emscripten's libc), so each package gets a small config in
# CMAKE_FIND_PACKAGE_REDIRECTS_DIR (CMake >= 3.24 consults it before anything else) whose
# imported target sees only a folder of links to the one header tree it needs. SDL2 is
# compiled from Debian's source (third_party/libsdl2-src, `apt-get source libsdl2`; the
# Emscripten port cannot be built offline) into the build tree, and OpenGL is WebGL 2
# through Emscripten's own GL library.
#
# Every wasm executable is a node program by default (NODERAWFS: the real file system, so
# the Catch2 suites and the wasm CLI read and write files like their native twins); a target
# with the property WGF_WEB_PAGE set is a browser page instead.

set(_wgf_redirects ${CMAKE_FIND_PACKAGE_REDIRECTS_DIR})
set(_wgf_hostinc ${CMAKE_BINARY_DIR}/wasm-host-include)
file(MAKE_DIRECTORY ${_wgf_hostinc})

# _wgf_link_headers(NAME TARGET): ${_wgf_hostinc}/NAME -> TARGET (a header folder of /usr/include).
function(_wgf_link_headers name target)
  if(NOT EXISTS ${target})
    message(FATAL_ERROR "web build: ${target} not found (scripts/setup.sh installs the -dev packages)")
  endif()
  file(CREATE_LINK ${target} ${_wgf_hostinc}/${name} SYMBOLIC)
endfunction()
_wgf_link_headers(nlohmann /usr/include/nlohmann)
_wgf_link_headers(CLI /usr/include/CLI)
_wgf_link_headers(catch2 /usr/include/catch2)
_wgf_link_headers(stb /usr/include/stb)
set(WGF_STB_INCLUDE_DIR ${_wgf_hostinc} CACHE PATH "stb headers (web build: the linked folder)" FORCE)

# _wgf_redirect(PACKAGE VERSION BODY): PACKAGE-config.cmake (+ version file) in the redirect dir.
function(_wgf_redirect package version body)
  string(TOLOWER ${package} name)  # find_package looks for <lower-case name>-config.cmake
  file(WRITE ${_wgf_redirects}/${name}-config.cmake "# Written by web/cmake/wasm_packages.cmake\n${body}\n")
  file(WRITE ${_wgf_redirects}/${name}-config-version.cmake
       "set(PACKAGE_VERSION ${version})\n"
       "if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n  set(PACKAGE_VERSION_COMPATIBLE FALSE)\n"
       "else()\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\nendif()\n")
endfunction()

# Eigen. With WGF_WASM_EIGEN_SSE (the default), Eigen vectorises with its SSE4.1 kernels, which
# Emscripten maps onto wasm SIMD (bench/web/run_bench.mjs --variants measures it: DSM training
# 1.3-1.5x faster than -msimd128 alone, where Eigen stays on its scalar path and only the
# compiler's auto-vectorisation helps). That needs a patched copy of Eigen in the build tree:
#  1. SSE/PacketMath.h: the inline-asm workaround for GCC < 6.3 also triggers for clang, which
#     reports __GNUC__ 4.2, and x86 asm does not compile to wasm: skip it under Emscripten;
#  2. SSE/TypeCasting.h: pcast<Packet4f, Packet4i> (used by pexp) is _mm_cvttps_epi32, which
#     Emscripten 3.1.6 emulates with four scalar lrint calls: use wasm's i32x4.trunc_sat_f32x4
#     (the same result for every value Eigen passes: exponents well inside the int range);
#  3. an empty <mmintrin.h> ahead of clang's x86-only one (Eigen includes it, needs nothing).
# Every target gets the same Eigen and flags (Eigen's packet types are part of its ABI) except
# those with the property WGF_WASM_NO_SSE (the bench's simd128-only twin of the engine).
# EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS=16: wasm reports no x86_64, so Eigen would assume 8
# vector registers and pick a GEMM micro-kernel one packet tall; V8 maps wasm locals onto the
# 16 xmm registers of x86-64 (and 32 on arm64): the 2-packet kernel is ~12% faster overall.
option(WGF_WASM_EIGEN_SSE "Web build: Eigen's SSE4.1 path through Emscripten's SIMD emulation (patched Eigen copy)" ON)
set(WGF_WASM_EIGEN_DIR /usr/include/eigen3 CACHE PATH "Eigen headers for the wasm build (the copy is patched from these)")
set(_wgf_eigen_inc ${WGF_WASM_EIGEN_DIR})
set(_wgf_eigen_opts "")
if(WGF_WASM_EIGEN_SSE)
  set(_wgf_eigen_copy ${CMAKE_BINARY_DIR}/eigen-wasm-sse)
  if(NOT EXISTS ${_wgf_eigen_copy}/Eigen/Core)
    file(COPY ${WGF_WASM_EIGEN_DIR}/Eigen DESTINATION ${_wgf_eigen_copy})
  endif()
  # _wgf_patch(FILE OLD NEW): replace OLD by NEW once; fails loudly if OLD is gone (another Eigen).
  function(_wgf_patch file old new)
    file(READ ${file} text)
    string(FIND "${text}" "${new}" done)
    if(done GREATER -1)
      return()
    endif()
    string(FIND "${text}" "${old}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "web build: cannot patch ${file} for Emscripten (is this Eigen 3.4?); "
                          "configure with -DWGF_WASM_EIGEN_SSE=OFF to use Eigen unpatched")
    endif()
    string(REPLACE "${old}" "${new}" text "${text}")
    file(WRITE ${file} "${text}")
  endfunction()
  set(sse ${_wgf_eigen_copy}/Eigen/src/Core/arch/SSE)
  _wgf_patch(${sse}/PacketMath.h "#if EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63\n"
             "#if EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63 && !defined(__EMSCRIPTEN__)\n")
  _wgf_patch(${sse}/TypeCasting.h "#define EIGEN_TYPE_CASTING_SSE_H\n"
             "#define EIGEN_TYPE_CASTING_SSE_H\n#ifdef __EMSCRIPTEN__  // patched: web/cmake/wasm_packages.cmake\n#include <wasm_simd128.h>\n#endif\n")
  _wgf_patch(${sse}/TypeCasting.h "pcast<Packet4f, Packet4i>(const Packet4f& a) {\n  return _mm_cvttps_epi32(a);"
             "pcast<Packet4f, Packet4i>(const Packet4f& a) {\n#ifdef __EMSCRIPTEN__\n  return (Packet4i)wasm_i32x4_trunc_sat_f32x4((v128_t)a);\n#else\n  return _mm_cvttps_epi32(a);\n#endif")
  if(NOT EXISTS ${CMAKE_BINARY_DIR}/eigen-wasm-shim/mmintrin.h)  # (rewriting it would rebuild every TU)
    file(WRITE ${CMAKE_BINARY_DIR}/eigen-wasm-shim/mmintrin.h
         "// Empty stand-in for clang's x86-only <mmintrin.h> (Eigen includes it; wasm has no MMX).\n#pragma once\n")
  endif()
  set(_wgf_no_sse "$<BOOL:$<TARGET_PROPERTY:WGF_WASM_NO_SSE>>")
  set(_wgf_eigen_inc "$<$<NOT:${_wgf_no_sse}>:${CMAKE_BINARY_DIR}/eigen-wasm-shim>"
                     "$<IF:${_wgf_no_sse},${WGF_WASM_EIGEN_DIR},${_wgf_eigen_copy}>")
  # -msse4.1 for the C++ of every target but the simd128-only twins (SDL, in C, is built above without it).
  add_compile_options("$<$<AND:$<COMPILE_LANGUAGE:CXX>,$<NOT:${_wgf_no_sse}>>:-msse4.1>")
endif()
_wgf_redirect(Eigen3 3.4.0 "
if(NOT TARGET Eigen3::Eigen)
  add_library(Eigen3::Eigen INTERFACE IMPORTED)
  set_target_properties(Eigen3::Eigen PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES \"${_wgf_eigen_inc}\"
    INTERFACE_COMPILE_DEFINITIONS EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS=16)
endif()")
foreach(pkg_target IN ITEMS "nlohmann_json;3.11.2;nlohmann_json::nlohmann_json" "CLI11;2.1.2;CLI11::CLI11"
                            "Catch2;2.13.10;Catch2::Catch2")
  list(GET pkg_target 0 pkg)
  list(GET pkg_target 1 ver)
  list(GET pkg_target 2 tgt)
  set(extra "")
  if(pkg STREQUAL "Catch2")  # Catch.cmake (catch_discover_tests) lives next to Debian's config
    set(extra "list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)")
  endif()
  _wgf_redirect(${pkg} ${ver} "
if(NOT TARGET ${tgt})
  add_library(${tgt} INTERFACE IMPORTED)
  set_target_properties(${tgt} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES \"${_wgf_hostinc}\")
endif()
${extra}")
endforeach()

# OpenGL = WebGL 2 (ES 3.0): the GL functions come from Emscripten's library at link time.
_wgf_redirect(OpenGL 3.0 "
set(OpenGL_FOUND TRUE)
set(OPENGL_FOUND TRUE)
if(NOT TARGET OpenGL::GL)
  add_library(OpenGL::GL INTERFACE IMPORTED)
  set_target_properties(OpenGL::GL PROPERTIES INTERFACE_LINK_OPTIONS
    \"-sUSE_WEBGL2=1;-sFULL_ES3=1;-sMIN_WEBGL_VERSION=2;-sMAX_WEBGL_VERSION=2\")
endif()")

# SDL2 from Debian's source tree, compiled the way Emscripten's own SDL2 port does it: a fixed
# list of sources (the core, the emscripten video/audio/joystick/timer backends, no threads)
# over SDL's ready-made SDL_config_emscripten.h. SDL's CMake build would run ~200 configure
# checks through emcc first (over 15 minutes on two busy cores); this is a plain static library.
set(WGF_SDL2_SOURCE_DIR ${PROJECT_SOURCE_DIR}/third_party/libsdl2-src CACHE PATH
    "SDL2 source tree (Debian's `apt-get source libsdl2`, unpacked by scripts/setup.sh)")
if(EXISTS ${WGF_SDL2_SOURCE_DIR}/include/SDL_config_emscripten.h)
  enable_language(C)
  set(_sdl_dirs . atomic audio audio/emscripten audio/disk audio/dummy cpuinfo dynapi events file
      filesystem/emscripten haptic haptic/dummy hidapi joystick joystick/emscripten libm loadso/dlopen locale
      locale/emscripten misc misc/emscripten power power/emscripten render render/opengles2 render/software
      sensor sensor/dummy stdlib thread thread/generic timer timer/unix video video/emscripten video/dummy
      video/yuv2rgb)
  set(_sdl_sources "")
  foreach(dir IN LISTS _sdl_dirs)
    file(GLOB _files ${WGF_SDL2_SOURCE_DIR}/src/${dir}/*.c)
    list(APPEND _sdl_sources ${_files})
  endforeach()
  add_library(wgf_sdl2 STATIC ${_sdl_sources})
  target_include_directories(wgf_sdl2 SYSTEM PUBLIC ${WGF_SDL2_SOURCE_DIR}/include)
  target_compile_options(wgf_sdl2 PRIVATE -w)  # third-party code: its warnings are not ours
  _wgf_redirect(SDL2 2.26.5 "
set(SDL2_FOUND TRUE)
if(NOT TARGET SDL2::SDL2)
  add_library(SDL2::SDL2 INTERFACE IMPORTED)
  set_target_properties(SDL2::SDL2 PROPERTIES INTERFACE_LINK_LIBRARIES wgf_sdl2)
endif()")
else()
  file(REMOVE ${_wgf_redirects}/sdl2-config.cmake ${_wgf_redirects}/sdl2-config-version.cmake)
  message(STATUS "web build: no SDL2 sources in ${WGF_SDL2_SOURCE_DIR}: the lab page is not built "
                 "(scripts/setup.sh unpacks them)")
endif()

# ---- build-wide flags ----
# Wasm-native exceptions (the engine, the CLI and Catch2 throw; Emscripten's JS-based
# exceptions would route every call that may throw through JS).
add_compile_options(-fwasm-exceptions "$<$<COMPILE_LANGUAGE:CXX>:-msimd128>")  # all C++, third-party included
add_link_options(-fwasm-exceptions -sALLOW_MEMORY_GROWTH=1 -sMINIFY_HTML=0
                 "$<IF:$<BOOL:$<TARGET_PROPERTY:WGF_WEB_PAGE>>,-sENVIRONMENT=web,-sNODERAWFS=1;-sEXIT_RUNTIME=1>")
# emcc's JS optimiser needs acorn, which Debian's node-acorn installs outside node's search path.
set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs")
