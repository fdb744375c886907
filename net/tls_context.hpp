#pragma once
// TLS contexts for Atlas's HTTP client and server (reference/runtime.md §4).
// A client always verifies the peer's certificate and its host name; there
// is no switch to turn that off.

#include <atlas/core/expected.hpp>

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace atlas {

/// What a client trusts; verification itself is always on.
struct client_tls_options {
  bool system_store = true;  ///< trust the system's CAs (Debian: /etc/ssl/certs)
  std::string extra_ca_file; ///< a PEM file of more CAs to trust (option net.extra_ca_file)
  std::string extra_ca_pem;  ///< PEM text of more CAs to trust (tests: the run-time certificate)
};

/// A client context: TLS 1.2 or later, verify_peer, the trust store above.
/// errc::validation naming the file when the extra CA cannot be loaded.
expected<std::shared_ptr<boost::asio::ssl::context>>
make_client_tls_context(const client_tls_options& opts);

/// A server context from a PEM certificate chain and its PEM private key.
/// errc::validation when either does not load.
expected<std::shared_ptr<boost::asio::ssl::context>>
make_server_tls_context(const std::string& cert_chain_pem, const std::string& key_pem);

} // namespace atlas
