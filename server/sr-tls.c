/* sr-tls.c: the server's TLS certificate, from the administrator's files or self-signed.
 *
 * Files are parsed by GTlsCertificate, so what is checked here is exactly what
 * glib-networking later hands to the handshake; GnuTLS mints the self-signed pair and
 * checks that a key belongs to its certificate, which GLib does not.
 */
#define G_LOG_DOMAIN "sr-tls"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "sr-tls.h"

#define CERT_FILE_NAME "tls-cert.pem"
#define KEY_FILE_NAME  "tls-key.pem"
#define VALIDITY_YEARS 10

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

/* An exported datum may hold the private key, so scrub it before handing it back. */
static void
datum_clear (gnutls_datum_t *datum)
{
  if (datum->data != NULL)
    {
      gnutls_memset (datum->data, 0, datum->size);
      gnutls_free (datum->data);
    }
  datum->data = NULL;
  datum->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, datum_clear)

static gboolean
gnutls_failed (GError     **error,
               const char  *step,
               int          rc)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "Cannot make a self-signed TLS certificate (%s): %s",
               step, gnutls_strerror (rc));
  return FALSE;
}

/* GLib reports unreadable files in G_FILE_ERROR, with the path already in the message;
 * callers of this module only have to know G_IO_ERROR (plus G_TLS_ERROR for content
 * GLib could not parse, where the path has to be added). */
static void
propagate_load_error (GError     **dest,
                      GError      *src,
                      const char  *what,
                      const char  *path)
{
  if (src->domain == G_FILE_ERROR)
    {
      g_set_error (dest, G_IO_ERROR, g_io_error_from_file_error (src->code),
                   "Cannot load %s: %s", what, src->message);
      g_error_free (src);
    }
  else
    g_propagate_prefixed_error (dest, src, "Cannot load %s “%s”: ", what, path);
}

/* GLib pairs any well-formed key with any certificate without complaint and the mistake
 * would only show at the first handshake, so compare the public key inside each: same
 * key ID, same key pair. */
static gboolean
check_key_matches (GTlsCertificate  *certificate,
                   const char       *cert_path,
                   const char       *key_path,
                   GError          **error)
{
  g_autoptr(GByteArray) cert_der = NULL;
  g_autoptr(GByteArray) key_der = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  gnutls_datum_t datum;
  guint8 cert_id[64];
  guint8 key_id[64];
  size_t cert_id_size = sizeof cert_id;
  size_t key_id_size = sizeof key_id;
  int rc;

  g_object_get (certificate, "certificate", &cert_der, "private-key", &key_der, NULL);
  if (cert_der == NULL || key_der == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Cannot check TLS private key “%s” against certificate “%s”",
                   key_path, cert_path);
      return FALSE;
    }

  datum.data = cert_der->data;
  datum.size = cert_der->len;
  if ((rc = gnutls_x509_crt_init (&crt)) < 0
      || (rc = gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER)) < 0
      || (rc = gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256,
                                           cert_id, &cert_id_size)) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Cannot read the public key of TLS certificate “%s”: %s",
                   cert_path, gnutls_strerror (rc));
      return FALSE;
    }

  datum.data = key_der->data;
  datum.size = key_der->len;
  rc = gnutls_x509_privkey_init (&key);
  if (rc >= 0)
    rc = gnutls_x509_privkey_import2 (key, &datum, GNUTLS_X509_FMT_DER, NULL, 0);
  if (rc >= 0)
    rc = gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id, &key_id_size);
  gnutls_memset (key_der->data, 0, key_der->len);
  if (rc < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Cannot read TLS private key “%s”: %s", key_path, gnutls_strerror (rc));
      return FALSE;
    }

  if (cert_id_size != key_id_size || memcmp (cert_id, key_id, key_id_size) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "TLS private key “%s” does not belong to certificate “%s”",
                   key_path, cert_path);
      return FALSE;
    }

  return TRUE;
}

static GTlsCertificate *
load_pair (const char  *cert_path,
           const char  *key_path,
           GError     **error)
{
  g_autoptr(GTlsCertificate) cert_only = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local_error = NULL;

  /* The certificate on its own first, so a broken certificate is blamed on its own file
   * rather than reported as a key problem by the combined load below. */
  cert_only = g_tls_certificate_new_from_file (cert_path, &local_error);
  if (cert_only == NULL)
    {
      propagate_load_error (error, g_steal_pointer (&local_error),
                            "TLS certificate", cert_path);
      return NULL;
    }

  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &local_error);
  if (certificate == NULL)
    {
      propagate_load_error (error, g_steal_pointer (&local_error),
                            "TLS private key", key_path);
      return NULL;
    }

  if (!check_key_matches (certificate, cert_path, key_path, error))
    return NULL;

  return g_steal_pointer (&certificate);
}

static gboolean
generate_self_signed (gnutls_datum_t  *cert_pem,
                      gnutls_datum_t  *key_pem,
                      GError         **error)
{
  static const guint8 ipv4_loopback[4] = { 127, 0, 0, 1 };
  static const guint8 ipv6_loopback[16] = { [15] = 1 };
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) not_before = g_date_time_add_days (now, -1);
  g_autoptr(GDateTime) not_after = g_date_time_add_years (not_before, VALIDITY_YEARS);
  const char *host_name = g_get_host_name ();
  guint8 serial[16];
  guint8 key_id[64];
  size_t key_id_size = sizeof key_id;
  int rc;

  if ((rc = gnutls_x509_privkey_init (&key)) < 0
      || (rc = gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                              GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                              0, NULL, 0)) < 0)
    return gnutls_failed (error, "generating the key", rc);

  if ((rc = gnutls_rnd (GNUTLS_RND_RANDOM, serial, sizeof serial)) < 0)
    return gnutls_failed (error, "picking a serial number", rc);
  /* A serial is a positive INTEGER; a clear top bit keeps it positive and a set next bit
   * keeps DER from dropping a leading zero octet, so it stays 16 bytes long. */
  serial[0] = (serial[0] & 0x7f) | 0x40;

  if ((rc = gnutls_x509_crt_init (&crt)) < 0
      || (rc = gnutls_x509_crt_set_version (crt, 3)) < 0
      || (rc = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0
      || (rc = gnutls_x509_crt_set_activation_time (crt, g_date_time_to_unix (not_before))) < 0
      || (rc = gnutls_x509_crt_set_expiration_time (crt, g_date_time_to_unix (not_after))) < 0
      || (rc = gnutls_x509_crt_set_key (crt, key)) < 0)
    return gnutls_failed (error, "setting up the certificate", rc);

  if ((rc = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                           host_name, strlen (host_name))) < 0)
    return gnutls_failed (error, "setting the common name", rc);

  /* Clients match the name they dialled against the SAN list, not the CN. A host name
   * that is not a valid DNS name must not stop the server from starting: localhost and
   * the loopback addresses still work, and pinning does not care about names at all. */
  if (g_ascii_strcasecmp (host_name, "localhost") != 0)
    {
      rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME,
                                                 host_name, strlen (host_name),
                                                 GNUTLS_FSAN_APPEND);
      if (rc < 0)
        g_message ("Host name “%s” left out of the TLS certificate's names: %s",
                   host_name, gnutls_strerror (rc));
    }

  if ((rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME,
                                                  "localhost", strlen ("localhost"),
                                                  GNUTLS_FSAN_APPEND)) < 0
      || (rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                     ipv4_loopback, sizeof ipv4_loopback,
                                                     GNUTLS_FSAN_APPEND)) < 0
      || (rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                     ipv6_loopback, sizeof ipv6_loopback,
                                                     GNUTLS_FSAN_APPEND)) < 0)
    return gnutls_failed (error, "setting the subject alternative names", rc);

  /* CA:FALSE so that a client which trusts this certificate as an anchor cannot be made
   * to accept other certificates signed with the same key. */
  if ((rc = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0
      || (rc = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0
      || (rc = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0
      || (rc = gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_size)) < 0
      || (rc = gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size)) < 0)
    return gnutls_failed (error, "setting the extensions", rc);

  if ((rc = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    return gnutls_failed (error, "signing", rc);

  /* PKCS#8 rather than the SEC1 "EC PRIVATE KEY" form: it is the one form every TLS
   * stack and tool reads, should the administrator want to reuse the pair elsewhere. */
  if ((rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, cert_pem)) < 0
      || (rc = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                  GNUTLS_PKCS_PLAIN, key_pem)) < 0)
    return gnutls_failed (error, "exporting", rc);

  return TRUE;
}

static gboolean
write_file (const char            *path,
            const gnutls_datum_t  *contents,
            int                    mode,
            const char            *what,
            GError               **error)
{
  g_autoptr(GError) local_error = NULL;

  /* Written to a temporary file created with the final mode and renamed into place, so
   * the key is never readable by others, not even for a moment, and a crash cannot leave
   * a half-written file behind. */
  if (g_file_set_contents_full (path, (const char *) contents->data, contents->size,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                mode, &local_error))
    return TRUE;

  g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
               "Cannot write %s “%s”: %s", what, path, local_error->message);
  return FALSE;
}

static gboolean
create_self_signed (const char  *state_dir,
                    const char  *cert_path,
                    const char  *key_path,
                    GError     **error)
{
  g_auto(gnutls_datum_t) cert_pem = { NULL, 0 };
  g_auto(gnutls_datum_t) key_pem = { NULL, 0 };

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create state directory “%s”: %s",
                   state_dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!generate_self_signed (&cert_pem, &key_pem, error))
    return FALSE;

  /* Key first: a certificate without its key would make the next start refuse to run,
   * whereas a lone key is removed again below if the certificate cannot be written. */
  if (!write_file (key_path, &key_pem, 0600, "TLS private key", error))
    return FALSE;

  if (!write_file (cert_path, &cert_pem, 0644, "TLS certificate", error))
    {
      g_unlink (key_path);
      return FALSE;
    }

  return TRUE;
}

GTlsCertificate *
sr_tls_load_or_create (const char  *cert_file,
                       const char  *key_file,
                       const char  *state_dir,
                       gboolean    *created,
                       GError     **error)
{
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  GTlsCertificate *certificate;
  gboolean have_cert;
  gboolean have_key;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (created != NULL)
    *created = FALSE;

  if (cert_file != NULL || key_file != NULL)
    {
      if (cert_file == NULL || key_file == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "--tls-cert and --tls-key go together");
          return NULL;
        }

      return load_pair (cert_file, key_file, error);
    }

  if (state_dir == NULL || *state_dir == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "No TLS certificate given and no state directory to keep a "
                           "self-signed one in");
      return NULL;
    }

  cert_path = g_build_filename (state_dir, CERT_FILE_NAME, NULL);
  key_path = g_build_filename (state_dir, KEY_FILE_NAME, NULL);
  have_cert = g_file_test (cert_path, G_FILE_TEST_EXISTS);
  have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);

  if (have_cert && have_key)
    return load_pair (cert_path, key_path, error);

  /* Never replace half a pair silently: clients may have pinned the certificate, and a
   * lone key may have been put there on purpose. The administrator decides. */
  if (have_cert || have_key)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Found “%s” but not “%s”; remove it to have a new self-signed "
                   "certificate made",
                   have_cert ? cert_path : key_path,
                   have_cert ? key_path : cert_path);
      return NULL;
    }

  if (!create_self_signed (state_dir, cert_path, key_path, error))
    return NULL;

  certificate = load_pair (cert_path, key_path, error);
  if (certificate != NULL && created != NULL)
    *created = TRUE;

  return certificate;
}
