#pragma once
// The node's error answers (docs/node.md "Errors"): every error is
// {"error": {"kind": "<errc name>", "message": "..."}} with the HTTP status
// of its kind.

#include <atlas/core/error.hpp>
#include <atlas/net/http_server.hpp>

#include <boost/json/object.hpp>

namespace atlas {

/// validation 400, unauthorized 401, forbidden 403, not_found 404,
/// conflict 409, capacity 429... (the table of docs/node.md).
int http_status_for(errc code) noexcept;

/// {"error": {"kind": errc name, "message": the message, redacted again}}.
boost::json::object error_json(const error& e);
/// error_json(e) with the status of its kind (http_status_for).
http_server_response error_response(const error& e);
/// error_json of `code` and `message`, with the given `status`.
http_server_response error_response(int status, errc code, const std::string& message);

} // namespace atlas
