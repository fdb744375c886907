#pragma once
// Masks Fly credentials in free text. Every path by which text leaves Atlas
// (logs, errors, telemetry, metrics, HTTP responses) passes through here.

#include <string>
#include <string_view>

namespace atlas {

/// What a masked credential is replaced with.
inline constexpr std::string_view redacted_marker = "[REDACTED]";

/// Returns `text` with every credential replaced by "[REDACTED]":
/// - `Authorization:` header values (to the end of the line),
/// - `FlyV1 fm2_…[,fm2_…]` macaroons and `Bearer …` values (the scheme stays),
/// - bare Fly tokens `fm1r_…`, `fm1a_…`, `fm2_…` (macaroons), `fo1_…` (OAuth),
/// - the values of `access_token` (YAML, JSON, key=value) and of the
///   `FLY_API_TOKEN` / `FLY_ACCESS_TOKEN` environment variables.
/// Text with none of these is returned unchanged. Single pass, no regex.
std::string redact(std::string_view text);

/// True when redact() would change `text`.
bool contains_secret(std::string_view text);

} // namespace atlas
