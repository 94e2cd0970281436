/* log: leveled, timestamped log lines on stderr (systemd captures stderr).
 *
 * Levels follow Mesos-DNS's -v flag: -v 0 prints errors, warnings and info;
 * -v 1 adds debug ("verbose"); -v 2 adds trace ("very verbose": every record).
 * Thread-safety: every call writes one whole line with one stdio call, so
 * lines from different threads never interleave. */
#ifndef MDNS_LOG_H
#define MDNS_LOG_H

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_TRACE };

/* Set the threshold from a Mesos-DNS verbosity (0, 1, 2; larger = 2). */
void log_set_verbosity(int v);
/* True when messages of `level` are printed; guards costly formatting. */
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where enabled messages go instead of stderr: `fn(ctx, level, msg)` gets
 * the formatted message without timestamp or level prefix. NULL restores
 * stderr. For tests (capturing warnings) and embedding; set it before other
 * threads log, since the hook itself is not synchronised. */
typedef void (*log_sink_fn)(void *ctx, enum log_level level, const char *msg);
void log_set_sink(log_sink_fn fn, void *ctx);

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_trace(...) log_msg(LOG_LVL_TRACE, __VA_ARGS__)

#endif
