/* Unit tests for src/util/words: shell-style splitting without expansion, checked against a table of cases
 * (and, for the cases a shell accepts, against /bin/sh itself), plus the refusals and their columns. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/words.h"

#define END NULL

typedef struct {
    const char *in;
    const char *want[10]; /* END-terminated */
} split_case_t;

static const split_case_t cases[] = {
    {"", {END}},
    {"   \t\n ", {END}},
    {"a", {"a", END}},
    {"  a  b\tc\nd ", {"a", "b", "c", "d", END}},
    {"spark-submit --py-files {extra_py_files} {script} {args}",
     {"spark-submit", "--py-files", "{extra_py_files}", "{script}", "{args}", END}},
    {"'a b' c", {"a b", "c", END}},
    {"'' x", {"", "x", END}},
    {"\"\"", {"", END}},
    {"a''b", {"ab", END}},
    {"'it'\\''s'", {"it's", END}},
    {"\"say \\\"hi\\\"\"", {"say \"hi\"", END}},
    {"\"a\\b\"", {"a\\b", END}},                /* a backslash before an ordinary character stays in "" */
    {"\"\\\\ \\$HOME \\`x\\`\"", {"\\ $HOME `x`", END}},
    {"'$HOME' \"$HOME\" $HOME", {"$HOME", "$HOME", "$HOME", END}}, /* nothing is expanded */
    {"a\\ b", {"a b", END}},
    {"\\'x", {"'x", END}},
    {"a\\\nb", {"ab", END}}, /* backslash-newline joins lines */
    {"a \\\n b", {"a", "b", END}},
    {"\"x\\\ny\"", {"xy", END}},
    {"'a\"b' \"c'd\"", {"a\"b", "c'd", END}},
    {"*.py ~ ; | && > $(x)", {"*.py", "~", ";", "|", "&&", ">", "$(x)", END}}, /* no globs, no operators */
    {"docker run --rm -v /data:/data img:1 --format '{{json .}}'",
     {"docker", "run", "--rm", "-v", "/data:/data", "img:1", "--format", "{{json .}}", END}},
    {"caf\xc3\xa9 '\xe6\x97\xa5 \xe6\x9c\xac'", {"caf\xc3\xa9", "\xe6\x97\xa5 \xe6\x9c\xac", END}},
};

static void check_case(const split_case_t *c)
{
    words_t w;
    char err[256] = "";
    ck_assert_msg(words_split(c->in, &w, err, sizeof err) == 0, "'%s' refused: %s", c->in, err);
    size_t n = 0;
    while (c->want[n])
        n++;
    ck_assert_msg(w.n == n, "'%s': %zu words, want %zu", c->in, w.n, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strcmp(w.v[i], c->want[i]) == 0, "'%s': word %zu is '%s', want '%s'", c->in, i, w.v[i],
                      c->want[i]);
    ck_assert_ptr_null(w.v ? w.v[w.n] : NULL);
    words_cleanup(&w);
}

START_TEST(test_table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);
}
END_TEST

/* Where the shell and words agree by design (no expansion characters in the input), /bin/sh is the oracle:
 * `printf '%s\0' WORDS` prints the words the shell made. */
START_TEST(test_agrees_with_sh)
{
    static const char *const inputs[] = {
        "a  b", "'a b' c", "'' x", "a''b", "'it'\\''s'", "\"say \\\"hi\\\"\"", "\"a\\b\"", "a\\ b", "\\'x",
        "a\\\nb", "\"x\\\ny\"", "'a\"b' \"c'd\"", "--py-files={extra_py_files} '{script}'",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char path[] = "/tmp/glued-words-XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        FILE *f = fdopen(fd, "w");
        fprintf(f, "printf '%%s\\0' %s\n", inputs[i]);
        fclose(f);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "/bin/sh %s", path);
        FILE *p = popen(cmd, "r");
        char out[1024];
        size_t n = fread(out, 1, sizeof out, p);
        pclose(p);
        unlink(path);
        words_t w;
        char err[256];
        ck_assert_int_eq(words_split(inputs[i], &w, err, sizeof err), 0);
        size_t k = 0, off = 0;
        while (off < n) {
            ck_assert_msg(k < w.n, "'%s': sh made more words than %zu", inputs[i], w.n);
            ck_assert_msg(strcmp(out + off, w.v[k]) == 0, "'%s': word %zu: sh '%s', words '%s'", inputs[i], k,
                          out + off, w.v[k]);
            off += strlen(out + off) + 1;
            k++;
        }
        ck_assert_msg(k == w.n, "'%s': sh made %zu words, words %zu", inputs[i], k, w.n);
        words_cleanup(&w);
    }
}
END_TEST

static void expect_refused(const char *in, const char *needle)
{
    words_t w = {(char **)1, 99};
    char err[256] = "";
    ck_assert_msg(words_split(in, &w, err, sizeof err) < 0, "'%s' accepted", in);
    ck_assert_msg(strstr(err, needle) != NULL, "'%s': message '%s' lacks '%s'", in, err, needle);
    ck_assert_ptr_null(w.v);
    ck_assert_uint_eq(w.n, 0);
}

START_TEST(test_refusals)
{
    expect_refused("spark-submit 'oops", "unterminated single quote at column 14");
    expect_refused("a \"b c", "unterminated double quote at column 3");
    expect_refused("\"a\\\"", "unterminated double quote at column 1");
    expect_refused("a b\\", "backslash at the end (column 4)");
    expect_refused("'a' 'b", "column 5");
}
END_TEST

START_TEST(test_bounds)
{
    char *big = malloc(WORDS_MAX_LEN + 2);
    memset(big, 'a', WORDS_MAX_LEN + 1);
    big[WORDS_MAX_LEN + 1] = '\0';
    expect_refused(big, "longer than");
    free(big);
    char many[2 * (WORDS_MAX + 1) + 1];
    for (int i = 0; i < WORDS_MAX + 1; i++) {
        many[2 * i] = 'x';
        many[2 * i + 1] = ' ';
    }
    many[2 * (WORDS_MAX + 1)] = '\0';
    expect_refused(many, "more than");
    many[2 * WORDS_MAX] = '\0'; /* exactly WORDS_MAX words is fine */
    words_t w;
    char err[128];
    ck_assert_int_eq(words_split(many, &w, err, sizeof err), 0);
    ck_assert_uint_eq(w.n, WORDS_MAX);
    words_cleanup(&w);
    words_cleanup(&w); /* twice, and on NULL, is harmless */
    words_cleanup(NULL);
}
END_TEST

static Suite *words_suite(void)
{
    Suite *s = suite_create("words");
    TCase *t = tcase_create("split");
    tcase_add_test(t, test_table);
    tcase_add_test(t, test_agrees_with_sh);
    tcase_add_test(t, test_refusals);
    tcase_add_test(t, test_bounds);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(words_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
