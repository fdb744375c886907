# Install, export and package Atlas (issue 11, docs/embedding.md):
#
#   cmake --install build --prefix P    headers in P/include/atlas/<layer>/,
#                                       libatlas_<layer>.a in P/lib/, `atlas`
#                                       and `atlas-fake-fly` in P/bin/, and
#                                       P/lib/cmake/Atlas/ for find_package
#   cpack --config build/CPackConfig.cmake -G DEB    a .deb of the same
#
# Included by the top CMakeLists.txt after every layer and the cli exist.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ATLAS_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Atlas)
set(ATLAS_BOOST_VERSION 1.81)

# Atlas::atlas: what a CAF backend links. The executable owns the target name
# `atlas`, so the umbrella is atlas_umbrella exported under the name atlas.
add_library(atlas_umbrella INTERFACE)
add_library(Atlas::atlas ALIAS atlas_umbrella)
set(_atlas_layers core storage fly net actors supervisors api node)
foreach(layer IN LISTS _atlas_layers)
  if(TARGET atlas_${layer})
    target_link_libraries(atlas_umbrella INTERFACE Atlas::${layer})
  endif()
endforeach()
set_target_properties(atlas_umbrella PROPERTIES EXPORT_NAME atlas)
install(TARGETS atlas_umbrella EXPORT AtlasTargets)

# <atlas/atlas.hpp>, the one header that includes the facade.
if(EXISTS ${PROJECT_SOURCE_DIR}/atlas.hpp)
  install(FILES ${PROJECT_SOURCE_DIR}/atlas.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/atlas)
endif()

install(TARGETS atlas RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT AtlasTargets NAMESPACE Atlas:: DESTINATION ${ATLAS_CMAKE_INSTALL_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/AtlasConfig.cmake.in
  ${CMAKE_BINARY_DIR}/AtlasConfig.cmake
  INSTALL_DESTINATION ${ATLAS_CMAKE_INSTALL_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
# 0.x: a minor version may break the API, so 0.1 accepts 0.1.* only
# (SameMinorVersion); from 1.0 on SameMajorVersion is the rule.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_atlas_compat SameMinorVersion)
else()
  set(_atlas_compat SameMajorVersion)
endif()
write_basic_package_version_file(${CMAKE_BINARY_DIR}/AtlasConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${_atlas_compat})
install(FILES ${CMAKE_BINARY_DIR}/AtlasConfig.cmake ${CMAKE_BINARY_DIR}/AtlasConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/FindCAF.cmake ${CMAKE_CURRENT_LIST_DIR}/FindLMDB.cmake
        DESTINATION ${ATLAS_CMAKE_INSTALL_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/embedding.md DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)

# The .deb: headers and static libraries, so it depends on the -dev packages
# they need (scripts/setup's list); the executables' shared libraries are
# added by dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME atlas)
set(CPACK_PACKAGE_VENDOR "Atlas")
set(CPACK_PACKAGE_CONTACT "Atlas maintainers <atlas@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libcaf-dev (>= 0.17.6), libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libyaml-cpp-dev, libtomlplusplus-dev, liblmdb-dev, libssl-dev, libspdlog-dev, libfmt-dev")
include(CPack)
