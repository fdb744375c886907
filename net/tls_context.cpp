#include <atlas/net/tls_context.hpp>

#include <boost/asio/buffer.hpp>

namespace atlas {

namespace ssl = boost::asio::ssl;

expected<std::shared_ptr<ssl::context>> make_client_tls_context(const client_tls_options& opts) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                     | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (opts.system_store && ctx->set_default_verify_paths(ec))
    return error{errc::internal, "TLS: the system's CA store could not be loaded: " + ec.message()};
  if (!opts.extra_ca_file.empty() && ctx->load_verify_file(opts.extra_ca_file, ec))
    return error{errc::validation,
                 "TLS: extra CA file " + opts.extra_ca_file + " could not be loaded: " + ec.message()};
  if (!opts.extra_ca_pem.empty()
      && ctx->add_certificate_authority(boost::asio::buffer(opts.extra_ca_pem), ec))
    return error{errc::validation, "TLS: the extra CA (PEM text) could not be loaded: " + ec.message()};
  return ctx;
}

expected<std::shared_ptr<ssl::context>> make_server_tls_context(const std::string& cert_chain_pem,
                                                                const std::string& key_pem) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                     | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ctx->use_certificate_chain(boost::asio::buffer(cert_chain_pem), ec))
    return error{errc::validation, "TLS: the server certificate chain does not load: " + ec.message()};
  if (ctx->use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec))
    return error{errc::validation, "TLS: the server private key does not load: " + ec.message()};
  return ctx;
}

} // namespace atlas
