#pragma once
// The few cryptographic primitives the node's authentication stands on
// (reference/exatlas.md §16), all from OpenSSL 3: random bytes, SHA-256,
// HMAC-SHA256, base64url and a constant-time comparison.

#include <atlas/core/expected.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace atlas {

/// `n` bytes from OpenSSL's CSPRNG (RAND_bytes); errc::internal if it fails.
expected<std::string> random_bytes(std::size_t n);

/// SHA-256 of `data`, lower-case hex (64 characters).
std::string sha256_hex(std::string_view data);

/// HMAC-SHA256 of `data` under `key` (the key's bytes as they are): 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Base64url without padding (RFC 4648 §5).
std::string base64url(std::string_view bytes);

/// Lower-case hex of raw bytes, and back (nothing for odd length or a non-hex digit).
std::string to_hex(std::string_view bytes);
/// The bytes `hex` spells (either case); nothing for odd length or a non-hex digit.
std::optional<std::string> from_hex(std::string_view hex);

/// Equal contents, in time that depends only on the lengths (CRYPTO_memcmp);
/// different lengths are unequal.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

} // namespace atlas
