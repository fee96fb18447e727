#include "tls_check.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace decodiff::gst::publish {
namespace {

// OpenSSL's reason for the last failure, and the error queue emptied.
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  std::string text = code ? ERR_reason_error_string(code) ? ERR_reason_error_string(code) : "unknown error"
                          : "unknown error";
  ERR_clear_error();
  return text;
}

std::string unreadable(const char* property, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string(property) + " " + path + ": " + std::strerror(errno);
  std::fclose(f);
  return "";
}

// Encrypted keys would make OpenSSL ask for a pass phrase on the terminal.
int no_pass_phrase(char*, int, int, void*) { return 0; }

}  // namespace

std::string tls_files_error(const std::string& ca_file, const std::string& cert_file,
                            const std::string& key_file) {
  if (ca_file.empty()) {
    if (!cert_file.empty() || !key_file.empty())
      return "cert-file and key-file need ca-file (TLS is on when ca-file is set)";
    return "";
  }
  if (cert_file.empty() != key_file.empty())
    return "cert-file and key-file go together (client authentication): set both or neither";
  for (const auto& [property, path] : {std::pair<const char*, const std::string&>{"ca-file", ca_file},
                                       {"cert-file", cert_file},
                                       {"key-file", key_file}})
    if (!path.empty())
      if (std::string e = unreadable(property, path); !e.empty()) return e;

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return "cannot set up TLS: " + openssl_reason();
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_pass_phrase);
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
    return "ca-file " + ca_file + " is not a PEM certificate file: " + openssl_reason();
  if (cert_file.empty()) return "";
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1)
    return "cert-file " + cert_file + " is not a PEM certificate file: " + openssl_reason();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return "key-file " + key_file + " is not an unencrypted PEM private key: " + openssl_reason();
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return "key-file " + key_file + " does not match cert-file " + cert_file + ": " + openssl_reason();
  return "";
}

}  // namespace decodiff::gst::publish
