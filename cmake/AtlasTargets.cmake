# Helpers that give every Atlas target the same rules: C++20, warnings as
# errors on project code only (dependencies are system headers), and the
# <atlas/LAYER/name.hpp> include root.

set(ATLAS_WARNINGS -Wall -Wextra -Wpedantic -Werror)

# atlas_add_layer(NAME <layer> SOURCES ... [PUBLIC ...] [PRIVATE ...])
# One static library per layer (DESIGN.md §1): atlas_<layer>, alias Atlas::<layer>.
# A layer links only the layers below it, so a wrong include also fails to link.
function(atlas_add_layer)
  cmake_parse_arguments(L "" "NAME" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target atlas_${L_NAME})
  add_library(${target} STATIC ${L_SOURCES})
  add_library(Atlas::${L_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${ATLAS_INCLUDE_ROOT}>)
  target_compile_options(${target} PRIVATE ${ATLAS_WARNINGS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# atlas_add_executable(NAME <name> SOURCES ... [LIBS ...])
function(atlas_add_executable)
  cmake_parse_arguments(E "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${E_NAME} ${E_SOURCES})
  target_compile_options(${E_NAME} PRIVATE ${ATLAS_WARNINGS})
  target_link_libraries(${E_NAME} PRIVATE ${E_LIBS})
endfunction()
