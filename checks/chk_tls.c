/* chk_tls.c - TLS under a check's connection: HAProxy's `check-ssl` (with `check-sni`,
 * `verify none|required`, `ca-file`, `crt`) and keepalived's SSL_GET (the global SSL block's
 * ca, certificate, key and password; `enable_sni`).
 *
 * One SSL_CTX per distinct setting is shared by every item of an engine: 10,000 servers
 * checked the same way load their files once. chk_tcp.c drives the non-blocking handshake
 * once the TCP connection is up and reads and writes through the helpers below; a failed
 * handshake ends the probe with HAProxy's L6RSP and its info text, a handshake that does not
 * finish within the probe's timeout with L6TOUT (chk_engine.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "checks/chk_priv.h"

struct chk_tls_ctx {
	SSL_CTX *ctx;
	char *ca, *cert, *key, *password; /* the setting, to share the context */
	bool verify;
	struct chk_tls_ctx *next;
};

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int passwd_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	const char *pw = u;
	int n = pw ? (int)strlen(pw) : 0;
	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(buf, pw, (size_t)n);
	return n;
}

static void tls_err(char *err, size_t len, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();
	char reason[160] = "";
	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(err, len, "unable to load %s '%s'%s%s", what, file, reason[0] ? " : " : "",
	         reason);
}

static SSL_CTX *ctx_new(const struct chk_tls *t, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* writes may resume from a moved buffer (chk_conn_send reallocates); a peer that
	 * closes without close_notify is an end of data, not an error */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	/* a check is one short exchange: no session cache, no tickets to keep */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, t->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (t->ca_file && !SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL)) {
		tls_err(err, errlen, "CA file", t->ca_file);
		goto fail;
	}
	if (t->password) {
		SSL_CTX_set_default_passwd_cb(ctx, passwd_cb);
		SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)t->password);
	}
	if (t->cert && !SSL_CTX_use_certificate_chain_file(ctx, t->cert)) {
		tls_err(err, errlen, "certificate", t->cert);
		goto fail;
	}
	/* HAProxy's crt holds the key too; keepalived names it apart */
	const char *key = t->key ? t->key : t->cert;
	if (key && !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM)) {
		tls_err(err, errlen, "private key", key);
		goto fail;
	}
	if (key && !SSL_CTX_check_private_key(ctx)) {
		tls_err(err, errlen, "private key", key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int chk_set_tls(struct chk_item *it, const struct chk_tls *t, char *err, size_t errlen)
{
	struct chk_tls_ctx **list = chk_engine_tls(it->e), *c;
	err[0] = 0;
	for (c = *list; c; c = c->next)
		if (c->verify == t->verify && same(c->ca, t->ca_file) && same(c->cert, t->cert) &&
		    same(c->key, t->key) && same(c->password, t->password))
			break;
	if (!c) {
		SSL_CTX *ctx = ctx_new(t, err, errlen);
		if (!ctx)
			return -1;
		c = calloc(1, sizeof(*c));
		if (!c) {
			SSL_CTX_free(ctx);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		c->ctx = ctx;
		c->verify = t->verify;
		c->ca = dup_or_null(t->ca_file);
		c->cert = dup_or_null(t->cert);
		c->key = dup_or_null(t->key);
		c->password = dup_or_null(t->password);
		if (c->password) /* the callback must see the copy, not the caller's string */
			SSL_CTX_set_default_passwd_cb_userdata(ctx, c->password);
		c->next = *list;
		*list = c;
	}
	it->tls = c;
	free(it->tls_sni);
	it->tls_sni = t->sni && *t->sni ? strdup(t->sni) : NULL;
	return 0;
}

void chk_tls_free_all(struct chk_tls_ctx *list)
{
	while (list) {
		struct chk_tls_ctx *n = list->next;
		SSL_CTX_free(list->ctx);
		free(list->ca);
		free(list->cert);
		free(list->key);
		free(list->password);
		free(list);
		list = n;
	}
}

/* ---------------------------------------------------------------- per connection */

int chk_tls_begin(struct chk_item *it)
{
	SSL *ssl = SSL_new(it->tls->ctx);
	if (!ssl || !SSL_set_fd(ssl, it->conn.fd)) {
		SSL_free(ssl);
		return -1;
	}
	if (it->tls_sni) {
		SSL_set_tlsext_host_name(ssl, it->tls_sni);
		/* HAProxy checks the certificate against the SNI it sent when verifying */
		if (it->tls->verify)
			SSL_set1_host(ssl, it->tls_sni);
	}
	SSL_set_connect_state(ssl);
	it->conn.ssl = ssl;
	it->conn.handshaking = true;
	return 0;
}

int chk_tls_handshake(struct chk_item *it, const char **why)
{
	SSL *ssl = it->conn.ssl;
	ERR_clear_error();
	int rc = SSL_do_handshake(ssl);
	if (rc == 1) {
		it->conn.handshaking = false;
		return 0;
	}
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return EV_READ;
	case SSL_ERROR_WANT_WRITE:
		return EV_WRITE;
	default:
		break;
	}
	/* HAProxy 2.6's texts: a certificate for another name has its own */
	long v = SSL_get_verify_result(ssl);
	*why = v == X509_V_ERR_HOSTNAME_MISMATCH
	           ? "Server presented an SSL certificate different from the expected one"
	           : "SSL handshake failure";
	ERR_clear_error();
	return -1;
}

ssize_t chk_tls_recv(struct chk_conn *c, void *buf, size_t len)
{
	ERR_clear_error();
	int n = SSL_read(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
	if (n > 0)
		return n;
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || n == 0)
			return 0; /* closed without close_notify */
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

ssize_t chk_tls_send(struct chk_conn *c, const void *buf, size_t len)
{
	ERR_clear_error();
	int n = SSL_write(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
	if (n > 0)
		return n;
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = EPIPE;
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

bool chk_tls_pending(const struct chk_conn *c)
{
	return c->ssl && SSL_pending(c->ssl) > 0;
}

void chk_tls_close(struct chk_conn *c)
{
	if (!c->ssl)
		return;
	SSL_free(c->ssl); /* no close_notify: the socket is reset right after (chk_conn_close) */
	c->ssl = NULL;
	c->handshaking = false;
}
