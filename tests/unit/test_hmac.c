/* Unit tests for src/util/hmac: the per-thread keyed state gives exactly OpenSSL's one-shot HMAC-SHA-256, for
 * parts split anywhere, with more keys in turn than the cache keeps, and on several threads at once; RFC 4231's
 * test case 2 pins the function itself. Node ids and job credentials are made with it, and both must never
 * change from one glued to the next. */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model/jobkey.h"
#include "model/nodeid.h"
#include "util/hmac.h"
#include "util/util.h"

static void one_shot(const uint8_t key[32], const void *msg, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, 32, msg, n, out, &len);
}

static void key_of(int i, uint8_t key[32])
{
    for (int b = 0; b < 32; b++)
        key[b] = (uint8_t)(i * 31 + b * 7);
}

/* Every split of msg into three parts, under keys 0..nkeys-1 in turn, against the one-shot HMAC. */
static int agree(int nkeys)
{
    static const char msg[] = "wf\0JOB\0a job name with spaces \xc3\xa9";
    size_t n = sizeof msg - 1;
    int bad = 0;
    for (int round = 0; round < 3; round++)
        for (int k = 0; k < nkeys; k++) {
            uint8_t key[32], want[32], got[32];
            key_of(k, key);
            one_shot(key, msg, n, want);
            for (size_t a = 0; a <= n; a += 5)
                for (size_t b = a; b <= n; b += 7) {
                    hmac_part_t parts[] = {{msg, a}, {msg + a, b - a}, {msg + b, n - b}};
                    hmac256(key, parts, 3, got);
                    bad += memcmp(got, want, 32) != 0;
                }
        }
    return bad;
}

START_TEST(test_matches_one_shot)
{
    ck_assert_int_eq(agree(1), 0);
    ck_assert_int_eq(agree(9), 0); /* more keys than a thread keeps */
}
END_TEST

START_TEST(test_rfc4231_case_2)
{
    /* RFC 4231 test case 2 has a 4-byte key; HMAC pads a short key with zeros to the block, so the same key padded
     * to 32 bytes gives the same MAC */
    uint8_t key[32] = {'J', 'e', 'f', 'e'}, md[32];
    static const char data[] = "what do ya want for nothing?";
    hmac256(key, &(hmac_part_t){data, sizeof data - 1}, 1, md);
    char hex[65];
    util_hex(hex, md, 32);
    ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(test_ids_as_before)
{
    /* what nodeid_make and jobkey_secret gave with one-shot HMAC() before util/hmac existed */
    uint8_t secret[32], key[32], md[32];
    key_of(3, secret);
    char id[NODEID_LEN], hex[65], sec[JOBKEY_SECRET_LEN];
    nodeid_make(secret, "wf", "JOB", "j1", id);
    one_shot(secret, "wf\0JOB\0j1", 10, md);
    util_hex(hex, md, 32);
    ck_assert_str_eq(id + 6, hex);
    static const char label[] = "glued job-run credentials v1";
    const char *run = "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    one_shot(secret, label, sizeof label - 1, key);
    one_shot(key, run, strlen(run), md);
    util_hex(hex, md, 32);
    jobkey_secret(secret, run, sec);
    ck_assert_str_eq(sec, hex);
}
END_TEST

static void *worker(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)agree(6);
}

START_TEST(test_threads)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        ck_assert_int_eq((int)(intptr_t)bad, 0);
    }
}
END_TEST

static Suite *hmac_suite(void)
{
    Suite *s = suite_create("hmac");
    TCase *t = tcase_create("hmac256");
    tcase_add_test(t, test_matches_one_shot);
    tcase_add_test(t, test_rfc4231_case_2);
    tcase_add_test(t, test_ids_as_before);
    tcase_add_test(t, test_threads);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(hmac_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
