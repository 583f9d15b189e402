// Transport failures that no retry can fix: a certificate the client does not trust, a handshake with
// something that does not speak TLS, an answer that is not HTTP. Retrying them spent minutes of
// backoff before saying anything useful; they fail at once, saying what is wrong.

/** Node's certificate verification codes (tls / OpenSSL X509_V_ERR_*), as Node names them. */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What a permanent transport code means, for the message; undefined when retrying may help. */
export function permanentTransportProblem(code: string, host: string): string | undefined {
  if (CERT_CODES.has(code)) {
    const what =
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN'
        ? 'is self-signed'
        : code === 'CERT_HAS_EXPIRED'
          ? 'has expired'
          : code === 'CERT_NOT_YET_VALID'
            ? 'is not valid yet'
            : code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH'
              ? 'is for another host name'
              : 'is not signed by an authority this machine trusts';
    return (
      `the TLS certificate of ${host} ${what} (${code}), so the connection was refused before anything was sent. ` +
      'Check base_url; behind a proxy that re-signs TLS, point NODE_EXTRA_CA_CERTS at its CA certificate'
    );
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    return (
      `the TLS handshake with ${host} failed (${code}): it does not speak https there ` +
      '(is base_url https: on a plain-http port?)'
    );
  }
  if (code.startsWith('HPE_')) {
    return `the answer from ${host} is not valid HTTP (${code}): check base_url`;
  }
  return undefined;
}
