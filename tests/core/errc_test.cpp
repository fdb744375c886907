#include <atlas/core/errc.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <type_traits>

using atlas::errc;

TEST_CASE("every errc value has a distinct name that parses back to it") {
  std::set<std::string> names;
  for (auto code : atlas::all_errc()) {
    auto name = atlas::to_string(code);
    CHECK_FALSE(name.empty());
    CHECK(name != "invalid_errc");
    CHECK(names.insert(std::string{name}).second);
    CHECK(atlas::errc_from_string(name) == code);
  }
}

TEST_CASE("the list of errc values and the enum agree: contiguous from 1, nothing missing") {
  auto all = atlas::all_errc();
  REQUIRE_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i)
    CHECK(static_cast<std::underlying_type_t<errc>>(all[i]) == i + 1);
  // The value after the last listed one is not a kind.
  auto past = static_cast<errc>(all.size() + 1);
  CHECK(atlas::to_string(past) == "invalid_errc");
}

TEST_CASE("DESIGN.md §4.5 and ExAtlas's Error kinds are all present") {
  for (auto name : {"unauthorized", "not_found", "rate_limited", "timeout", "unsupported",
                    "validation", "provider", "transport", "persist_failed",
                    "no_token_available", "no_streamer", "forbidden", "unknown"})
    CHECK_MESSAGE(atlas::errc_from_string(name).has_value(), name);
  CHECK_FALSE(atlas::errc_from_string("no_such_kind").has_value());
}
