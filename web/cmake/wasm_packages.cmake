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

# Eigen: its own include tree holds nothing but Eigen (WGF_WASM_EIGEN_DIR may point at a copy).
set(WGF_WASM_EIGEN_DIR /usr/include/eigen3 CACHE PATH "Eigen headers for the wasm build")
_wgf_redirect(Eigen3 3.4.0 "
if(NOT TARGET Eigen3::Eigen)
  add_library(Eigen3::Eigen INTERFACE IMPORTED)
  set_target_properties(Eigen3::Eigen PROPERTIES INTERFACE_INCLUDE_DIRECTORIES \"${WGF_WASM_EIGEN_DIR}\")
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
add_compile_options(-fwasm-exceptions)
add_link_options(-fwasm-exceptions -sALLOW_MEMORY_GROWTH=1 -sMINIFY_HTML=0
                 "$<IF:$<BOOL:$<TARGET_PROPERTY:WGF_WEB_PAGE>>,-sENVIRONMENT=web,-sNODERAWFS=1;-sEXIT_RUNTIME=1>")
# emcc's JS optimiser needs acorn, which Debian's node-acorn installs outside node's search path.
set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs")
