#pragma once
// The shape of a Fly API token, checked wherever a token enters Atlas
// (manual override, environment, config file, CLI output): a malformed or
// truncated token is refused when it is set, not later as a 401.

#include <atlas/core/expected.hpp>
#include <atlas/core/secret.hpp>

#include <array>
#include <string_view>

namespace atlas {

/// How Fly's macaroon tokens begin (superfly/macaroon).
inline constexpr std::array<std::string_view, 3> fly_macaroon_prefixes{"fm1r_", "fm1a_", "fm2_"};
/// How Fly's OAuth tokens begin.
inline constexpr std::string_view fly_oauth_prefix = "fo1_";

/// Checks `raw` and returns it normalised: surrounding blanks and any leading
/// `Bearer`/`FlyV1` schemes removed (Fly's server strips them the same way,
/// repeatedly), leaving the comma-separated token list. Accepted parts:
/// - macaroons `fm1r_…`, `fm1a_…`, `fm2_…` with a standard base64 body of at
///   least 16 characters ('=' only as trailing padding, at most two);
/// - one OAuth token `fo1_…` or legacy personal token (base64url, at least 20
///   characters), after the macaroons if there are any.
/// errc::validation otherwise; the message names the part and the problem,
/// never the token.
expected<secret> parse_token(std::string_view raw);

/// The Authorization header value flyctl sends for a normalised token:
/// `FlyV1 <macaroons>` when it holds macaroons, else `Bearer <token>`.
secret authorization_header(const secret& token);

} // namespace atlas
