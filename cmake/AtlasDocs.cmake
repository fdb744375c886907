# The API reference from the public headers (docs/Doxyfile):
#   cmake --build build --target docs      → build/docs/html/index.html
# and the CTest check that Doxygen warns about nothing in them.
find_program(DOXYGEN_EXECUTABLE doxygen)
if(NOT DOXYGEN_EXECUTABLE)
  message(STATUS "doxygen not found: no docs target (Debian's doxygen; scripts/setup installs it)")
  return()
endif()
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/docs
  COMMAND ${CMAKE_COMMAND} -E env ATLAS_DOCS_OUT=${CMAKE_BINARY_DIR}/docs
          ${DOXYGEN_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/Doxyfile
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Doxygen: the API reference in ${CMAKE_BINARY_DIR}/docs/html"
  VERBATIM)
if(ATLAS_BUILD_TESTS)
  add_test(NAME "docs: doxygen documents every declaration of every public header without a warning"
    COMMAND ${CMAKE_COMMAND} -E env ATLAS_DOCS_OUT=${CMAKE_BINARY_DIR}/docs-check
            ${DOXYGEN_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/Doxyfile
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties("docs: doxygen documents every declaration of every public header without a warning"
    PROPERTIES FAIL_REGULAR_EXPRESSION "warning:")
endif()
