/** Node's network error codes, in the words an operator reads in a log line. */
export const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'connection timed out',
  // https:// to a port that speaks plain HTTP: OpenSSL reads an HTTP answer as a bad TLS record.
  EPROTO: 'TLS handshake failed (is the server plain HTTP? check the URL scheme)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is the server plain HTTP? check the URL scheme)',
};
