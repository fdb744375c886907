#pragma once
// A TLS certificate and key made at run time (OpenSSL 3): EC P-256,
// CN=localhost, SAN IP:127.0.0.1 and DNS:localhost, valid from a minute ago
// for an hour. Tests run servers with it and clients that trust exactly it,
// with full verification on: no key material in the tree, nothing to expire.

#include <string>

namespace atlas::test {

struct test_certificate {
  std::string cert_pem;
  std::string key_pem;
};

/// A fresh self-signed certificate for `common_name` with the subject
/// alternative names `san` (OpenSSL's syntax); aborts the test binary if
/// OpenSSL fails, which would be a broken installation.
test_certificate make_test_certificate(const std::string& common_name = "localhost",
                                       const std::string& san = "IP:127.0.0.1,DNS:localhost");

} // namespace atlas::test
