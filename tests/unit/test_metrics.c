/* Unit tests for src/util/metrics: counters, gauges and histograms render in the Prometheus text format with
 * escaped labels; a family is found again by name; label sets past the bound land in "_other"; counting from
 * many threads at once loses nothing. */
#include <check.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"

static char *render(void)
{
    size_t len;
    char *t = metrics_render(&len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), len);
    return t;
}

START_TEST(test_counter_and_gauge)
{
    metrics_family_t *c = metrics_counter("t_requests_total", "Requests.", "op,code");
    metrics_add(c, "GetWorkflow", "200", 2);
    metrics_add(c, "GetWorkflow", "200", 1);
    metrics_add(c, "GetWorkflow", "400", 1);
    ck_assert_ptr_eq(metrics_counter("t_requests_total", "again", "op,code"), c);
    metrics_family_t *g = metrics_gauge("t_running", "Running now.", NULL);
    metrics_gauge_add(g, NULL, NULL, 5);
    metrics_gauge_add(g, NULL, NULL, -7);
    char *t = render();
    ck_assert_ptr_nonnull(strstr(t, "# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n"));
    ck_assert_ptr_nonnull(strstr(t, "t_requests_total{op=\"GetWorkflow\",code=\"200\"} 3\n"));
    ck_assert_ptr_nonnull(strstr(t, "t_requests_total{op=\"GetWorkflow\",code=\"400\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(t, "# TYPE t_running gauge\nt_running -2\n"));
    free(t);
}
END_TEST

/* A family without labels shows its one series at zero before anything counts; one with labels shows none. */
START_TEST(test_unused_families)
{
    metrics_counter("t_unused_total", "Never counted.", NULL);
    metrics_counter("t_unused_by_state_total", "Never counted, by state.", "state");
    char *t = render();
    ck_assert_ptr_nonnull(strstr(t, "# TYPE t_unused_total counter\nt_unused_total 0\n"));
    ck_assert_ptr_nonnull(strstr(t, "# TYPE t_unused_by_state_total counter\n"));
    ck_assert_ptr_null(strstr(t, "t_unused_by_state_total{"));
    ck_assert_ptr_null(strstr(t, "t_unused_by_state_total 0"));
    free(t);
    metrics_add(metrics_counter("t_unused_total", "", NULL), NULL, NULL, 2);
    t = render();
    ck_assert_ptr_nonnull(strstr(t, "t_unused_total 2\n"));
    ck_assert_ptr_null(strstr(t, "t_unused_total 0\n"));
    free(t);
}
END_TEST

START_TEST(test_histogram)
{
    static const double b[] = {0.1, 1};
    metrics_family_t *h = metrics_histogram("t_delay_seconds", "Delay.", "kind", b, 2);
    metrics_observe(h, "a", NULL, 0.05);
    metrics_observe(h, "a", NULL, 0.1); /* on the bound: in that bucket */
    metrics_observe(h, "a", NULL, 0.5);
    metrics_observe(h, "a", NULL, 3);
    char *t = render();
    ck_assert_ptr_nonnull(strstr(t, "# TYPE t_delay_seconds histogram\n"
                                    "t_delay_seconds_bucket{kind=\"a\",le=\"0.1\"} 2\n"
                                    "t_delay_seconds_bucket{kind=\"a\",le=\"1\"} 3\n"
                                    "t_delay_seconds_bucket{kind=\"a\",le=\"+Inf\"} 4\n"
                                    "t_delay_seconds_sum{kind=\"a\"} 3.650000\n"
                                    "t_delay_seconds_count{kind=\"a\"} 4\n"));
    free(t);
}
END_TEST

START_TEST(test_label_escaping)
{
    metrics_family_t *c = metrics_counter("t_escaped_total", "Escapes.", "v");
    metrics_add(c, "a\"b\\c\nd", NULL, 1);
    char *t = render();
    ck_assert_ptr_nonnull(strstr(t, "t_escaped_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
    free(t);
}
END_TEST

START_TEST(test_bound_on_label_sets)
{
    metrics_family_t *c = metrics_counter("t_many_total", "Many.", "id");
    char id[32];
    for (int i = 0; i < METRICS_MAX_SERIES + 100; i++) {
        snprintf(id, sizeof id, "id%d", i);
        metrics_add(c, id, NULL, 1);
    }
    char *t = render();
    ck_assert_ptr_nonnull(strstr(t, "t_many_total{id=\"id0\"} 1\n"));
    char *other = strstr(t, "t_many_total{id=\"_other\"} ");
    ck_assert_ptr_nonnull(other);
    /* every count is somewhere: the published series plus the overflow */
    long total = 0;
    for (char *p = strstr(t, "t_many_total{"); p; p = strstr(p + 1, "t_many_total{"))
        total += strtol(strchr(p, '}') + 2, NULL, 10);
    ck_assert_int_eq(total, METRICS_MAX_SERIES + 100);
    free(t);
}
END_TEST

static metrics_family_t *shared;

static void *hammer(void *arg)
{
    const char *codes[] = {"200", "400", "500"};
    for (int i = 0; i < 30000; i++)
        metrics_add(shared, arg, codes[i % 3], 1);
    return NULL;
}

START_TEST(test_threads_lose_nothing)
{
    shared = metrics_counter("t_threads_total", "Threads.", "op,code");
    pthread_t t[6];
    const char *ops[] = {"A", "B", "A", "B", "C", "A"};
    for (int i = 0; i < 6; i++)
        pthread_create(&t[i], NULL, hammer, (void *)ops[i]);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    char *txt = render();
    ck_assert_ptr_nonnull(strstr(txt, "t_threads_total{op=\"A\",code=\"200\"} 30000\n"));
    ck_assert_ptr_nonnull(strstr(txt, "t_threads_total{op=\"C\",code=\"500\"} 10000\n"));
    free(txt);
}
END_TEST

START_TEST(test_process_facts)
{
    metrics_process_init();
    metrics_process_init(); /* once only */
    char *t = render();
    ck_assert_ptr_nonnull(strstr(t, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes "));
    ck_assert_ptr_nonnull(strstr(t, "process_open_fds "));
    ck_assert_ptr_nonnull(strstr(t, "process_start_time_seconds "));
    char *first = strstr(t, "# TYPE process_open_fds");
    ck_assert_ptr_null(strstr(first + 1, "# TYPE process_open_fds"));
    ck_assert_int_gt(atol(strstr(t, "\nprocess_resident_memory_bytes ") + 31), 0);
    ck_assert_ptr_nonnull(strstr(t, "# TYPE glued_event_deliveries_total counter\n"));
    free(t);
    metrics_event_delivered("delivered", 1);
    metrics_event_delivered("delivered", 1);
    t = render();
    ck_assert_ptr_nonnull(strstr(t, "glued_event_deliveries_total{outcome=\"delivered\"} 2\n"));
    free(t);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_counter_and_gauge);
    tcase_add_test(tc, test_unused_families);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_label_escaping);
    tcase_add_test(tc, test_bound_on_label_sets);
    tcase_add_test(tc, test_threads_lose_nothing);
    tcase_add_test(tc, test_process_facts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
