/* promex.c - `http-request use-service prometheus-exporter`: HAProxy 2.6's Prometheus
 * exporter, in the text exposition format 0.0.4.
 *
 * The metrics are the ones of the stats engine: process metrics come from `show info`,
 * frontend, backend and server metrics from the CSV rows of `show stat` (stats.c), so both
 * always agree. The table below holds HAProxy 2.6.12's names, types and HELP texts; each row
 * says which info key or CSV column feeds it. `?scope=` (repeatable) and `no-maint` select
 * what is dumped, as HAProxy's do. The whole answer is built at once, like the stats page.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"

enum { PX_GLOBAL = 1, PX_FE = 2, PX_BE = 4, PX_SRV = 8, PX_ALL = 15 };
enum { PM_GAUGE, PM_COUNTER };

#define PM_MS       0x01 /* CSV milliseconds, exported as seconds */
#define PM_HTTP     0x02 /* only for proxies in mode http */
#define PM_CODE     0x04 /* http_responses_total: a code label from the hrsp_ column name */
#define PM_STATUS   0x08 /* status: one line per state label */
#define PM_AGG      0x10 /* backend: counts over its servers, per state label */
#define PM_CHECKED  0x20 /* server: only when it is checked */
#define PM_CHKSTATE 0x40 /* server check_status: one line per check state label */

struct pm_metric {
	unsigned char scope;
	const char *name; /* after haproxy_<scope>_ */
	unsigned char type;
	const char *help;
	const char *src; /* show info key or CSV column */
	unsigned flags;
};

/* HAProxy 2.6.12's exporter, in its order (promex-metric-names-2.6.12.txt). */
static const struct pm_metric metrics[] = {
    {PX_GLOBAL, "nbthread", PM_GAUGE, "Number of started threads (global.nbthread)", "Nbthread", 0},
    {PX_GLOBAL, "nbproc", PM_GAUGE, "Number of started worker processes (historical, always 1)",
     "Nbproc", 0},
    {PX_GLOBAL, "relative_process_id", PM_GAUGE, "Relative worker process number (1)",
     "Process_num", 0},
    {PX_GLOBAL, "uptime_seconds", PM_GAUGE,
     "How long ago this worker process was started (seconds)", "Uptime_sec", 0},
    {PX_GLOBAL, "pool_failures_total", PM_COUNTER,
     "Number of failed pool allocations since this worker was started", "PoolFailed", 0},
    {PX_GLOBAL, "max_fds", PM_GAUGE, "Hard limit on the number of per-process file descriptors",
     "Ulimit-n", 0},
    {PX_GLOBAL, "max_sockets", PM_GAUGE, "Hard limit on the number of per-process sockets",
     "Maxsock", 0},
    {PX_GLOBAL, "max_connections", PM_GAUGE,
     "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)",
     "Maxconn", 0},
    {PX_GLOBAL, "hard_max_connections", PM_GAUGE,
     "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)",
     "Hard_maxconn", 0},
    {PX_GLOBAL, "current_connections", PM_GAUGE,
     "Current number of connections on this worker process", "CurrConns", 0},
    {PX_GLOBAL, "connections_total", PM_COUNTER,
     "Total number of connections on this worker process since started", "CumConns", 0},
    {PX_GLOBAL, "requests_total", PM_COUNTER,
     "Total number of requests on this worker process since started", "CumReq", 0},
    {PX_GLOBAL, "max_ssl_connections", PM_GAUGE,
     "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited",
     "MaxSslConns", 0},
    {PX_GLOBAL, "current_ssl_connections", PM_GAUGE,
     "Current number of SSL endpoints on this worker process (front+back)", "CurrSslConns", 0},
    {PX_GLOBAL, "ssl_connections_total", PM_COUNTER,
     "Total number of SSL endpoints on this worker process since started (front+back)",
     "CumSslConns", 0},
    {PX_GLOBAL, "max_pipes", PM_GAUGE,
     "Hard limit on the number of pipes for splicing, 0=unlimited", "Maxpipes", 0},
    {PX_GLOBAL, "pipes_used_total", PM_COUNTER,
     "Current number of pipes in use in this worker process", "PipesUsed", 0},
    {PX_GLOBAL, "pipes_free_total", PM_COUNTER,
     "Current number of allocated and available pipes in this worker process", "PipesFree", 0},
    {PX_GLOBAL, "current_connection_rate", PM_GAUGE,
     "Number of front connections created on this worker process over the last second", "ConnRate",
     0},
    {PX_GLOBAL, "limit_connection_rate", PM_GAUGE, "Hard limit for ConnRate (global.maxconnrate)",
     "ConnRateLimit", 0},
    {PX_GLOBAL, "max_connection_rate", PM_GAUGE,
     "Highest ConnRate reached on this worker process since started (in connections per second)",
     "MaxConnRate", 0},
    {PX_GLOBAL, "current_session_rate", PM_GAUGE,
     "Number of sessions created on this worker process over the last second", "SessRate", 0},
    {PX_GLOBAL, "limit_session_rate", PM_GAUGE, "Hard limit for SessRate (global.maxsessrate)",
     "SessRateLimit", 0},
    {PX_GLOBAL, "max_session_rate", PM_GAUGE,
     "Highest SessRate reached on this worker process since started (in sessions per second)",
     "MaxSessRate", 0},
    {PX_GLOBAL, "current_ssl_rate", PM_GAUGE,
     "Number of SSL connections created on this worker process over the last second", "SslRate", 0},
    {PX_GLOBAL, "limit_ssl_rate", PM_GAUGE, "Hard limit for SslRate (global.maxsslrate)",
     "SslRateLimit", 0},
    {PX_GLOBAL, "max_ssl_rate", PM_GAUGE,
     "Highest SslRate reached on this worker process since started (in connections per second)",
     "MaxSslRate", 0},
    {PX_GLOBAL, "current_frontend_ssl_key_rate", PM_GAUGE,
     "Number of SSL keys created on frontends in this worker process over the last second",
     "SslFrontendKeyRate", 0},
    {PX_GLOBAL, "max_frontend_ssl_key_rate", PM_GAUGE,
     "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per "
     "second)",
     "SslFrontendMaxKeyRate", 0},
    {PX_GLOBAL, "frontend_ssl_reuse", PM_GAUGE,
     "Percent of frontend SSL connections which did not require a new key",
     "SslFrontendSessionReuse_pct", 0},
    {PX_GLOBAL, "current_backend_ssl_key_rate", PM_GAUGE,
     "Number of SSL keys created on backends in this worker process over the last second",
     "SslBackendKeyRate", 0},
    {PX_GLOBAL, "max_backend_ssl_key_rate", PM_GAUGE,
     "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per "
     "second)",
     "SslBackendMaxKeyRate", 0},
    {PX_GLOBAL, "ssl_cache_lookups_total", PM_COUNTER,
     "Total number of SSL session ID lookups in the SSL session cache on this worker since started",
     "SslCacheLookups", 0},
    {PX_GLOBAL, "ssl_cache_misses_total", PM_COUNTER,
     "Total number of SSL session ID lookups that didn't find a session in the SSL session cache "
     "on this worker since started",
     "SslCacheMisses", 0},
    {PX_GLOBAL, "http_comp_bytes_in_total", PM_COUNTER,
     "Number of bytes submitted to the HTTP compressor in this worker process over the last second",
     "CompressBpsIn", 0},
    {PX_GLOBAL, "http_comp_bytes_out_total", PM_COUNTER,
     "Number of bytes emitted by the HTTP compressor in this worker process over the last second",
     "CompressBpsOut", 0},
    {PX_GLOBAL, "limit_http_comp", PM_GAUGE,
     "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled",
     "CompressBpsRateLim", 0},
    {PX_GLOBAL, "current_zlib_memory", PM_GAUGE,
     "Amount of memory currently used by HTTP compression on the current worker process (in bytes)",
     "ZlibMemUsage", 0},
    {PX_GLOBAL, "max_zlib_memory", PM_GAUGE,
     "Limit on the amount of memory used by HTTP compression above which it is automatically "
     "disabled (in bytes, see global.maxzlibmem)",
     "MaxZlibMemUsage", 0},
    {PX_GLOBAL, "current_tasks", PM_GAUGE,
     "Total number of tasks in the current worker process (active + sleeping)", "Tasks", 0},
    {PX_GLOBAL, "current_run_queue", PM_GAUGE,
     "Total number of active tasks+tasklets in the current worker process", "Run_queue", 0},
    {PX_GLOBAL, "idle_time_percent", PM_GAUGE,
     "Percentage of last second spent waiting in the current worker thread", "Idle_pct", 0},
    {PX_GLOBAL, "stopping", PM_GAUGE,
     "1 if the worker process is currently stopping, otherwise zero", "Stopping", 0},
    {PX_GLOBAL, "jobs", PM_GAUGE,
     "Current number of active jobs on the current worker process (frontend connections, master "
     "connections, listeners)",
     "Jobs", 0},
    {PX_GLOBAL, "unstoppable_jobs", PM_GAUGE,
     "Current number of unstoppable jobs on the current worker process (master connections)",
     "Unstoppable Jobs", 0},
    {PX_GLOBAL, "listeners", PM_GAUGE,
     "Current number of active listeners on the current worker process", "Listeners", 0},
    {PX_GLOBAL, "active_peers", PM_GAUGE,
     "Current number of verified active peers connections on the current worker process",
     "ActivePeers", 0},
    {PX_GLOBAL, "connected_peers", PM_GAUGE,
     "Current number of peers having passed the connection step on the current worker process",
     "ConnectedPeers", 0},
    {PX_GLOBAL, "dropped_logs_total", PM_COUNTER,
     "Total number of dropped logs for current worker process since started", "DroppedLogs", 0},
    {PX_GLOBAL, "busy_polling_enabled", PM_GAUGE,
     "1 if busy-polling is currently in use on the worker process, otherwise zero "
     "(config.busy-polling)",
     "BusyPolling", 0},
    {PX_GLOBAL, "failed_resolutions", PM_COUNTER,
     "Total number of failed DNS resolutions in current worker process since started",
     "FailedResolutions", 0},
    {PX_GLOBAL, "bytes_out_total", PM_COUNTER,
     "Total number of bytes emitted by current worker process since started", "TotalBytesOut", 0},
    {PX_GLOBAL, "spliced_bytes_out_total", PM_COUNTER,
     "Total number of bytes emitted by current worker process through a kernel pipe since started",
     "TotalSplicdedBytesOut", 0},
    {PX_GLOBAL, "bytes_out_rate", PM_GAUGE,
     "Number of bytes emitted by current worker process over the last second", "BytesOutRate", 0},
    {PX_GLOBAL, "recv_logs_total", PM_COUNTER,
     "Total number of log messages received by log-forwarding listeners on this worker process "
     "since started",
     "CumRecvLogs", 0},
    {PX_GLOBAL, "build_info", PM_GAUGE, "Build info", "Build info", 0},
    {PX_GLOBAL, "max_memory_bytes", PM_GAUGE,
     "Worker process's hard limit on memory usage in byes (-m on command line)", "Memmax_bytes", 0},
    {PX_GLOBAL, "pool_allocated_bytes", PM_GAUGE, "Amount of memory allocated in pools (in bytes)",
     "PoolAlloc_bytes", 0},
    {PX_GLOBAL, "pool_used_bytes", PM_GAUGE, "Amount of pool memory currently used (in bytes)",
     "PoolUsed_bytes", 0},
    {PX_GLOBAL, "start_time_seconds", PM_GAUGE, "Start time in seconds", "Start_time_sec", 0},
    {PX_FE, "current_sessions", PM_GAUGE,
     "Number of current sessions on the frontend, backend or server", "scur", 0},
    {PX_FE, "max_sessions", PM_GAUGE,
     "Highest value of current sessions encountered since process started", "smax", 0},
    {PX_FE, "limit_sessions", PM_GAUGE, "Frontend/listener/server's maxconn, backend's fullconn",
     "slim", 0},
    {PX_FE, "sessions_total", PM_COUNTER, "Total number of sessions since process started", "stot",
     0},
    {PX_FE, "bytes_in_total", PM_COUNTER, "Total number of request bytes since process started",
     "bin", 0},
    {PX_FE, "bytes_out_total", PM_COUNTER, "Total number of response bytes since process started",
     "bout", 0},
    {PX_FE, "requests_denied_total", PM_COUNTER,
     "Total number of denied requests since process started", "dreq", 0},
    {PX_FE, "responses_denied_total", PM_COUNTER,
     "Total number of denied responses since process started", "dresp", 0},
    {PX_FE, "request_errors_total", PM_COUNTER,
     "Total number of invalid requests since process started", "ereq", 0},
    {PX_FE, "status", PM_GAUGE, "Current status of the service, per state label value.", "status",
     PM_STATUS},
    {PX_FE, "limit_session_rate", PM_GAUGE,
     "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' "
     "setting)",
     "rate_lim", 0},
    {PX_FE, "max_session_rate", PM_GAUGE,
     "Highest value of sessions per second observed since the worker process started", "rate_max",
     0},
    {PX_FE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_1xx", PM_HTTP | PM_CODE},
    {PX_FE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_2xx", PM_HTTP | PM_CODE},
    {PX_FE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_3xx", PM_HTTP | PM_CODE},
    {PX_FE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_4xx", PM_HTTP | PM_CODE},
    {PX_FE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_5xx", PM_HTTP | PM_CODE},
    {PX_FE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_other", PM_HTTP | PM_CODE},
    {PX_FE, "http_requests_rate_max", PM_GAUGE,
     "Highest value of http requests observed since the worker process started", "req_rate_max",
     PM_HTTP},
    {PX_FE, "http_requests_total", PM_COUNTER,
     "Total number of HTTP requests processed by this object since the worker process started",
     "req_tot", PM_HTTP},
    {PX_FE, "http_comp_bytes_in_total", PM_COUNTER,
     "Total number of bytes submitted to the HTTP compressor for this object since the worker "
     "process started",
     "comp_in", PM_HTTP},
    {PX_FE, "http_comp_bytes_out_total", PM_COUNTER,
     "Total number of bytes emitted by the HTTP compressor for this object since the worker "
     "process started",
     "comp_out", PM_HTTP},
    {PX_FE, "http_comp_bytes_bypassed_total", PM_COUNTER,
     "Total number of bytes that bypassed HTTP compression for this object since the worker "
     "process started (CPU/memory/bandwidth limitation)",
     "comp_byp", PM_HTTP},
    {PX_FE, "http_comp_responses_total", PM_COUNTER,
     "Total number of HTTP responses that were compressed for this object since the worker process "
     "started",
     "comp_rsp", PM_HTTP},
    {PX_FE, "connections_rate_max", PM_GAUGE,
     "Highest value of connections per second observed since the worker process started",
     "conn_rate_max", 0},
    {PX_FE, "connections_total", PM_COUNTER,
     "Total number of new connections accepted on this frontend since the worker process started",
     "conn_tot", 0},
    {PX_FE, "intercepted_requests_total", PM_COUNTER,
     "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since "
     "the worker process started",
     "intercepted", PM_HTTP},
    {PX_FE, "denied_connections_total", PM_COUNTER,
     "Total number of incoming connections blocked on a listener/frontend by a tcp-request "
     "connection rule since the worker process started",
     "dcon", 0},
    {PX_FE, "denied_sessions_total", PM_COUNTER,
     "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection "
     "rule since the worker process started",
     "dses", 0},
    {PX_FE, "failed_header_rewriting_total", PM_COUNTER,
     "Total number of failed HTTP header rewrites since the worker process started", "wrew", 0},
    {PX_FE, "http_cache_lookups_total", PM_COUNTER,
     "Total number of HTTP requests looked up in the cache on this frontend/backend since the "
     "worker process started",
     "cache_lookups", PM_HTTP},
    {PX_FE, "http_cache_hits_total", PM_COUNTER,
     "Total number of HTTP requests not found in the cache on this frontend/backend since the "
     "worker process started",
     "cache_hits", PM_HTTP},
    {PX_FE, "internal_errors_total", PM_COUNTER,
     "Total number of internal errors since process started", "eint", 0},
    {PX_BE, "current_queue", PM_GAUGE, "Number of current queued connections", "qcur", 0},
    {PX_BE, "max_queue", PM_GAUGE,
     "Highest value of queued connections encountered since process started", "qmax", 0},
    {PX_BE, "current_sessions", PM_GAUGE,
     "Number of current sessions on the frontend, backend or server", "scur", 0},
    {PX_BE, "max_sessions", PM_GAUGE,
     "Highest value of current sessions encountered since process started", "smax", 0},
    {PX_BE, "limit_sessions", PM_GAUGE, "Frontend/listener/server's maxconn, backend's fullconn",
     "slim", 0},
    {PX_BE, "sessions_total", PM_COUNTER, "Total number of sessions since process started", "stot",
     0},
    {PX_BE, "bytes_in_total", PM_COUNTER, "Total number of request bytes since process started",
     "bin", 0},
    {PX_BE, "bytes_out_total", PM_COUNTER, "Total number of response bytes since process started",
     "bout", 0},
    {PX_BE, "requests_denied_total", PM_COUNTER,
     "Total number of denied requests since process started", "dreq", 0},
    {PX_BE, "responses_denied_total", PM_COUNTER,
     "Total number of denied responses since process started", "dresp", 0},
    {PX_BE, "connection_errors_total", PM_COUNTER,
     "Total number of failed connections to server since the worker process started", "econ", 0},
    {PX_BE, "response_errors_total", PM_COUNTER,
     "Total number of invalid responses since the worker process started", "eresp", 0},
    {PX_BE, "retry_warnings_total", PM_COUNTER,
     "Total number of server connection retries since the worker process started", "wretr", 0},
    {PX_BE, "redispatch_warnings_total", PM_COUNTER,
     "Total number of server redispatches due to connection failures since the worker process "
     "started",
     "wredis", 0},
    {PX_BE, "status", PM_GAUGE, "Current status of the service, per state label value.", "status",
     PM_STATUS},
    {PX_BE, "weight", PM_GAUGE,
     "Server's effective weight, or sum of active servers' effective weights for a backend",
     "weight", 0},
    {PX_BE, "active_servers", PM_GAUGE, "Total number of active UP servers with a non-zero weight",
     "act", 0},
    {PX_BE, "backup_servers", PM_GAUGE, "Total number of backup UP servers with a non-zero weight",
     "bck", 0},
    {PX_BE, "check_up_down_total", PM_COUNTER,
     "Total number of failed checks causing UP to DOWN server transitions, per server/backend, "
     "since the worker process started",
     "chkdown", 0},
    {PX_BE, "check_last_change_seconds", PM_GAUGE,
     "How long ago the last server state changed, in seconds", "lastchg", 0},
    {PX_BE, "downtime_seconds_total", PM_COUNTER,
     "Total time spent in DOWN state, for server or backend", "downtime", 0},
    {PX_BE, "loadbalanced_total", PM_COUNTER,
     "Total number of requests routed by load balancing since the worker process started (ignores "
     "queue pop and stickiness)",
     "lbtot", 0},
    {PX_BE, "max_session_rate", PM_GAUGE,
     "Highest value of sessions per second observed since the worker process started", "rate_max",
     0},
    {PX_BE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_1xx", PM_HTTP | PM_CODE},
    {PX_BE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_2xx", PM_HTTP | PM_CODE},
    {PX_BE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_3xx", PM_HTTP | PM_CODE},
    {PX_BE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_4xx", PM_HTTP | PM_CODE},
    {PX_BE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_5xx", PM_HTTP | PM_CODE},
    {PX_BE, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_other", PM_HTTP | PM_CODE},
    {PX_BE, "http_requests_total", PM_COUNTER,
     "Total number of HTTP requests processed by this object since the worker process started",
     "req_tot", PM_HTTP},
    {PX_BE, "client_aborts_total", PM_COUNTER,
     "Total number of requests or connections aborted by the client since the worker process "
     "started",
     "cli_abrt", 0},
    {PX_BE, "server_aborts_total", PM_COUNTER,
     "Total number of requests or connections aborted by the server since the worker process "
     "started",
     "srv_abrt", 0},
    {PX_BE, "http_comp_bytes_in_total", PM_COUNTER,
     "Total number of bytes submitted to the HTTP compressor for this object since the worker "
     "process started",
     "comp_in", PM_HTTP},
    {PX_BE, "http_comp_bytes_out_total", PM_COUNTER,
     "Total number of bytes emitted by the HTTP compressor for this object since the worker "
     "process started",
     "comp_out", PM_HTTP},
    {PX_BE, "http_comp_bytes_bypassed_total", PM_COUNTER,
     "Total number of bytes that bypassed HTTP compression for this object since the worker "
     "process started (CPU/memory/bandwidth limitation)",
     "comp_byp", PM_HTTP},
    {PX_BE, "http_comp_responses_total", PM_COUNTER,
     "Total number of HTTP responses that were compressed for this object since the worker process "
     "started",
     "comp_rsp", PM_HTTP},
    {PX_BE, "last_session_seconds", PM_GAUGE,
     "How long ago some traffic was seen on this object on this worker process, in seconds",
     "lastsess", 0},
    {PX_BE, "queue_time_average_seconds", PM_GAUGE,
     "Avg. queue time for last 1024 successful connections.", "qtime", PM_MS},
    {PX_BE, "connect_time_average_seconds", PM_GAUGE,
     "Avg. connect time for last 1024 successful connections.", "ctime", PM_MS},
    {PX_BE, "response_time_average_seconds", PM_GAUGE,
     "Avg. response time for last 1024 successful connections.", "rtime", PM_MS},
    {PX_BE, "total_time_average_seconds", PM_GAUGE,
     "Avg. total time for last 1024 successful connections.", "ttime", PM_MS},
    {PX_BE, "failed_header_rewriting_total", PM_COUNTER,
     "Total number of failed HTTP header rewrites since the worker process started", "wrew", 0},
    {PX_BE, "connection_attempts_total", PM_COUNTER,
     "Total number of outgoing connection attempts on this backend/server since the worker process "
     "started",
     "connect", 0},
    {PX_BE, "connection_reuses_total", PM_COUNTER,
     "Total number of reused connection on this backend/server since the worker process started",
     "reuse", 0},
    {PX_BE, "http_cache_lookups_total", PM_COUNTER,
     "Total number of HTTP requests looked up in the cache on this frontend/backend since the "
     "worker process started",
     "cache_lookups", PM_HTTP},
    {PX_BE, "http_cache_hits_total", PM_COUNTER,
     "Total number of HTTP requests not found in the cache on this frontend/backend since the "
     "worker process started",
     "cache_hits", PM_HTTP},
    {PX_BE, "max_queue_time_seconds", PM_GAUGE, "Maximum observed time spent in the queue",
     "qtime_max", PM_MS},
    {PX_BE, "max_connect_time_seconds", PM_GAUGE,
     "Maximum observed time spent waiting for a connection to complete", "ctime_max", PM_MS},
    {PX_BE, "max_response_time_seconds", PM_GAUGE,
     "Maximum observed time spent waiting for a server response", "rtime_max", PM_MS},
    {PX_BE, "max_total_time_seconds", PM_GAUGE,
     "Maximum observed total request+response time (request+queue+connect+response+processing)",
     "ttime_max", PM_MS},
    {PX_BE, "internal_errors_total", PM_COUNTER,
     "Total number of internal errors since process started", "eint", 0},
    {PX_BE, "uweight", PM_GAUGE,
     "Server's user weight, or sum of active servers' user weights for a backend", "uweight", 0},
    {PX_BE, "agg_server_status", PM_GAUGE, "Backend's aggregated gauge of servers' status",
     "agg_server_status", PM_AGG},
    {PX_BE, "agg_server_check_status", PM_GAUGE,
     "Backend's aggregated gauge of servers' state check status", "agg_server_check_status",
     PM_AGG},
    {PX_BE, "agg_check_status", PM_GAUGE,
     "Backend's aggregated gauge of servers' state check status", "agg_check_status", PM_AGG},
    {PX_SRV, "current_queue", PM_GAUGE, "Number of current queued connections", "qcur", 0},
    {PX_SRV, "max_queue", PM_GAUGE,
     "Highest value of queued connections encountered since process started", "qmax", 0},
    {PX_SRV, "current_sessions", PM_GAUGE,
     "Number of current sessions on the frontend, backend or server", "scur", 0},
    {PX_SRV, "max_sessions", PM_GAUGE,
     "Highest value of current sessions encountered since process started", "smax", 0},
    {PX_SRV, "limit_sessions", PM_GAUGE, "Frontend/listener/server's maxconn, backend's fullconn",
     "slim", 0},
    {PX_SRV, "sessions_total", PM_COUNTER, "Total number of sessions since process started", "stot",
     0},
    {PX_SRV, "bytes_in_total", PM_COUNTER, "Total number of request bytes since process started",
     "bin", 0},
    {PX_SRV, "bytes_out_total", PM_COUNTER, "Total number of response bytes since process started",
     "bout", 0},
    {PX_SRV, "responses_denied_total", PM_COUNTER,
     "Total number of denied responses since process started", "dresp", 0},
    {PX_SRV, "connection_errors_total", PM_COUNTER,
     "Total number of failed connections to server since the worker process started", "econ", 0},
    {PX_SRV, "response_errors_total", PM_COUNTER,
     "Total number of invalid responses since the worker process started", "eresp", 0},
    {PX_SRV, "retry_warnings_total", PM_COUNTER,
     "Total number of server connection retries since the worker process started", "wretr", 0},
    {PX_SRV, "redispatch_warnings_total", PM_COUNTER,
     "Total number of server redispatches due to connection failures since the worker process "
     "started",
     "wredis", 0},
    {PX_SRV, "status", PM_GAUGE, "Current status of the service, per state label value.", "status",
     PM_STATUS},
    {PX_SRV, "weight", PM_GAUGE,
     "Server's effective weight, or sum of active servers' effective weights for a backend",
     "weight", 0},
    {PX_SRV, "check_failures_total", PM_COUNTER,
     "Total number of failed individual health checks per server/backend, since the worker process "
     "started",
     "chkfail", 0},
    {PX_SRV, "check_up_down_total", PM_COUNTER,
     "Total number of failed checks causing UP to DOWN server transitions, per server/backend, "
     "since the worker process started",
     "chkdown", 0},
    {PX_SRV, "check_last_change_seconds", PM_GAUGE,
     "How long ago the last server state changed, in seconds", "lastchg", 0},
    {PX_SRV, "downtime_seconds_total", PM_COUNTER,
     "Total time spent in DOWN state, for server or backend", "downtime", 0},
    {PX_SRV, "queue_limit", PM_GAUGE,
     "Limit on the number of connections in queue, for servers only (maxqueue argument)", "qlimit",
     0},
    {PX_SRV, "current_throttle", PM_GAUGE,
     "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to "
     "100%)",
     "throttle", 0},
    {PX_SRV, "loadbalanced_total", PM_COUNTER,
     "Total number of requests routed by load balancing since the worker process started (ignores "
     "queue pop and stickiness)",
     "lbtot", 0},
    {PX_SRV, "max_session_rate", PM_GAUGE,
     "Highest value of sessions per second observed since the worker process started", "rate_max",
     0},
    {PX_SRV, "check_status", PM_GAUGE, "Status of last health check, per state label value.",
     "check_status", PM_CHECKED | PM_CHKSTATE},
    {PX_SRV, "check_code", PM_GAUGE, "layer5-7 code, if available of the last health check.",
     "check_code", PM_CHECKED},
    {PX_SRV, "check_duration_seconds", PM_GAUGE,
     "Total duration of the latest server health check, in seconds.", "check_duration",
     PM_MS | PM_CHECKED},
    {PX_SRV, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_1xx", PM_HTTP | PM_CODE},
    {PX_SRV, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_2xx", PM_HTTP | PM_CODE},
    {PX_SRV, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_3xx", PM_HTTP | PM_CODE},
    {PX_SRV, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_4xx", PM_HTTP | PM_CODE},
    {PX_SRV, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_5xx", PM_HTTP | PM_CODE},
    {PX_SRV, "http_responses_total", PM_COUNTER,
     "Total number of HTTP responses with status 100-199 returned by this object since the worker "
     "process started",
     "hrsp_other", PM_HTTP | PM_CODE},
    {PX_SRV, "client_aborts_total", PM_COUNTER,
     "Total number of requests or connections aborted by the client since the worker process "
     "started",
     "cli_abrt", 0},
    {PX_SRV, "server_aborts_total", PM_COUNTER,
     "Total number of requests or connections aborted by the server since the worker process "
     "started",
     "srv_abrt", 0},
    {PX_SRV, "last_session_seconds", PM_GAUGE,
     "How long ago some traffic was seen on this object on this worker process, in seconds",
     "lastsess", 0},
    {PX_SRV, "queue_time_average_seconds", PM_GAUGE,
     "Avg. queue time for last 1024 successful connections.", "qtime", PM_MS},
    {PX_SRV, "connect_time_average_seconds", PM_GAUGE,
     "Avg. connect time for last 1024 successful connections.", "ctime", PM_MS},
    {PX_SRV, "response_time_average_seconds", PM_GAUGE,
     "Avg. response time for last 1024 successful connections.", "rtime", PM_MS},
    {PX_SRV, "total_time_average_seconds", PM_GAUGE,
     "Avg. total time for last 1024 successful connections.", "ttime", PM_MS},
    {PX_SRV, "failed_header_rewriting_total", PM_COUNTER,
     "Total number of failed HTTP header rewrites since the worker process started", "wrew", 0},
    {PX_SRV, "connection_attempts_total", PM_COUNTER,
     "Total number of outgoing connection attempts on this backend/server since the worker process "
     "started",
     "connect", 0},
    {PX_SRV, "connection_reuses_total", PM_COUNTER,
     "Total number of reused connection on this backend/server since the worker process started",
     "reuse", 0},
    {PX_SRV, "idle_connections_current", PM_GAUGE,
     "Current number of idle connections available for reuse on this server", "srv_icur", 0},
    {PX_SRV, "idle_connections_limit", PM_GAUGE,
     "Limit on the number of available idle connections on this server (server 'pool_max_conn' "
     "directive)",
     "src_ilim", 0},
    {PX_SRV, "max_queue_time_seconds", PM_GAUGE, "Maximum observed time spent in the queue",
     "qtime_max", PM_MS},
    {PX_SRV, "max_connect_time_seconds", PM_GAUGE,
     "Maximum observed time spent waiting for a connection to complete", "ctime_max", PM_MS},
    {PX_SRV, "max_response_time_seconds", PM_GAUGE,
     "Maximum observed time spent waiting for a server response", "rtime_max", PM_MS},
    {PX_SRV, "max_total_time_seconds", PM_GAUGE,
     "Maximum observed total request+response time (request+queue+connect+response+processing)",
     "ttime_max", PM_MS},
    {PX_SRV, "internal_errors_total", PM_COUNTER,
     "Total number of internal errors since process started", "eint", 0},
    {PX_SRV, "unsafe_idle_connections_current", PM_GAUGE,
     "Current number of unsafe idle connections", "idle_conn_cur", 0},
    {PX_SRV, "safe_idle_connections_current", PM_GAUGE, "Current number of safe idle connections",
     "safe_conn_cur", 0},
    {PX_SRV, "used_connections_current", PM_GAUGE, "Current number of connections in use",
     "used_conn_cur", 0},
    {PX_SRV, "need_connections_current", PM_GAUGE, "Estimated needed number of connections",
     "need_conn_est", 0},
    {PX_SRV, "uweight", PM_GAUGE,
     "Server's user weight, or sum of active servers' user weights for a backend", "uweight", 0},
};

static const char *const srv_states[] = {"DOWN", "UP", "MAINT", "DRAIN", "NOLB", NULL};
static const char *const px_states[] = {"DOWN", "UP", NULL};
static const char *const chk_states[] = {
    "HANA",  "SOCKERR", "L4OK",  "L4TOUT", "L4CON",   "L6OK",     "L6TOUT", "L6RSP", "L7TOUT",
    "L7RSP", "L7OK",    "L7OKC", "L7STS",  "PROCERR", "PROCTOUT", "PROCOK", NULL};

struct pm_row {
	char kind; /* 'F', 'B', 'S' as rt_stats_rows() */
	char **f;
};

struct pm_dump {
	struct rt_sbuf *out;
	struct pm_row *rows;
	int nrows, cap, nf;
	char *info;                  /* `show info`, its lines split at ':' */
	const struct pm_metric *hdr; /* the metric whose HELP and TYPE were printed last */
	int c_px, c_sv, c_status, c_mode, c_chk;
};

static void collect(void *arg, char kind, const char *const *f, int nf)
{
	struct pm_dump *d = arg;
	if (d->nrows == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->rows = realloc(d->rows, sizeof(*d->rows) * (size_t)d->cap);
		if (!d->rows)
			abort();
	}
	struct pm_row *r = &d->rows[d->nrows++];
	r->kind = kind;
	r->f = calloc((size_t)nf, sizeof(*r->f));
	if (!r->f)
		abort();
	for (int i = 0; i < nf; i++)
		if (f[i] && !(r->f[i] = strdup(f[i])))
			abort();
	d->nf = nf;
}

static const char *info_get(const struct pm_dump *d, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = d->info; p && *p;) {
		if (!strncmp(p, key, n) && p[n] == ':' && p[n + 1] == ' ')
			return p + n + 2;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static const char *scope_word(int scope)
{
	return scope == PX_GLOBAL ? "process"
	       : scope == PX_FE   ? "frontend"
	       : scope == PX_BE   ? "backend"
	                          : "server";
}

/* Prints HELP and TYPE once per metric name, before its first line. */
static void header(struct pm_dump *d, const struct pm_metric *m)
{
	if (d->hdr && d->hdr->scope == m->scope && !strcmp(d->hdr->name, m->name))
		return; /* the next line of the same metric, or another http_responses_total code */
	d->hdr = m;
	const char *w = scope_word(m->scope);
	rt_sb_printf(d->out, "# HELP haproxy_%s_%s %s\n# TYPE haproxy_%s_%s %s\n", w, m->name,
	             m->help, w, m->name, m->type == PM_COUNTER ? "counter" : "gauge");
}

static void label(struct rt_sbuf *o, const char *k, const char *v, bool first)
{
	rt_sb_printf(o, "%s%s=\"", first ? "" : ",", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			rt_sb_put(o, "\\", 1);
		if (*v == '\n')
			rt_sb_puts(o, "\\n");
		else
			rt_sb_put(o, v, 1);
	}
	rt_sb_puts(o, "\"");
}

/* One line: name{proxy=..,server=..,<k>=<v>} value. */
static void line(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *r,
                 const char *k, const char *v, const char *value)
{
	header(d, m);
	rt_sb_printf(d->out, "haproxy_%s_%s", scope_word(m->scope), m->name);
	if (r || k) {
		rt_sb_puts(d->out, "{");
		if (r)
			label(d->out, "proxy", r->f[d->c_px] ? r->f[d->c_px] : "", true);
		if (r && r->kind == 'S')
			label(d->out, "server", r->f[d->c_sv] ? r->f[d->c_sv] : "", false);
		if (k)
			label(d->out, k, v, !r);
		rt_sb_puts(d->out, "}");
	}
	rt_sb_printf(d->out, " %s\n", value);
}

static void dump_global(struct pm_dump *d, const struct pm_metric *m)
{
	const char *v = info_get(d, m->src);
	char buf[64];
	size_t n = v ? strcspn(v, "\n") : 0;
	if (!strcmp(m->name, "build_info")) {
		snprintf(buf, sizeof(buf), "%.*s", (int)n, v ? v : "");
		line(d, m, NULL, "version", buf, "1");
		return;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)n, v ? v : "");
	line(d, m, NULL, NULL, NULL, v ? buf : "NaN"); /* NaN: no such data in vipr */
}

/* The state label a server row is counted in, as HAProxy's srv_status (admin first). */
static const char *srv_state(const char *status)
{
	if (!status)
		return "DOWN";
	static const char *const prefix[] = {"MAINT", "DRAIN", "NOLB", "DOWN", NULL};
	for (int i = 0; prefix[i]; i++)
		if (!strncmp(status, prefix[i], strlen(prefix[i])))
			return prefix[i];
	return "UP"; /* UP, UP n/m (going down), no check */
}

static const char *chk_state(const char *st)
{
	if (!st)
		return "";
	return !strncmp(st, "* ", 2) ? st + 2 : st;
}

static void dump_states(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *r,
                        const char *const *states, const char *cur)
{
	for (int i = 0; states[i]; i++)
		line(d, m, r, "state", states[i], !strcmp(states[i], cur) ? "1" : "0");
}

/* agg_*: for each state, how many of the backend's servers are in it. */
static void dump_agg(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *be)
{
	bool chk = !strcmp(m->name, "agg_check_status");
	const char *const *states = chk ? chk_states : srv_states;
	for (int i = 0; states[i]; i++) {
		int n = 0;
		for (int k = 0; k < d->nrows; k++) {
			const struct pm_row *r = &d->rows[k];
			if (r->kind != 'S' || !r->f[d->c_px] ||
			    strcmp(r->f[d->c_px], be->f[d->c_px]))
				continue;
			const char *st =
			    chk ? chk_state(r->f[d->c_chk]) : srv_state(r->f[d->c_status]);
			n += !strcmp(st, states[i]);
		}
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", n);
		line(d, m, be, "state", states[i], buf);
	}
}

static void dump_value(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *r,
                       int col)
{
	const char *v = r->f[col];
	char buf[64];
	if (m->flags & PM_CHECKED && !v)
		v = "0"; /* a checked server without code or duration yet */
	if (!v) {
		v = "NaN";
	} else if (m->flags & PM_MS) {
		snprintf(buf, sizeof(buf), "%f", strtod(v, NULL) / 1000.0);
		v = buf;
	}
	if (m->flags & PM_CODE)
		line(d, m, r, "code", m->src + strlen("hrsp_"), v);
	else
		line(d, m, r, NULL, NULL, v);
}

static void dump_rows(struct pm_dump *d, const struct pm_metric *m)
{
	char kind = m->scope == PX_FE ? 'F' : m->scope == PX_BE ? 'B' : 'S';
	int col = rt_stats_field(m->src);
	for (int k = 0; k < d->nrows; k++) {
		const struct pm_row *r = &d->rows[k];
		if (r->kind != kind)
			continue;
		if (m->flags & PM_HTTP && (!r->f[d->c_mode] || strcmp(r->f[d->c_mode], "http")))
			continue;
		if (m->flags & PM_CHECKED && !r->f[d->c_chk])
			continue;
		const char *st = r->f[d->c_status] ? r->f[d->c_status] : "";
		if (m->flags & PM_AGG)
			dump_agg(d, m, r);
		else if (m->flags & PM_CHKSTATE)
			dump_states(d, m, r, chk_states, chk_state(r->f[d->c_chk]));
		else if (m->flags & PM_STATUS && kind == 'S')
			dump_states(d, m, r, srv_states, srv_state(r->f[d->c_status]));
		else if (m->flags & PM_STATUS && kind == 'F')
			dump_states(d, m, r, px_states, strcmp(st, "STOP") ? "UP" : "DOWN");
		else if (m->flags & PM_STATUS)
			dump_states(d, m, r, px_states, strncmp(st, "UP", 2) ? "DOWN" : "UP");
		else if (col >= 0 && col < d->nf)
			dump_value(d, m, r, col);
	}
}

/* Parses the query: scope=global|frontend|backend|server|* (repeatable, an empty one
 * selects nothing) and no-maint. Returns false on an unknown scope (HAProxy's 400). */
static bool parse_query(const char *q, size_t n, int *scope, bool *nomaint)
{
	bool seen = false;
	*scope = PX_ALL;
	*nomaint = false;
	while (n) {
		size_t len = 0;
		while (len < n && q[len] != '&')
			len++;
		if (len >= 6 && !memcmp(q, "scope=", 6)) {
			static const struct {
				const char *w;
				int s;
			} words[] = {{"global", PX_GLOBAL},
			             {"frontend", PX_FE},
			             {"backend", PX_BE},
			             {"server", PX_SRV},
			             {"*", PX_ALL}};
			const char *v = q + 6;
			size_t vl = len - 6;
			if (!seen)
				*scope = 0;
			seen = true;
			int s = -1;
			for (size_t i = 0; i < ARRAY_SIZE(words); i++)
				if (strlen(words[i].w) == vl && !memcmp(v, words[i].w, vl))
					s = words[i].s;
			if (vl == 0)
				*scope = 0;
			else if (s < 0)
				return false;
			else
				*scope |= s;
		} else if (len == 8 && !memcmp(q, "no-maint", 8)) {
			*nomaint = true;
		}
		q += len, n -= len;
		if (n)
			q++, n--;
	}
	return true;
}

static void dump_free(struct pm_dump *d)
{
	for (int k = 0; k < d->nrows; k++) {
		for (int i = 0; i < d->nf; i++)
			free(d->rows[k].f[i]);
		free(d->rows[k].f);
	}
	free(d->rows);
	free(d->info);
}

/* Builds the exposition body for the selected scopes. */
static void promex_dump(struct rt *rt, struct rt_sbuf *out, int scope, bool nomaint)
{
	struct pm_dump d = {.out = out};
	struct rt_sbuf info = {0};
	rt_stats_info(rt, &info);
	rt_sb_put(&info, "", 1);
	d.info = info.d;
	if (scope & (PX_FE | PX_BE | PX_SRV))
		rt_stats_rows(rt, nomaint ? RT_SD_NOMAINT : 0, collect, &d);
	d.c_px = rt_stats_field("pxname");
	d.c_sv = rt_stats_field("svname");
	d.c_status = rt_stats_field("status");
	d.c_mode = rt_stats_field("mode");
	d.c_chk = rt_stats_field("check_status");
	for (size_t i = 0; i < ARRAY_SIZE(metrics); i++) {
		const struct pm_metric *m = &metrics[i];
		if (!(scope & m->scope))
			continue;
		if (m->scope == PX_GLOBAL)
			dump_global(&d, m);
		else
			dump_rows(&d, m);
	}
	dump_free(&d);
}

static const char page_400[] = "<html><body><h1>400 Bad request</h1>\n"
                               "Your browser sent an invalid request.\n</body></html>\n";

bool rt_promex_applet(struct rt_sess *s, const struct h1_msg *m)
{
	const char *q = memchr(m->uri, '?', m->uri_len);
	size_t qn = q ? m->uri_len - (size_t)(q + 1 - m->uri) : 0;
	int scope;
	bool nomaint;
	atomic_fetch_add(&s->svc->cnt.intercepted, 1);
	struct rt_sbuf body = {0}, ans = {0};
	if (!parse_query(q ? q + 1 : "", qn, &scope, &nomaint)) {
		/* HAProxy's 400, as its applets send it (lower-case header names) */
		rt_sb_printf(&ans,
		             "HTTP/1.1 400 Bad request\r\ncontent-length: %zu\r\n"
		             "cache-control: no-cache\r\ncontent-type: text/html\r\n"
		             "connection: close\r\n\r\n%s",
		             sizeof(page_400) - 1, s->req_head ? "" : page_400);
		s->status = 400;
		rt_stats_answer(s, m, &ans, true);
		return true;
	}
	promex_dump(s->w->rt, &body, scope, nomaint);
	bool close = !s->cli_ka || m->minor == 0;
	rt_sb_printf(&ans,
	             "HTTP/1.1 200 OK\r\ncache-control: no-cache\r\n"
	             "content-type: text/plain; version=0.0.4\r\n"
	             "transfer-encoding: chunked\r\n%s\r\n",
	             close ? "connection: close\r\n" : "");
	if (!s->req_head) {
		if (body.len) {
			rt_sb_printf(&ans, "%zX\r\n", body.len); /* upper case, as HAProxy */
			rt_sb_put(&ans, body.d, body.len);
			rt_sb_puts(&ans, "\r\n");
		}
		rt_sb_puts(&ans, "0\r\n\r\n");
	}
	free(body.d);
	s->status = 200;
	rt_stats_answer(s, m, &ans, close);
	return true;
}
