# Fails when a doctest TEST_CASE name holds a ';'. doctest_discover_tests
# turns each name into a CMake list item, so a ';' splits one test case into
# several CTest tests whose filters match no test case: doctest then runs
# nothing and reports success, and the test case silently never runs.
# Run: cmake -DROOT=<tests dir> [-DEXCLUDE=<subdir>] -P check_test_names.cmake
if(NOT ROOT)
  message(FATAL_ERROR "check_test_names: pass -DROOT=<tests dir>")
endif()
file(GLOB_RECURSE files "${ROOT}/*.cpp" "${ROOT}/*.hpp")
set(bad "")
if(EXCLUDE)
  list(FILTER files EXCLUDE REGEX "^${ROOT}/${EXCLUDE}/")
endif()
foreach(f IN LISTS files)
  file(STRINGS "${f}" lines ENCODING UTF-8 REGEX "TEST_CASE[A-Z_]*\\(")
  foreach(line IN LISTS lines)
    if(line MATCHES "TEST_CASE[A-Z_]*\\(([^\"]*, *)?\"[^\"]*;")
      file(RELATIVE_PATH rel "${ROOT}" "${f}")
      string(APPEND bad "  ${rel}: ${line}\n")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "TEST_CASE names with ';' (CTest would run nothing for them):\n${bad}")
endif()
message(STATUS "check_test_names: no TEST_CASE name holds a ';'")
