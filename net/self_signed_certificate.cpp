#include <atlas/net/self_signed_certificate.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace atlas {

namespace {

template <class T, void (*Free)(T*)>
using owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

error failed(const char* what) {
  return error{errc::internal, std::string{"self-signed certificate: OpenSSL's "} + what + " failed"};
}

expected<std::string> to_pem(auto write) {
  owned<BIO, BIO_free_all> bio{BIO_new(BIO_s_mem())};
  if (!bio || write(bio.get()) != 1)
    return failed("PEM_write");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

} // namespace

expected<certificate_pem> make_self_signed_certificate(const std::string& common_name,
                                                       const std::string& san,
                                                       std::chrono::seconds valid_for) {
  owned<EVP_PKEY, EVP_PKEY_free> key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  if (!key)
    return failed("EVP_PKEY_Q_keygen");
  owned<X509, X509_free> x{X509_new()};
  if (!x || X509_set_version(x.get(), 2) != 1)
    return failed("X509_new");
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), static_cast<long>(valid_for.count()));
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  owned<X509_EXTENSION, X509_EXTENSION_free> ext{
    X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())};
  if (!ext || X509_add_ext(x.get(), ext.get(), -1) != 1)
    return failed("subjectAltName");
  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0)
    return failed("X509_sign");
  auto cert = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, x.get()); });
  auto pkey = to_pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!cert)
    return cert.error();
  if (!pkey)
    return pkey.error();
  return certificate_pem{std::move(*cert), std::move(*pkey)};
}

} // namespace atlas
