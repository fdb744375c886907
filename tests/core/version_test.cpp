#include <atlas/core/version.hpp>

#include <doctest/doctest.h>

#include <algorithm>

TEST_CASE("version() is the CMake project version") {
  CHECK(atlas::version() == ATLAS_EXPECTED_VERSION);
  CHECK(std::count(atlas::version().begin(), atlas::version().end(), '.') == 2);
}
