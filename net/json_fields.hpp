#pragma once
// Reading Fly's JSON answers leniently: a field that is missing or of
// another type reads as empty, as flyctl treats it — the Machines API
// leaves out what is unset rather than sending null.

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace atlas {

/// The string at `key` of `o`, or "" when it is missing or not a string.
std::string json_string(const boost::json::object& o, std::string_view key);

/// The integer at `key` of `o` (signed or unsigned), or 0 when it is missing
/// or not an integer.
std::int64_t json_int64(const boost::json::object& o, std::string_view key);

} // namespace atlas
