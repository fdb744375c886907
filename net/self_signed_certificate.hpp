#pragma once
// A self-signed TLS certificate and key made at run time (OpenSSL 3): EC
// P-256, valid from a minute ago for `valid_for`. Tests and benchmarks serve
// TLS with it while clients trust exactly it, verification on; `atlas node`
// can use it for a local TLS listener. No key material is ever kept in the tree.

#include <atlas/core/expected.hpp>

#include <chrono>
#include <string>

namespace atlas {

/// A certificate and its private key, both PEM text.
struct certificate_pem {
  std::string cert_pem; ///< the certificate (what clients trust)
  std::string key_pem;  ///< its private key: the server's secret
};

/// `san` uses OpenSSL's syntax: "IP:127.0.0.1,DNS:localhost".
/// errc::internal when OpenSSL refuses (a broken installation).
expected<certificate_pem> make_self_signed_certificate(
  const std::string& common_name = "localhost",
  const std::string& san = "IP:127.0.0.1,DNS:localhost",
  std::chrono::seconds valid_for = std::chrono::hours{1});

} // namespace atlas
