/* Unit tests of config/cli: Go flag package semantics for Mesos-DNS's
 * flags (-config, -version, -v) and ours (--check-config, --state-file). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/cli.h"

static char err[256];

/* Parse a NULL-terminated argument list (argv[0] is added). */
static int run(cli_opts_t *o, ...)
{
    char *argv[32] = {"mesos-dnsd"};
    int argc = 1;
    va_list ap;
    va_start(ap, o);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && argc < 31)
        argv[argc++] = a;
    va_end(ap);
    err[0] = '\0';
    return cli_parse(argc, argv, o, err, sizeof err);
}

static void test_defaults(void **state)
{
    cli_opts_t o;
    assert_int_equal(run(&o, NULL), 0);
    assert_string_equal(o.config, "config.json");
    assert_null(o.state_file);
    assert_int_equal(o.verbosity, 0);
    assert_false(o.version);
    assert_false(o.check_config);
}

static void test_forms(void **state)
{
    cli_opts_t o;
    /* -flag value, -flag=value, --flag value, --flag=value */
    assert_int_equal(run(&o, "-config", "/a.json", NULL), 0);
    assert_string_equal(o.config, "/a.json");
    assert_int_equal(run(&o, "-config=/b.json", NULL), 0);
    assert_string_equal(o.config, "/b.json");
    assert_int_equal(run(&o, "--config", "/c.json", NULL), 0);
    assert_string_equal(o.config, "/c.json");
    assert_int_equal(run(&o, "--config=/d=e.json", NULL), 0);
    assert_string_equal(o.config, "/d=e.json"); /* split at the first '=' */
    assert_int_equal(run(&o, "-config=", NULL), 0);
    assert_string_equal(o.config, "");
    /* A value flag takes the next argument even when it starts with '-'. */
    assert_int_equal(run(&o, "-config", "-v", NULL), 0);
    assert_string_equal(o.config, "-v");
    /* The last occurrence wins. */
    assert_int_equal(run(&o, "-config", "a", "-config", "b", NULL), 0);
    assert_string_equal(o.config, "b");
    assert_int_equal(run(&o, "--state-file", "/s.json", "--check-config", NULL), 0);
    assert_string_equal(o.state_file, "/s.json");
    assert_true(o.check_config);
    assert_int_equal(run(&o, "-check-config=false", NULL), 0);
    assert_false(o.check_config);
}

static void test_verbosity(void **state)
{
    cli_opts_t o;
    assert_int_equal(run(&o, "-v", "2", NULL), 0);
    assert_int_equal(o.verbosity, 2);
    assert_int_equal(run(&o, "-v=1", NULL), 0);
    assert_int_equal(o.verbosity, 1);
    assert_int_equal(run(&o, "--v=0", NULL), 0);
    assert_int_equal(o.verbosity, 0);
    /* glog's -v is a Level flag: it needs a value, like Mesos-DNS's. */
    assert_int_equal(run(&o, "-v", NULL), -EINVAL);
    assert_string_equal(err, "flag needs an argument: -v");
    assert_int_equal(run(&o, "-v", "x", NULL), -EINVAL);
    assert_non_null(strstr(err, "invalid value \"x\" for flag -v"));
    assert_int_equal(run(&o, "-v=1.5", NULL), -EINVAL);
    assert_int_equal(run(&o, "-v=99999999999", NULL), -EINVAL);
}

static void test_bools(void **state)
{
    cli_opts_t o;
    assert_int_equal(run(&o, "-version", NULL), 0);
    assert_true(o.version);
    assert_int_equal(run(&o, "--version", NULL), 0);
    assert_true(o.version);
    static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True"};
    static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False"};
    for (int i = 0; i < 6; i++) {
        char arg[32];
        snprintf(arg, sizeof arg, "-version=%s", t[i]);
        assert_int_equal(run(&o, arg, NULL), 0);
        assert_true(o.version);
        snprintf(arg, sizeof arg, "-version=%s", f[i]);
        assert_int_equal(run(&o, arg, NULL), 0);
        assert_false(o.version);
    }
    assert_int_equal(run(&o, "-version=yes", NULL), -EINVAL);
    assert_non_null(strstr(err, "invalid boolean value \"yes\" for -version"));
    /* A boolean flag never takes the next argument: "true" is stray. */
    assert_int_equal(run(&o, "-version", "true", NULL), -EINVAL);
    assert_non_null(strstr(err, "unexpected argument \"true\""));
}

static void test_glog_flags_ignored(void **state)
{
    cli_opts_t o;
    assert_int_equal(run(&o, "-logtostderr", "-alsologtostderr=true", "-stderrthreshold", "INFO",
                         "-log_dir=/tmp", "-vmodule", "x=2", "-log_backtrace_at=a.go:1", "-config",
                         "c.json", NULL),
                     0);
    assert_int_equal(o.n_ignored, 6);
    assert_string_equal(o.config, "c.json");
    assert_int_equal(run(&o, "-logtostderr=maybe", NULL), -EINVAL);
}

static void test_errors(void **state)
{
    cli_opts_t o;
    assert_int_equal(run(&o, "-nope", NULL), -EINVAL);
    assert_string_equal(err, "flag provided but not defined: -nope");
    assert_int_equal(run(&o, "--nope=1", NULL), -EINVAL);
    assert_string_equal(err, "flag provided but not defined: -nope");
    assert_int_equal(run(&o, "-config", NULL), -EINVAL);
    assert_string_equal(err, "flag needs an argument: -config");
    assert_int_equal(run(&o, "---config", "x", NULL), -EINVAL);
    assert_non_null(strstr(err, "bad flag syntax: ---config"));
    assert_int_equal(run(&o, "-=x", NULL), -EINVAL);
    assert_int_equal(run(&o, "stray", NULL), -EINVAL);
    assert_non_null(strstr(err, "unexpected argument \"stray\""));
    assert_int_equal(run(&o, "-", NULL), -EINVAL);
    /* "--" ends the flags; anything after it is still an argument. */
    assert_int_equal(run(&o, "-v", "1", "--", NULL), 0);
    assert_int_equal(run(&o, "--", "-v", NULL), -EINVAL);
    /* Case matters, as in Go. */
    assert_int_equal(run(&o, "-Config", "x", NULL), -EINVAL);
    /* A NULL error buffer is fine. */
    char *argv[] = {"mesos-dnsd", "-nope"};
    assert_int_equal(cli_parse(2, argv, &o, NULL, 0), -EINVAL);
}

static void test_help(void **state)
{
    cli_opts_t o;
    assert_int_equal(run(&o, "-h", NULL), CLI_HELP);
    assert_int_equal(run(&o, "-help", NULL), CLI_HELP);
    assert_int_equal(run(&o, "--help", NULL), CLI_HELP);
    char buf[2048] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cli_usage(f, "mesos-dnsd");
    fclose(f);
    assert_non_null(strstr(buf, "-config PATH"));
    assert_non_null(strstr(buf, "-version"));
    assert_non_null(strstr(buf, "-v N"));
    assert_non_null(strstr(buf, "-check-config"));
    assert_non_null(strstr(buf, "-state-file PATH"));
    assert_null(strstr(buf, "logtostderr")); /* accepted, not advertised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_verbosity),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_glog_flags_ignored),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
