/* sr-tls.h: the server's TLS certificate, either supplied by the administrator or
 * self-signed on first start and kept in the state directory. Its fingerprint, which
 * clients are shown so they can pin it, is sr_certificate_fingerprint() in common/.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Loads cert_file + key_file (PEM) when both are given. Otherwise uses
 * STATE_DIR/tls-cert.pem + STATE_DIR/tls-key.pem, creating them on first use as a
 * self-signed certificate (ECDSA P-256, SHA-256 signature, valid 10 years from 1 day ago,
 * CN = the host name from g_get_host_name(), subjectAltName DNS:<hostname>, DNS:localhost,
 * IP:127.0.0.1, IP:::1; key usage digitalSignature, extended key usage serverAuth,
 * random 16-byte serial). The state dir is created (0700) if missing; the key file is
 * written with mode 0600 and never world-readable. *created is set TRUE when a new
 * certificate was made (may be NULL). */
GTlsCertificate *sr_tls_load_or_create (const char *cert_file,
                                        const char *key_file,
                                        const char *state_dir,
                                        gboolean   *created,
                                        GError    **error);

G_END_DECLS
