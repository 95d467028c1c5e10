/* Unit tests for src/server/session: sealed cookies (round trip, tampering, another key, expiry, odd users),
 * anti-forgery tokens, Cookie header parsing and the origin check. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "server/session.h"

#define NOW 1700000000000LL

static session_keys_t keys(uint8_t fill)
{
    session_keys_t k;
    memset(k.key, fill, sizeof k.key);
    return k;
}

START_TEST(test_round_trip)
{
    session_keys_t k = keys(7);
    const char *users[] = {"", "AKIDEXAMPLE", "a.b;c=d e\"f"};
    for (size_t i = 0; i < 3; i++) {
        session_t s, back;
        ck_assert_int_eq(session_new(&s, users[i], NOW), 0);
        char v[SESSION_COOKIE_MAX];
        session_encode(&k, &s, v);
        for (const char *p = v; *p; p++) /* inside the cookie grammar: hex digits, dots and digits */
            ck_assert_msg((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '.', "bad char in %s", v);
        ck_assert_int_eq(session_decode(&k, v, NOW + 1000, &back), 0);
        ck_assert_mem_eq(back.sid, s.sid, sizeof s.sid);
        ck_assert_str_eq(back.user, users[i]);
        ck_assert_int_eq(back.expires_ms, NOW + SESSION_LIFETIME_MS);
    }
}
END_TEST

START_TEST(test_refused)
{
    session_keys_t k = keys(7), other = keys(8);
    session_t s, back;
    session_new(&s, "alice", NOW);
    char v[SESSION_COOKIE_MAX], t[SESSION_COOKIE_MAX];
    session_encode(&k, &s, v);
    ck_assert_int_eq(session_decode(&other, v, NOW, &back), -1);                   /* another process's key */
    ck_assert_int_eq(session_decode(&k, v, NOW + SESSION_LIFETIME_MS, &back), -1); /* expired */
    /* any single changed character is refused */
    for (size_t i = 0; i < strlen(v); i++) {
        strcpy(t, v);
        t[i] = t[i] == '0' ? '1' : '0';
        if (strcmp(t, v) == 0)
            continue;
        ck_assert_msg(session_decode(&k, t, NOW, &back) == -1, "accepted with char %zu changed", i);
        ck_assert_str_eq(back.user, "");
    }
    /* the user swapped for another, with the original tag */
    strcpy(t, v);
    char *d2 = strchr(strchr(t, '.') + 1, '.');
    memcpy(d2 + 1, "626f62", 6); /* "bob" over "ali" */
    ck_assert_int_eq(session_decode(&k, t, NOW, &back), -1);
    const char *garbage[] = {"", ".", "...", "a.b.c.d", "x", "0.0.0.0000"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        ck_assert_int_eq(session_decode(&k, garbage[i], NOW, &back), -1);
    char longuser[SESSION_USER_MAX + 2];
    memset(longuser, 'a', sizeof longuser - 1);
    longuser[sizeof longuser - 1] = '\0';
    ck_assert_int_eq(session_new(&s, longuser, NOW), -1);
}
END_TEST

START_TEST(test_tokens)
{
    session_keys_t k = keys(7);
    session_t a, b;
    session_new(&a, "", NOW);
    session_new(&b, "", NOW);
    char ta[SESSION_TOKEN_LEN], tb[SESSION_TOKEN_LEN];
    session_token(&k, &a, ta);
    session_token(&k, &b, tb);
    ck_assert_uint_eq(strlen(ta), SESSION_TOKEN_LEN - 1);
    ck_assert_str_ne(ta, tb);
    ck_assert(session_token_ok(&k, &a, ta));
    ck_assert(!session_token_ok(&k, &a, tb));
    ck_assert(!session_token_ok(&k, &a, NULL));
    ck_assert(!session_token_ok(&k, &a, ""));
    ta[5] ^= 1;
    ck_assert(!session_token_ok(&k, &a, ta));
}
END_TEST

START_TEST(test_cookie_find)
{
    char out[64];
    ck_assert_int_eq(session_cookie_find("a=1; glued_console=xyz; b=2", "glued_console", out, sizeof out), 0);
    ck_assert_str_eq(out, "xyz");
    ck_assert_int_eq(session_cookie_find("glued_console=abc", "glued_console", out, sizeof out), 0);
    ck_assert_str_eq(out, "abc");
    ck_assert_int_eq(session_cookie_find("xglued_console=1; glued_consolex=2", "glued_console", out, sizeof out), -1);
    ck_assert_int_eq(session_cookie_find(NULL, "glued_console", out, sizeof out), -1);
    ck_assert_int_eq(session_cookie_find("glued_console=0123456789", "glued_console", out, 5), -1);
}
END_TEST

START_TEST(test_same_origin)
{
    ck_assert(session_same_origin("127.0.0.1:8080", "http://127.0.0.1:8080", "same-origin", false));
    ck_assert(session_same_origin("glued.example", "https://glued.example", NULL, false));
    ck_assert(session_same_origin("127.0.0.1:8080", NULL, NULL, false)); /* curl: cookie and token still needed */
    ck_assert(!session_same_origin("127.0.0.1:8080", "http://127.0.0.1:9090", NULL, false));
    ck_assert(!session_same_origin("127.0.0.1:8080", "http://evil.example", "cross-site", false));
    ck_assert(!session_same_origin("127.0.0.1:8080", NULL, "same-site", false));
    ck_assert(!session_same_origin("127.0.0.1:8080", NULL, "cross-site", false));
    ck_assert(!session_same_origin("127.0.0.1:8080", "null", NULL, false));
    ck_assert(!session_same_origin("127.0.0.1:8080", "http://127.0.0.1:8080.evil", NULL, false));
    ck_assert(!session_same_origin(NULL, "http://127.0.0.1:8080", NULL, false));
    ck_assert(!session_same_origin("127.0.0.1:8080", NULL, "none", false));
    ck_assert(session_same_origin("127.0.0.1:8080", NULL, "none", true));
}
END_TEST

static Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("session");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_tokens);
    tcase_add_test(tc, test_cookie_find);
    tcase_add_test(tc, test_same_origin);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(session_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
