#include <atlas/storage/memory_token_storage.hpp>
#include <atlas/storage/token_storage_conformance.hpp>

TEST_CASE("memory_token_storage passes the token storage conformance suite") {
  atlas::check_token_storage_conformance(
    [] { return std::make_unique<atlas::memory_token_storage>(); });
}
