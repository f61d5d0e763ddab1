/* genhash.c - the `genhash` personality: keepalived 2.2.7's helper that fetches a URL and
 * prints the MD5 digest of its body, the value an HTTP_GET url block's `digest` expects.
 *
 * Options as keepalived's genhash(1): -s server, -p port, -u url, -V virtualhost (Host
 * header), -v verbose (the request, the reply head, the digest), -h help, -r release;
 * -S (SSL) is refused until vipr's checks speak TLS. The body is read to the end of the
 * reply (HTTP/1.0, Connection: close), bounded by Content-Length when the server sends
 * one, exactly as the checker digests it; output "MD5SUM = <hex>".
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <openssl/evp.h>
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
	        "   -h\n"
	        "   -r\n\n"
	        "Options:\n"
	        "Either long or short options are allowed.\n"
	        "   --use-ssl         -S       Use SSL connection to remote server.\n"
	        "   --server          -s       Use the specified remote server address.\n"
	        "   --port            -p       Use the specified remote server port.\n"
	        "   --url             -u       Use the specified remote server url.\n"
	        "   --use-virtualhost -V       Use the specified virtualhost in GET query.\n"
	        "   --verbose         -v       Use verbose mode output.\n"
	        "   --help            -h       Display this short inlined help screen.\n"
	        "   --release         -r       Display the release number\n",
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

/* Reads the whole reply into a growing buffer; returns its length or -1. */
static long read_all(int fd, char **out)
{
	size_t cap = 65536, len = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return -1;
	for (;;) {
		if (len == cap) {
			char *nb = cap < (64u << 20) ? realloc(b, 2 * cap + 1) : NULL;
			if (!nb)
				break; /* 64 MB is enough for a health-check page */
			b = nb;
			cap *= 2;
		}
		ssize_t n = recv(fd, b + len, cap - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	b[len] = 0;
	*out = b;
	return (long)len;
}

int genhash_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"use-ssl", no_argument, NULL, 'S'},        {"server", required_argument, NULL, 's'},
	    {"port", required_argument, NULL, 'p'},     {"url", required_argument, NULL, 'u'},
	    {"use-virtualhost", required_argument, NULL, 'V'},
	    {"verbose", no_argument, NULL, 'v'},        {"help", no_argument, NULL, 'h'},
	    {"release", no_argument, NULL, 'r'},        {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *port = NULL, *url = NULL, *vhost = NULL;
	bool ssl = false, verbose = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "Ss:p:u:V:vhr", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S': ssl = true; break;
		case 's': server = optarg; break;
		case 'p': port = optarg; break;
		case 'u': url = optarg; break;
		case 'V': vhost = optarg; break;
		case 'v': verbose = true; break;
		case 'r': printf("Keepalived v2.2.7 (vipr genhash)\n"); return 0;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 1;
		}
	}
	if (!server || !port || !url) {
		usage(argv[0]);
		return 1;
	}
	if (ssl) {
		fprintf(stderr, "genhash: -S (SSL) is not implemented by vipr yet\n");
		return 1;
	}
	int fd = connect_to(server, port, 5);
	if (fd < 0) {
		fprintf(stderr, "Connection error to %s:%s\n", server, port);
		return 1;
	}
	char req[2048];
	int n = snprintf(req, sizeof(req),
	                 "GET %s HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: %s%s%s\r\n"
	                 "Connection: close\r\n\r\n",
	                 url, vhost ? vhost : server, vhost ? "" : ":", vhost ? "" : port);
	if (n < 0 || (size_t)n >= sizeof(req) || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "Cannot send the request\n");
		close(fd);
		return 1;
	}
	char *buf = NULL;
	long len = read_all(fd, &buf);
	close(fd);
	struct chk_http_reply r;
	int head = len > 0 ? chk_http_parse(buf, (size_t)len, &r) : -1;
	if (head < 0) {
		fprintf(stderr, "no data received from remote webserver\n");
		free(buf);
		return 1;
	}
	size_t blen = (size_t)len - (size_t)head;
	if (r.clen >= 0 && (long long)blen > r.clen)
		blen = (size_t)r.clen;
	if (verbose) {
		printf("-----------------------[    HTTP Header Ascii Dump    ]-----------------------\n");
		printf("%.*s\n", head, buf);
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_Digest(buf + head, blen, md, &mdlen, EVP_md5(), NULL);
	free(buf);
	if (verbose)
		printf("\n-----------------------[ HTML MD5 final resulting ]-----------------------\n");
	printf("MD5SUM = ");
	for (unsigned i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf("\n");
	return 0;
}
