/* genhash.c - the `genhash` personality: keepalived 2.2.7's helper that fetches a URL and
 * prints the MD5 digest of its body, the value an HTTP_GET url block's `digest` expects.
 *
 * Options as keepalived's genhash(1): -s server, -p port, -u url, -V virtualhost (Host
 * header), -S TLS, -I SNI (the virtualhost), -P 1.0|1.0c|1.1, -t timeout, -v verbose (the
 * reply head, the digest), -h help; -m fwmark is refused. The body is read to the end of
 * the reply (Connection: close), bounded by Content-Length when the server sends one,
 * exactly as the checker digests it. Output as keepalived 2.2.7's: the bare hex digest on
 * stdout, "Connection failed" (exit status 0, as genhash) when the server cannot be reached.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "checks/checks.h"
#include "cli.h"

static void usage(const char *prog)
{
	fprintf(stderr,
	        "Usage: %s COMMAND [OPTIONS]\n"
	        "Commands:\n"
	        "   -s server-address -p port -u url\n"
	        "   -S -s server-address -p port -u url\n"
	        "   -h\n\n"
	        "Options:\n"
	        "Either long or short options are allowed.\n"
	        "   --use-ssl         -S       Use SSL connection to remote server.\n"
	        "   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost "
	        "setting; see -V).\n"
	        "   --server          -s       Use the specified remote server address.\n"
	        "   --port            -p       Use the specified remote server port.\n"
	        "   --url             -u       Use the specified remote server url.\n"
	        "   --use-virtualhost -V       Use the specified virtualhost in GET query.\n"
	        "   --verbose         -v       Use verbose mode output.\n"
	        "   --help            -h       Display this short inlined help screen.\n"
	        "   --fwmark          -m       Use the specified FW mark.\n"
	        "   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', "
	        "'1.1'.\n"
	        "                                1.0c means 1.0 with 'Connection: close'\n"
	        "   --timeout         -t       Timeout in seconds\n",
	        prog);
}

static int connect_to(const char *host, const char *port, int timeout_s)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		struct timeval tv = {.tv_sec = timeout_s};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The connection: a socket, and TLS over it with -S. */
struct gh_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static bool gh_tls(struct gh_conn *c, const char *sni)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return false;
	/* keepalived's genhash does not verify the server either: it digests what it gets */
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
		return false;
	if (sni)
		SSL_set_tlsext_host_name(c->ssl, sni);
	return SSL_connect(c->ssl) == 1;
}

static ssize_t gh_send(struct gh_conn *c, const char *b, size_t n)
{
	if (c->ssl)
		return SSL_write(c->ssl, b, (int)n);
	return send(c->fd, b, n, MSG_NOSIGNAL);
}

static ssize_t gh_recv(struct gh_conn *c, char *b, size_t n)
{
	if (c->ssl)
		return SSL_read(c->ssl, b, (int)(n > INT32_MAX ? INT32_MAX : n));
	return recv(c->fd, b, n, 0);
}

static void gh_close(struct gh_conn *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

/* Reads the reply head (up to 64 kB) into buf; the bytes read past the head stay in buf
 * after it. Returns the length read, 0 when the connection ended first. */
static size_t read_head(struct gh_conn *c, char *buf, size_t cap, struct chk_http_reply *r,
                        int *head)
{
	size_t len = 0;
	*head = -2;
	while (len < cap && *head == -2) {
		ssize_t n = gh_recv(c, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		*head = chk_http_parse(buf, len, r);
	}
	return len;
}

int genhash_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"use-ssl", no_argument, NULL, 'S'},
	    {"use-sni", no_argument, NULL, 'I'},
	    {"server", required_argument, NULL, 's'},
	    {"port", required_argument, NULL, 'p'},
	    {"url", required_argument, NULL, 'u'},
	    {"use-virtualhost", required_argument, NULL, 'V'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"fwmark", required_argument, NULL, 'm'},
	    {"protocol", required_argument, NULL, 'P'},
	    {"timeout", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *port = NULL, *url = NULL, *vhost = NULL, *proto = "1.0";
	bool ssl = false, sni = false, verbose = false;
	int ch, timeout_s = 5;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "SIs:p:u:V:vhm:P:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			ssl = true;
			break;
		case 'I':
			sni = true;
			break;
		case 's':
			server = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'V':
			vhost = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 't':
			timeout_s = atoi(optarg) > 0 ? atoi(optarg) : 5;
			break;
		case 'P':
			if (strcmp(optarg, "1.0") && strcmp(optarg, "1.0c") &&
			    strcmp(optarg, "1.1")) {
				usage(argv[0]);
				return 1;
			}
			proto = optarg;
			break;
		case 'm':
			fprintf(stderr, "genhash: -m (fwmark) is not implemented by vipr\n");
			return 1;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (!server || !port || !url) {
		usage(argv[0]);
		return 1;
	}
	struct gh_conn c = {.fd = connect_to(server, port, timeout_s)};
	if (c.fd < 0 || (ssl && !gh_tls(&c, sni ? vhost : NULL))) {
		printf("Connection failed\n"); /* keepalived's genhash: on stdout, status 0 */
		gh_close(&c);
		return 0;
	}
	char req[2048];
	bool v11 = !strcmp(proto, "1.1");
	int n =
	    snprintf(req, sizeof(req),
	             "GET %s HTTP/1.%c\r\nUser-Agent: KeepAliveClient\r\nHost: %s%s%s\r\n%s\r\n",
	             url, v11 ? '1' : '0', vhost ? vhost : server, vhost ? "" : ":",
	             vhost ? "" : port, strcmp(proto, "1.0") ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(req) || gh_send(&c, req, (size_t)n) != n) {
		printf("Connection failed\n");
		gh_close(&c);
		return 0;
	}
	/* the body streams through MD5 as the checker digests it: any size, bounded memory */
	static char buf[65536];
	struct chk_http_reply r;
	int head;
	size_t len = read_head(&c, buf, sizeof(buf), &r, &head);
	if (head < 0) {
		gh_close(&c);
		fprintf(stderr, "no data received from remote webserver\n");
		return 1;
	}
	if (verbose) {
		printf(
		    "-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n");
		printf("%.*s\n", head, buf);
	}
	EVP_MD_CTX *md5 = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md5, EVP_md5(), NULL);
	/* chunked bodies are decoded whole (a health page); others stream, bounded by
	 * Content-Length when given */
	long long left = r.chunked ? -1 : r.clen;
	size_t off = (size_t)head, got = len - (size_t)head; /* first: the bytes after the head */
	char *chunked = NULL;
	size_t clen = 0;
	for (;;) {
		if (r.chunked) {
			char *nb = realloc(chunked, clen + got + 1);
			if (!nb)
				break;
			chunked = nb;
			memcpy(chunked + clen, buf + off, got);
			clen += got;
		} else {
			if (left >= 0 && (long long)got > left)
				got = (size_t)left;
			EVP_DigestUpdate(md5, buf + off, got);
			if (left >= 0 && (left -= (long long)got) == 0)
				break;
		}
		ssize_t k = gh_recv(&c, buf, sizeof(buf));
		if (k <= 0)
			break;
		off = 0;
		got = (size_t)k;
	}
	gh_close(&c);
	if (r.chunked) {
		size_t out = 0;
		if (chunked)
			chk_http_dechunk(chunked, clen, &out);
		EVP_DigestUpdate(md5, chunked ? chunked : "", out);
		free(chunked);
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_DigestFinal_ex(md5, md, &mdlen);
	EVP_MD_CTX_free(md5);
	if (verbose)
		printf("\n-----------------------[ HTML MD5 final resulting "
		       "]-----------------------\n");
	for (unsigned i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf("\n");
	return 0;
}
