/* Option tables: JSON config then argv (argv wins), strict typing, unknown
 * keys/options rejected with "what: where", --help. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fog_err.h"
#include "fog_opts.h"

static char broker[64];
static int workers;
static double rate;
static int flag;
static const ff_fog_opt opts[] = {
    {"broker", FF_FOG_OPT_STR, broker, sizeof broker, 0, 0, "URL", "broker"},
    {"workers", FF_FOG_OPT_INT, &workers, 0, 1, 64, "N", "workers"},
    {"rate", FF_FOG_OPT_DOUBLE, &rate, 0, 0.5, 1000, "HZ", "rate"},
    {"tls-insecure", FF_FOG_OPT_FLAG, &flag, 0, 0, 0, NULL, "flag"},
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

static void reset(void)
{
    broker[0] = 0;
    workers = 2;
    rate = 10;
    flag = 0;
}

static const char *write_cfg(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ff-opts-%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static int parse(int argc, char **argv, char *err)
{
    return ff_fog_opts_parse(opts, NOPTS, argc, argv, "edge", "[options]", err);
}

static void test_config_then_argv_override(void **st)
{
    (void)st;
    reset();
    char err[FF_FOG_ERRLEN] = "";
    const char *p = write_cfg("{\"broker\":\"tcp://a:1\",\"workers\":8,\"rate\":2.5,\"tls-insecure\":true}");
    char *argv[] = {"edge", "--config", (char *)p, "--workers", "3", NULL};
    assert_int_equal(parse(5, argv, err), 0);
    assert_string_equal(broker, "tcp://a:1");
    assert_int_equal(workers, 3);
    assert_true(rate == 2.5);
    assert_int_equal(flag, 1);
    unlink(p);
}

static void test_unknown_key_and_bad_types_are_input_errors(void **st)
{
    (void)st;
    char err[FF_FOG_ERRLEN];
    const char *cases[][2] = {
        {"{\"brokr\":\"x\"}", "unknown config key"},
        {"{\"workers\":\"8\"}", "must be a number"},
        {"{\"workers\":2.5}", "must be an integer"},
        {"{\"workers\":99}", "workers must be an integer in [1, 64]"},
        {"{\"tls-insecure\":1}", "true or false"},
        {"[1,2]", "not a JSON object"},
        {"{\"broker\":", "not a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reset();
        const char *p = write_cfg(cases[i][0]);
        char *argv[] = {"edge", "--config", (char *)p, NULL};
        err[0] = 0;
        assert_int_equal(parse(3, argv, err), FF_FOG_EINPUT);
        if (!strstr(err, cases[i][1])) fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i][1]);
        assert_non_null(strstr(err, p)); /* says where */
        unlink(p);
    }
}

static void test_bad_argv_is_input_error(void **st)
{
    (void)st;
    char err[FF_FOG_ERRLEN];
    reset();
    char *a1[] = {"edge", "--nope", NULL};
    assert_int_equal(parse(2, a1, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "unknown option: --nope"));
    char *a2[] = {"edge", "--workers", "lots", NULL};
    assert_int_equal(parse(3, a2, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "option --workers"));
    char *a3[] = {"edge", "--rate", NULL};
    assert_int_equal(parse(2, a3, err), FF_FOG_EINPUT);
    char *a4[] = {"edge", "stray", NULL};
    assert_int_equal(parse(2, a4, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "unexpected argument: stray"));
    char *a5[] = {"edge", "--config", "/nonexistent/x.json", NULL};
    assert_int_equal(parse(3, a5, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "/nonexistent/x.json"));
}

static void test_help_returns_one(void **st)
{
    (void)st;
    char err[FF_FOG_ERRLEN];
    char *argv[] = {"edge", "--help", NULL};
    assert_int_equal(parse(2, argv, err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_then_argv_override),
        cmocka_unit_test(test_unknown_key_and_bad_types_are_input_errors),
        cmocka_unit_test(test_bad_argv_is_input_error),
        cmocka_unit_test(test_help_returns_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
