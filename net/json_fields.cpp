#include <atlas/net/json_fields.hpp>

#include <boost/json/value.hpp>

namespace atlas {

std::string json_string(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

std::int64_t json_int64(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr)
    return 0;
  if (v->is_int64())
    return v->as_int64();
  if (v->is_uint64())
    return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

} // namespace atlas
