#include "config/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum flag_kind { F_STR, F_BOOL, F_INT, F_IGNORE_BOOL, F_IGNORE_VALUE };

struct flag {
    const char *name;
    enum flag_kind kind;
    size_t off; /* in cli_opts_t */
    const char *help;
};

#define OFF(f) offsetof(cli_opts_t, f)

static const struct flag flags[] = {
    {"config", F_STR, OFF(config), "path to the config file (JSON); ~/ is $HOME"},
    {"version", F_BOOL, OFF(version), "print the version and exit"},
    {"v", F_INT, OFF(verbosity), "verbosity: 0 info, 1 verbose, 2 very verbose"},
    {"check-config", F_BOOL, OFF(check_config),
     "check the config, print it as JSON, exit 0 (valid) or 1"},
    {"state-file", F_STR, OFF(state_file),
     "serve this Mesos /master/state document instead of asking a master"},
    /* glog's flags, which Mesos-DNS accepts: ignored (logs go to stderr). */
    {"logtostderr", F_IGNORE_BOOL, 0, NULL},
    {"alsologtostderr", F_IGNORE_BOOL, 0, NULL},
    {"stderrthreshold", F_IGNORE_VALUE, 0, NULL},
    {"log_dir", F_IGNORE_VALUE, 0, NULL},
    {"log_backtrace_at", F_IGNORE_VALUE, 0, NULL},
    {"vmodule", F_IGNORE_VALUE, 0, NULL},
};

#define N_FLAGS (sizeof flags / sizeof flags[0])

static int fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
    return -EINVAL;
}

/* strconv.ParseBool */
static int parse_bool(const char *s, bool *v)
{
    static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True"};
    static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(s, t[i]) == 0)
            return *v = true, 0;
        if (strcmp(s, f[i]) == 0)
            return *v = false, 0;
    }
    return -EINVAL;
}

/* strconv.Atoi within int range */
static int parse_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (!*s || *end || errno || n < INT_MIN || n > INT_MAX ||
        (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
        return -EINVAL;
    *v = (int)n;
    return 0;
}

static const struct flag *find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    return NULL;
}

static int set_value(const struct flag *f, cli_opts_t *o, const char *val, char *err, size_t errlen)
{
    void *dst = (char *)o + f->off;
    switch (f->kind) {
    case F_STR:
        *(const char **)dst = val;
        return 0;
    case F_INT:
        if (parse_int(val, (int *)dst) < 0)
            return fail(err, errlen, "invalid value \"%s\" for flag -%s: not an integer", val,
                        f->name);
        return 0;
    case F_BOOL:
        if (parse_bool(val, (bool *)dst) < 0)
            return fail(err, errlen, "invalid boolean value \"%s\" for -%s", val, f->name);
        return 0;
    case F_IGNORE_BOOL: {
        bool ignored;
        if (parse_bool(val, &ignored) < 0)
            return fail(err, errlen, "invalid boolean value \"%s\" for -%s", val, f->name);
        o->n_ignored++;
        return 0;
    }
    case F_IGNORE_VALUE:
        o->n_ignored++;
        return 0;
    }
    return 0;
}

#define FLAGS_END 2 /* parse_one: "--" seen */

/* One argument at *i (Go's FlagSet.parseOne). Returns 0 to continue,
 * FLAGS_END, CLI_HELP or -EINVAL. */
static int parse_one(int argc, char **argv, int *i, cli_opts_t *o, char *err, size_t errlen)
{
    const char *s = argv[*i];
    if (s[0] != '-' || s[1] == '\0')
        return fail(err, errlen, "unexpected argument \"%s\" (flags start with -)%s", s, "");
    int minuses = 1;
    if (s[1] == '-') {
        minuses = 2;
        if (s[2] == '\0') { /* "--" ends the flags */
            (*i)++;
            return FLAGS_END;
        }
    }
    const char *name = s + minuses;
    if (name[0] == '-' || name[0] == '=')
        return fail(err, errlen, "bad flag syntax: %s%s", s, "");
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct flag *f = find(name, len);
    (*i)++;
    if (!f) {
        if ((len == 1 && name[0] == 'h') || (len == 4 && strncmp(name, "help", 4) == 0))
            return CLI_HELP;
        char shown[128];
        snprintf(shown, sizeof shown, "%.*s", (int)(len > 100 ? 100 : len), name);
        return fail(err, errlen, "flag provided but not defined: -%s%s", shown, "");
    }
    if (eq)
        return set_value(f, o, eq + 1, err, errlen);
    if (f->kind == F_BOOL || f->kind == F_IGNORE_BOOL)
        return set_value(f, o, "true", err, errlen);
    if (*i >= argc)
        return fail(err, errlen, "flag needs an argument: -%s%s", f->name, "");
    return set_value(f, o, argv[(*i)++], err, errlen);
}

int cli_parse(int argc, char **argv, cli_opts_t *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->config = "config.json";
    int i = 1;
    while (i < argc) {
        int rc = parse_one(argc, argv, &i, o, err, errlen);
        if (rc == FLAGS_END)
            break;
        if (rc != 0)
            return rc;
    }
    if (i < argc)
        return fail(err, errlen, "unexpected argument \"%s\"%s", argv[i], "");
    return 0;
}

void cli_usage(FILE *f, const char *prog)
{
    fprintf(f, "Usage of %s:\n", prog ? prog : "mesos-dnsd");
    for (size_t i = 0; i < N_FLAGS; i++) {
        if (!flags[i].help)
            continue;
        const char *arg = flags[i].kind == F_STR ? " PATH" : flags[i].kind == F_INT ? " N" : "";
        fprintf(f, "  -%s%s\n    \t%s\n", flags[i].name, arg, flags[i].help);
    }
}
