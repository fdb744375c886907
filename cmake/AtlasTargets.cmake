# Helpers that give every Atlas target the same rules: C++20, warnings as
# errors on project code only (dependencies are system headers), and the
# <atlas/LAYER/name.hpp> include root — in the build tree and after install.
include(GNUInstallDirs)

set(ATLAS_WARNINGS -Wall -Wextra -Wpedantic -Werror)
# In a unity batch every .cpp but the batch file counts as a header, so GCC
# would flag a .cpp's own impl holding a type of its anonymous namespace —
# the cross-TU ODR hazard the warning is for cannot happen there.
if(ATLAS_UNITY_BUILD)
  list(APPEND ATLAS_WARNINGS -Wno-subobject-linkage)
endif()

# atlas_add_layer(NAME <layer> SOURCES ... [PUBLIC ...] [PRIVATE ...])
# One static library per layer (DESIGN.md §1): atlas_<layer>, alias Atlas::<layer>.
# A layer links only the layers below it, so a wrong include also fails to link.
function(atlas_add_layer)
  cmake_parse_arguments(L "" "NAME" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target atlas_${L_NAME})
  add_library(${target} STATIC ${L_SOURCES})
  add_library(Atlas::${L_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${ATLAS_INCLUDE_ROOT}>
                                              $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_options(${target} PRIVATE ${ATLAS_WARNINGS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME ${L_NAME})
  atlas_install_layer(${L_NAME})
endfunction()

# atlas_install_layer(<layer>): the library into lib/, exported as
# Atlas::<layer> (cmake/AtlasConfig.cmake.in), and the layer's public
# headers into include/atlas/<layer>/ with their sub-folders — every .hpp but
# detail/ ones, which no public header includes.
function(atlas_install_layer layer)
  install(TARGETS atlas_${layer} EXPORT AtlasTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  file(GLOB_RECURSE headers RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/*.hpp)
  foreach(h IN LISTS headers)
    if(h MATCHES "(^|/)detail/")
      continue()
    endif()
    get_filename_component(sub ${h} DIRECTORY)
    install(FILES ${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/atlas/${layer}/${sub})
  endforeach()
endfunction()

# atlas_add_executable(NAME <name> SOURCES ... [LIBS ...])
function(atlas_add_executable)
  cmake_parse_arguments(E "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${E_NAME} ${E_SOURCES})
  target_compile_options(${E_NAME} PRIVATE ${ATLAS_WARNINGS})
  target_link_libraries(${E_NAME} PRIVATE ${E_LIBS})
endfunction()
