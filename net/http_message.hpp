#pragma once
// What Atlas's HTTP client sends and receives, independent of Beast, and how
// a status becomes an atlas::errc (DESIGN.md §4.5).

#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/secret.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atlas {

/// Header fields as (name, value) pairs, in order; names may repeat.
using http_headers = std::vector<std::pair<std::string, std::string>>;

/// A request for http_client::request.
struct http_request {
  std::string method = "GET"; ///< as sent ("GET", "POST", ...); is_idempotent compares it as is
  std::string url;            ///< absolute: http://127.0.0.1:8080/path?q or https://...
  http_headers headers{};     ///< never credentials: those go in `authorization`
  secret authorization{};     ///< the Authorization header's value; never logged or echoed
  std::string body{};         ///< sent as it is; empty: no body
  std::string content_type{}; ///< set with a body; "application/json" for JSON
  /// May it be sent again after a connection failure? Unset: by method
  /// (GET, HEAD, PUT, DELETE, OPTIONS are).
  std::optional<bool> idempotent{};
  duration deadline{0}; ///< the whole exchange; 0: the client's default

  /// `idempotent` when set, else whether `method` is GET, HEAD, PUT, DELETE or OPTIONS.
  bool is_idempotent() const;
};

/// A response of any status, as the server sent it.
struct http_response {
  int status = 0;         ///< the HTTP status code
  http_headers headers{}; ///< all of them, in the order received
  std::string body{};     ///< decoded from chunked transfer, at most http_client_options::body_limit bytes
  bool reused_connection = false; ///< it came over a kept-alive connection

  /// The first header called `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

/// The first header called `name` (case-insensitive) in `headers`, or nullptr.
const std::string* find_header(const http_headers& headers, std::string_view name);

/// 401 unauthorized, 403 forbidden, 404 not_found, 408/504 timeout,
/// 409/422 conflict, 429 rate_limited, other 4xx validation, 5xx provider.
errc errc_for_status(int status);

/// A 2xx response as it is; anything else as an error of errc_for_status,
/// with the status and the server's own error text (a JSON `error` or
/// `message` field, else the start of the body), naming `provider`.
expected<http_response> check_status(expected<http_response> r, const std::string& provider = {});

} // namespace atlas
