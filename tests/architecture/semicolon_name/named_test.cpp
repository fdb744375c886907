// Not compiled: the tree the test-name check must reject (tests/CMakeLists.txt).
#include <doctest/doctest.h>

TEST_CASE("one sentence; then another") {
}
