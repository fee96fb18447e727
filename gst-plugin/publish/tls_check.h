// The TLS files of method=mqtt, checked once at start with OpenSSL (the
// library libmosquitto uses), so that a wrong file is one clear error before
// the first frame rather than a failed handshake later.
#pragma once

#include <string>

namespace decodiff::gst::publish {

// Empty when the combination is usable, else one line naming the property,
// the file and what is wrong with it: TLS is on when `ca_file` is set;
// `cert_file` and `key_file` (client authentication) go together and need
// `ca_file`; each file must be readable PEM (the CA file one or more
// certificates, the key unencrypted and matching the certificate).
std::string tls_files_error(const std::string& ca_file, const std::string& cert_file,
                            const std::string& key_file);

}  // namespace decodiff::gst::publish
