# Dear ImGui from Debian's source package (scripts/setup.sh unpacks `apt-get source imgui`
# into third_party/imgui-src/), built here as static libraries so the native and the web
# build compile the very same ImGui code:
#   wgf_imgui              the core (imgui*.cpp + misc/cpp/imgui_stdlib.cpp), no backend;
#                          the front end and its headless tests link only this
#   wgf_imgui_sdl_opengl3  the SDL2 + OpenGL3 backends (imgui 1.86 names the SDL2 one
#                          imgui_impl_sdl.cpp); the desktop shell links this
#
# wgf_resolve_gui() turns WGF_WITH_GUI (AUTO | ON | OFF) into ON or OFF: AUTO builds the GUI
# when the ImGui sources, SDL2 and OpenGL are all found; ON insists and fails naming what is
# missing. Sets WGF_GUI_ENABLED in the caller's scope.
set(WGF_IMGUI_DIR ${PROJECT_SOURCE_DIR}/third_party/imgui-src CACHE PATH
    "Dear ImGui source tree (Debian's `apt-get source imgui`, unpacked by scripts/setup.sh)")

function(wgf_resolve_gui)
  string(TOUPPER "${WGF_WITH_GUI}" mode)
  if(mode STREQUAL "OFF" OR mode STREQUAL "FALSE" OR mode STREQUAL "0" OR mode STREQUAL "NO")
    set(WGF_GUI_ENABLED OFF PARENT_SCOPE)
    return()
  endif()
  set(missing "")
  if(NOT EXISTS ${WGF_IMGUI_DIR}/imgui.h OR NOT EXISTS ${WGF_IMGUI_DIR}/backends/imgui_impl_opengl3.cpp)
    list(APPEND missing "the ImGui sources in ${WGF_IMGUI_DIR}")
  endif()
  find_package(SDL2 QUIET)
  if(NOT SDL2_FOUND)
    list(APPEND missing "SDL2 (libsdl2-dev)")
  endif()
  set(OpenGL_GL_PREFERENCE GLVND)
  find_package(OpenGL QUIET)
  if(NOT OpenGL_FOUND)
    list(APPEND missing "OpenGL (libgl-dev)")
  endif()
  if(missing)
    list(JOIN missing ", " what)
    if(mode STREQUAL "AUTO")
      message(STATUS "WGF_WITH_GUI=AUTO: not building the lab GUI; missing ${what} (scripts/setup.sh installs them)")
      set(WGF_GUI_ENABLED OFF PARENT_SCOPE)
      return()
    endif()
    message(FATAL_ERROR "WGF_WITH_GUI=ON but ${what} not found: run scripts/setup.sh (it installs libsdl2-dev, "
                        "libgl-dev and unpacks `apt-get source imgui` into third_party/imgui-src), or pass "
                        "-DWGF_WITH_GUI=OFF")
  endif()
  message(STATUS "Building the lab GUI with ImGui from ${WGF_IMGUI_DIR}")
  set(WGF_GUI_ENABLED ON PARENT_SCOPE)
endfunction()

function(wgf_add_imgui_targets)
  if(TARGET wgf_imgui)
    return()
  endif()
  set(d ${WGF_IMGUI_DIR})
  add_library(wgf_imgui STATIC
    ${d}/imgui.cpp ${d}/imgui_draw.cpp ${d}/imgui_tables.cpp ${d}/imgui_widgets.cpp
    ${d}/misc/cpp/imgui_stdlib.cpp)
  # SYSTEM: third-party headers do not count against our zero-warning rule.
  target_include_directories(wgf_imgui SYSTEM PUBLIC ${d} ${d}/misc/cpp)
  # 32-bit indices: a 64x64 heatmap plus 2,000 particles and labels exceed 65,536 vertices.
  target_compile_definitions(wgf_imgui PUBLIC "ImDrawIdx=unsigned int" IMGUI_DISABLE_OBSOLETE_FUNCTIONS)
  target_compile_features(wgf_imgui PUBLIC cxx_std_17)
  set_target_properties(wgf_imgui PROPERTIES POSITION_INDEPENDENT_CODE ON)

  if(NOT EMSCRIPTEN)
    find_package(SDL2 REQUIRED)
    set(OpenGL_GL_PREFERENCE GLVND)
    find_package(OpenGL REQUIRED)
    add_library(wgf_imgui_sdl_opengl3 STATIC ${d}/backends/imgui_impl_sdl.cpp ${d}/backends/imgui_impl_opengl3.cpp)
    target_include_directories(wgf_imgui_sdl_opengl3 SYSTEM PUBLIC ${d}/backends)
    if(TARGET SDL2::SDL2)
      target_link_libraries(wgf_imgui_sdl_opengl3 PUBLIC wgf_imgui SDL2::SDL2 OpenGL::GL ${CMAKE_DL_LIBS})
    else()
      target_include_directories(wgf_imgui_sdl_opengl3 SYSTEM PUBLIC ${SDL2_INCLUDE_DIRS})
      target_link_libraries(wgf_imgui_sdl_opengl3 PUBLIC wgf_imgui ${SDL2_LIBRARIES} OpenGL::GL ${CMAKE_DL_LIBS})
    endif()
  endif()
endfunction()
