#pragma once
// S3-style signed URLs, exactly as ExAtlas's Auth.SignedUrl
// (reference/exatlas.md §16.2): the query gains `exp` (Unix seconds) and
// `sig` (base64url HMAC-SHA256 over "PATH?" + the sorted, form-encoded
// query with `exp`). Scheme, host, port and fragment are not signed.
// Browsers get these for the node's event streams (docs/node.md).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace atlas {

/// What verify_url found.
enum class signed_url_check : std::uint8_t { ok, malformed, expired, bad_signature };
/// The enumerator's name: "ok", "malformed", "expired", "bad_signature".
std::string_view to_string(signed_url_check c) noexcept;
/** \var signed_url_check::ok
    Signed with the secret and not expired. */
/** \var signed_url_check::malformed
    No `exp` integer, or no `sig`. */
/** \var signed_url_check::expired
    `exp` is before now (checked before the signature). */
/** \var signed_url_check::bad_signature
    `sig` does not match the path and query under the secret. */

/// Unix seconds now.
std::int64_t unix_now();

/// `url` (full, or path and query) with `exp` = now + expires_in and `sig`.
/// Existing query parameters are kept and signed too.
std::string sign_url(std::string_view url, std::string_view secret, std::int64_t expires_in = 3600,
                     std::int64_t now = unix_now());

/// ok, or why not: malformed (no `exp` integer or no `sig`), expired
/// (exp < now: checked before the signature; exp == now is still valid),
/// bad_signature (compared in constant time).
signed_url_check verify_url(std::string_view url, std::string_view secret,
                            std::int64_t now = unix_now());

/// Form decoding of a query ('+' is a space, %XX), duplicate keys: the last wins.
std::map<std::string, std::string> decode_query(std::string_view query);
/// Sorted by key, unreserved characters kept, space as '+', else %XX upper-case.
std::string encode_query(const std::map<std::string, std::string>& params);

} // namespace atlas
