/* Unit tests for src/server/sigv4: the 38 header-signing cases of the AWS SigV4 signing test suite (as kept by
 * aws-c-auth; values copied into our own table), the signing-key example of AWS's documentation, every
 * malformed-header refusal, the 5-minute clock window, body and body-hash tampering, and the region reader. */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "server/sigv4.h"
#include "util/util.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define WHEN   "20150830T123600Z"
#define NOW_MS 1440938160000LL /* 2015-08-30T12:36:00Z */
#define SCOPE  "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
#define STS_TOKEN                                                                                                      \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuw"  \
    "thAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHN"  \
    "VXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxB"  \
    "A=="
#define FORM_HASH  "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
#define EMPTY_HASH "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One case: the request (headers as "Name:value" lines joined by '\n', query as on the wire), whether the path
 * is normalized (every service but S3), the SignedHeaders and the expected signature. canonical, when given,
 * is the expected canonical request. */
typedef struct vec {
    const char *name, *method, *path, *query, *headers, *body;
    int normalize;
    const char *signed_headers, *signature, *canonical;
} vec_t;

#define H  "Host:example.amazonaws.com\nX-Amz-Date:" WHEN
#define HD "host;x-amz-date"

static const vec_t VECS[] = {
    {"get-vanilla", "GET", "/", "", H, "", 1, HD, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_HASH},
    {"get-vanilla-with-session-token", "GET", "/", "",
     H "\nX-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267", "", 1,
     "host;x-amz-date;x-amz-security-token", "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:"
     "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\nhost;x-amz-date;x-amz-security-"
     "token\n" EMPTY_HASH},
    {"post-x-www-form-urlencoded", "POST", "/", "",
     "Content-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nContent-Length:13\n"
     "x-amz-content-sha256:" FORM_HASH "\nX-Amz-Date:" WHEN,
     "Param1=value1", 1, "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
     "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
     "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
     "x-amz-content-sha256:" FORM_HASH "\nx-amz-date:20150830T123600Z\n\n"
     "content-length;content-type;host;x-amz-content-sha256;x-amz-date\n" FORM_HASH},
    {"get-utf8", "GET", "/\xe1\x88\xb4", "", H, "", 1, HD,
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
     "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_HASH},
    {"get-header-value-trim", "GET", "/", "", H "\nMy-Header1: value1\nMy-Header2: \"a   b   c\"", "", 1,
     "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;my-header2;x-amz-date\n" EMPTY_HASH},
    {"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", H, "", 1, HD,
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
     "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
     "host;x-amz-date\n" EMPTY_HASH},
    {"post-vanilla", "POST", "/", "", H, "", 1, HD, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
     "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_HASH},
    {"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", H, "", 1, HD,
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f", NULL},
    {"get-vanilla-utf8-query", "GET", "/", "\xe1\x88\xb4=bar", H, "", 1, HD,
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
     "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_HASH},
    {"get-vanilla-query-unreserved", "GET", "/",
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     H, "", 1, HD, "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197", NULL},
    {"get-header-key-duplicate", "GET", "/", "", H "\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1", "", 1,
     "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY_HASH},
    {"get-header-value-order", "GET", "/", "",
     H "\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2", "", 1,
     "host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01", NULL},
    {"post-header-key-sort", "POST", "/", "", H "\nMy-Header1:value1", "", 1, "host;my-header1;x-amz-date",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c", NULL},
    {"post-vanilla-query", "POST", "/", "Param1=value1", H, "", 1, HD,
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", NULL},
    {"get-space-normalized", "GET", "/example space/", "", H, "", 1, HD,
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
     "GET\n/example%20space/"
     "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_HASH},
    {"get-header-value-multiline", "GET", "/", "", H "\nMy-Header1:value1\nMy-Header1:value2\nMy-Header1:value3", "", 1,
     "host;my-header1;x-amz-date", "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790", NULL},
    {"get-relative-normalized", "GET", "/example/..", "", H, "", 1, HD,
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", NULL},
    {"get-relative-relative-normalized", "GET", "/example1/example2/../..", "", H, "", 1, HD,
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", NULL},
    {"get-relative-relative-unnormalized", "GET", "/example1/example2/../..", "", H, "", 0, HD,
     "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b", NULL},
    {"get-relative-unnormalized", "GET", "/example/..", "", H, "", 0, HD,
     "eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282", NULL},
    {"get-slash-dot-slash-normalized", "GET", "/./", "", H, "", 1, HD,
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", NULL},
    {"get-slash-dot-slash-unnormalized", "GET", "/./", "", H, "", 0, HD,
     "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145", NULL},
    {"get-slash-normalized", "GET", "//", "", H, "", 1, HD,
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", NULL},
    {"get-slash-pointless-dot-normalized", "GET", "/./example", "", H, "", 1, HD,
     "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5", NULL},
    {"get-slash-pointless-dot-unnormalized", "GET", "/./example", "", H, "", 0, HD,
     "beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff", NULL},
    {"get-slash-unnormalized", "GET", "//", "", H, "", 0, HD,
     "c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e", NULL},
    {"get-slashes-normalized", "GET", "//example//", "", H, "", 1, HD,
     "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84", NULL},
    {"get-slashes-unnormalized", "GET", "//example//", "", H, "", 0, HD,
     "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5", NULL},
    {"get-space-unnormalized", "GET", "/example space/", "", H "\nx-amz-content-sha256:" EMPTY_HASH, "", 0, HD,
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741", NULL},
    {"get-vanilla-empty-query-key", "GET", "/", "Param1=value1", H, "", 1, HD,
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb", NULL},
    {"get-vanilla-query", "GET", "/", "", H, "", 1, HD,
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", NULL},
    {"get-vanilla-query-order-encoded", "GET", "/", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", H, "", 1, HD,
     "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
     "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\n"
     "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_HASH},
    {"post-header-key-case", "POST", "/", "", "HOST:example.amazonaws.com\nX-AMZ-DATE:" WHEN, "", 1, HD,
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", NULL},
    {"post-header-value-case", "POST", "/", "", H "\nMy-Header1:VALUE1", "", 1, "host;my-header1;x-amz-date",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d", NULL},
    {"post-sts-header-after", "POST", "/", "", H "\nx-amz-content-sha256:" EMPTY_HASH, "", 1, HD,
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", NULL},
    {"post-sts-header-before", "POST", "/", "", H "\nX-Amz-Security-Token:" STS_TOKEN, "", 1,
     "host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead", NULL},
    {"post-vanilla-empty-query-value", "POST", "/", "Param1=value1", H, "", 1, HD,
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", NULL},
    {"post-x-www-form-urlencoded-parameters", "POST", "/", "",
     "Content-Type:application/x-www-form-urlencoded; charset=utf-8\nHost:example.amazonaws.com\n"
     "Content-Length:13\nx-amz-content-sha256:" FORM_HASH "\nX-Amz-Date:" WHEN,
     "Param1=value1", 1, "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
     "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422", NULL},
};

/* A request built from a vector (or by hand): owns its strings. */
typedef struct built {
    char *hbuf, *qbuf, *auth;
    sigv4_pair_t headers[16], query[8];
    sigv4_msg_t m;
} built_t;

static void build(built_t *b, const char *method, const char *path, const char *query, const char *headers,
                  const char *body, const char *authorization)
{
    memset(b, 0, sizeof *b);
    b->hbuf = strdup(headers);
    b->qbuf = strdup(query);
    size_t nh = 0, nq = 0;
    char *save = NULL;
    for (char *line = strtok_r(b->hbuf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        *colon = '\0';
        b->headers[nh].name = line;
        b->headers[nh++].value = colon + 1;
    }
    if (authorization) {
        b->auth = strdup(authorization);
        b->headers[nh].name = "Authorization";
        b->headers[nh++].value = b->auth;
    }
    for (char *pair = *b->qbuf ? strtok_r(b->qbuf, "&", &save) : NULL; pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        b->query[nq].name = pair;
        b->query[nq++].value = eq ? eq + 1 : NULL;
    }
    b->m = (sigv4_msg_t){.method = method,
                         .path = path,
                         .query = b->query,
                         .nquery = nq,
                         .headers = b->headers,
                         .nheaders = nh,
                         .body = body,
                         .len = strlen(body)};
}

static void built_free(built_t *b)
{
    free(b->hbuf);
    free(b->qbuf);
    free(b->auth);
}

static char *auth_header(const char *signed_headers, const char *signature)
{
    char *s = malloc(512);
    snprintf(s, 512, "AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=%s, Signature=%s", signed_headers,
             signature);
    return s;
}

/* The signature the public pieces give for m (hex), with or without path normalization. */
static void compute(const sigv4_msg_t *m, const sigv4_auth_t *a, const char *payload, int normalize, char out[65])
{
    uint8_t key[32], mac[32];
    sigv4_signing_key(SECRET, a->date, a->region, a->service, key);
    char *creq = sigv4_canonical_request(m, a, payload, normalize);
    char *sts = sigv4_string_to_sign(a, creq);
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, 32, (const unsigned char *)sts, strlen(sts), mac, &len);
    util_hex(out, mac, 32);
    free(creq);
    free(sts);
}

START_TEST(test_suite_vectors)
{
    const vec_t *v = &VECS[_i];
    char *ah = auth_header(v->signed_headers, v->signature);
    built_t b;
    build(&b, v->method, v->path, v->query, v->headers, v->body, ah);
    sigv4_auth_t a;
    char err[1024];
    ck_assert_msg(sigv4_parse(&b.m, "service", &a, err, sizeof err) == SIGV4_OK, "%s: parse: %s", v->name, err);
    ck_assert_str_eq(a.key_id, "AKIDEXAMPLE");
    ck_assert_str_eq(a.amz_date, WHEN);
    ck_assert_int_eq(sigv4_check_time(&a, NOW_MS, err, sizeof err), SIGV4_OK);
    /* the payload hash a signer uses: x-amz-content-sha256 when sent, else the body's */
    const char *payload = strstr(v->headers, "x-amz-content-sha256:") ? strstr(v->headers, "sha256:") + 7 : NULL;
    char body_hash[65];
    if (payload) {
        snprintf(body_hash, sizeof body_hash, "%.64s", payload);
    } else {
        snprintf(body_hash, sizeof body_hash, "%s", strcmp(v->body, "") == 0 ? EMPTY_HASH : FORM_HASH);
    }
    if (v->canonical) {
        char *creq = sigv4_canonical_request(&b.m, &a, body_hash, v->normalize);
        ck_assert_str_eq(creq, v->canonical);
        free(creq);
    }
    char sig[65];
    compute(&b.m, &a, body_hash, v->normalize, sig);
    ck_assert_msg(strcmp(sig, v->signature) == 0, "%s: computed %s, suite says %s", v->name, sig, v->signature);
    /* verification normalizes (glue is not S3): normalized cases verify, unnormalized ones whose path changes
     * under normalization do not */
    uint8_t key[32];
    sigv4_signing_key(SECRET, a.date, a.region, a.service, key);
    int rc = sigv4_verify(&b.m, &a, key, err, sizeof err);
    char *plain = sigv4_canonical_request(&b.m, &a, body_hash, 0),
         *norm = sigv4_canonical_request(&b.m, &a, body_hash, 1);
    int same = strcmp(plain, norm) == 0;
    free(plain);
    free(norm);
    if (v->normalize || same)
        ck_assert_msg(rc == SIGV4_OK, "%s: verify: %s", v->name, err);
    else
        ck_assert_int_eq(rc, SIGV4_MISMATCH);
    /* a secret one character off never verifies */
    sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz", a.date, a.region, a.service, key);
    ck_assert_int_eq(sigv4_verify(&b.m, &a, key, err, sizeof err), SIGV4_MISMATCH);
    ck_assert_ptr_null(strstr(err, v->signature));
    free(ah);
    built_free(&b);
}
END_TEST

START_TEST(test_signing_key_documented_example)
{
    /* AWS's documentation: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam */
    uint8_t key[32];
    sigv4_signing_key(SECRET, "20120215", "us-east-1", "iam", key);
    char hex[65];
    util_hex(hex, key, 32);
    ck_assert_str_eq(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}
END_TEST

/* The suite's get-vanilla request, signed as the suite signs it, parsed into *a; *ah is its Authorization header
 * (freed by the caller, with built_free(b)). */
static void parse_vanilla(built_t *b, char **ah, sigv4_auth_t *a)
{
    char err[512];
    *ah = auth_header(HD, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    build(b, "GET", "/", "", H, "", *ah);
    ck_assert_int_eq(sigv4_parse(&b->m, NULL, a, err, sizeof err), SIGV4_OK);
}

START_TEST(test_string_to_sign)
{
    built_t b;
    char *ah;
    sigv4_auth_t a;
    parse_vanilla(&b, &ah, &a);
    char *creq = sigv4_canonical_request(&b.m, &a, EMPTY_HASH, 1);
    char *sts = sigv4_string_to_sign(&a, creq);
    ck_assert_str_eq(sts, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                          "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    free(creq);
    free(sts);
    free(ah);
    built_free(&b);
}
END_TEST

/* parse h (an Authorization header, NULL = none) with the suite's host and date; returns the status */
static int parse_with(const char *h, const char *headers, char *err, size_t errlen)
{
    built_t b;
    build(&b, "POST", "/", "", headers ? headers : H, "", h);
    sigv4_auth_t a;
    int rc = sigv4_parse(&b.m, "service", &a, err, errlen);
    built_free(&b);
    return rc;
}

START_TEST(test_missing_and_malformed)
{
    char err[1024];
    ck_assert_int_eq(parse_with(NULL, NULL, err, sizeof err), SIGV4_MISSING);
    ck_assert_str_eq(err, "Missing Authentication Token");
    ck_assert_int_eq(parse_with("", NULL, err, sizeof err), SIGV4_MISSING);
    static const struct {
        const char *h, *says;
    } bad[] = {
        {"Bearer abc", "Unsupported Authorization type 'Bearer'"},
        {"AWS4-HMAC-SHA256", "requires 'Credential' parameter"},
        {"AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" EMPTY_HASH, "requires 'Credential' parameter"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;x-amz-date", "requires 'Signature' parameter"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", Signature=" EMPTY_HASH, "requires 'SignedHeaders' parameter"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;x-amz-date, Signature=abc", "64 hexadecimal"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;x-amz-date, Signature=" EMPTY_HASH "00",
         "64 hexadecimal"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;x-amz-date, Signature="
         "zzb0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "64 hexadecimal"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "Credential must have the form"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host, Signature=" EMPTY_HASH,
         "Credential must have the form"},
        {"AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/service/aws4_request, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "access key id"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/service/aws4_request, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "YYYYMMDD"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830//service/aws4_request, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "valid region"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/US-EAST-1/service/aws4_request, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "valid region"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "correct service: 'service'"},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws5_request, SignedHeaders=host, "
         "Signature=" EMPTY_HASH,
         "valid terminator: 'aws4_request', not 'aws5_request'"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=x-amz-date, Signature=" EMPTY_HASH,
         "'Host' or ':authority' must be a 'SignedHeader'"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;;x-amz-date, Signature=" EMPTY_HASH,
         "separated by ';'"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=, Signature=" EMPTY_HASH, "SignedHeaders must name"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host, Signature=" EMPTY_HASH ", Signature=" EMPTY_HASH,
         "more than once"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE " SignedHeaders=host, Signature=" EMPTY_HASH, "valid terminator"},
        {"AWS4-HMAC-SHA256 Credential=" SCOPE ", junk, Signature=" EMPTY_HASH, "'junk' not a valid key=value pair"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_msg(parse_with(bad[i].h, NULL, err, sizeof err) == SIGV4_INCOMPLETE, "accepted: %s", bad[i].h);
        ck_assert_msg(strstr(err, bad[i].says) != NULL, "for %s: message '%s' lacks '%s'", bad[i].h, err, bad[i].says);
    }
}
END_TEST

START_TEST(test_dates)
{
    char err[1024];
    const char *ok = "AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host, Signature=" EMPTY_HASH;
    ck_assert_int_eq(parse_with(ok, "Host:example.amazonaws.com", err, sizeof err), SIGV4_INCOMPLETE);
    ck_assert_ptr_nonnull(strstr(err, "requires existence of either a 'X-Amz-Date' or a 'Date' header"));
    static const char *const bad[] = {"2015-08-30T12:36:00Z",
                                      "20150830T123600",
                                      "20150830 123600Z",
                                      "20150230T123600Z",
                                      "20151330T123600Z",
                                      "20150830T253600Z",
                                      ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char hdrs[128];
        snprintf(hdrs, sizeof hdrs, "Host:example.amazonaws.com\nX-Amz-Date:%s", bad[i]);
        ck_assert_msg(parse_with(ok, hdrs, err, sizeof err) == SIGV4_INCOMPLETE, "accepted date '%s'", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "ISO-8601 'basic format'"));
    }
    /* a Date header serves when there is no X-Amz-Date */
    ck_assert_int_eq(parse_with(ok, "Host:example.amazonaws.com\nDate:Sun, 30 Aug 2015 12:36:00 GMT", err, sizeof err),
                     SIGV4_OK);
    ck_assert_int_eq(parse_with(ok, "Host:example.amazonaws.com\nDate:yesterday", err, sizeof err), SIGV4_INCOMPLETE);
    /* the scope's date must be the request's day */
    ck_assert_int_eq(parse_with(ok, "Host:example.amazonaws.com\nX-Amz-Date:20150831T000000Z", err, sizeof err),
                     SIGV4_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err, "'20150830' != '20150831'"));
}
END_TEST

START_TEST(test_clock_window)
{
    built_t b;
    char *ah, err[512];
    sigv4_auth_t a;
    parse_vanilla(&b, &ah, &a);
    ck_assert_int_eq(sigv4_check_time(&a, NOW_MS + 5 * 60000, err, sizeof err), SIGV4_OK);
    ck_assert_int_eq(sigv4_check_time(&a, NOW_MS - 5 * 60000, err, sizeof err), SIGV4_OK);
    ck_assert_int_eq(sigv4_check_time(&a, NOW_MS + 5 * 60000 + 1000, err, sizeof err), SIGV4_EXPIRED);
    ck_assert_str_eq(err, "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
                          "(20150830T124101Z - 5 min.)");
    ck_assert_int_eq(sigv4_check_time(&a, NOW_MS - 5 * 60000 - 1000, err, sizeof err), SIGV4_EXPIRED);
    ck_assert_str_eq(err, "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
                          "(20150830T123059Z + 5 min.)");
    free(ah);
    built_free(&b);
}
END_TEST

START_TEST(test_body_and_body_hash)
{
    char err[512];
    uint8_t key[32];
    sigv4_signing_key(SECRET, "20150830", "us-east-1", "service", key);
    /* post-x-www-form-urlencoded with its body changed: the declared hash no longer matches */
    const vec_t *v = &VECS[2];
    char *ah = auth_header(v->signed_headers, v->signature);
    built_t b;
    build(&b, v->method, v->path, v->query, v->headers, "Param1=value2", ah);
    sigv4_auth_t a;
    ck_assert_int_eq(sigv4_parse(&b.m, NULL, &a, err, sizeof err), SIGV4_OK);
    ck_assert_int_eq(sigv4_verify(&b.m, &a, key, err, sizeof err), SIGV4_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err, "x-amz-content-sha256"));
    built_free(&b);
    free(ah);
    /* post-vanilla with a body it was not signed with (no declared hash: glued hashes the body) */
    ah = auth_header(HD, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    build(&b, "POST", "/", "", H, "{}", ah);
    ck_assert_int_eq(sigv4_parse(&b.m, NULL, &a, err, sizeof err), SIGV4_OK);
    ck_assert_int_eq(sigv4_verify(&b.m, &a, key, err, sizeof err), SIGV4_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err, "does not match the signature you provided"));
    built_free(&b);
    /* unsigned and streaming payloads are refused */
    build(&b, "POST", "/", "", H "\nx-amz-content-sha256:UNSIGNED-PAYLOAD", "", ah);
    ck_assert_int_eq(sigv4_parse(&b.m, NULL, &a, err, sizeof err), SIGV4_OK);
    ck_assert_int_eq(sigv4_verify(&b.m, &a, key, err, sizeof err), SIGV4_INCOMPLETE);
    built_free(&b);
    /* a method, path, query or header changed after signing */
    static const char *const changed[][4] = {
        {"GET", "/", "", H},
        {"POST", "/x", "", H},
        {"POST", "/", "a=b", H},
        {"POST", "/", "", "Host:example.amazonaws.net\nX-Amz-Date:" WHEN},
    };
    for (size_t i = 0; i < 4; i++) {
        build(&b, changed[i][0], changed[i][1], changed[i][2], changed[i][3], "", ah);
        ck_assert_int_eq(sigv4_parse(&b.m, NULL, &a, err, sizeof err), SIGV4_OK);
        ck_assert_int_eq(sigv4_verify(&b.m, &a, key, err, sizeof err), SIGV4_MISMATCH);
        built_free(&b);
    }
    free(ah);
}
END_TEST

START_TEST(test_wire_path_is_encoded_again)
{
    /* botocore and the JS SDK encode the (already encoded) wire path once more for every service but S3 */
    built_t b;
    char *ah = auth_header(HD, EMPTY_HASH);
    build(&b, "GET", "/a%20b/./c", "", H, "", ah);
    sigv4_auth_t a;
    char err[256];
    ck_assert_int_eq(sigv4_parse(&b.m, NULL, &a, err, sizeof err), SIGV4_OK);
    char *creq = sigv4_canonical_request(&b.m, &a, EMPTY_HASH, 1);
    ck_assert_ptr_nonnull(strstr(creq, "GET\n/a%2520b/c\n"));
    free(creq);
    free(ah);
    built_free(&b);
}
END_TEST

/* What botocore sends (boto3 / AWS CLI), with a made-up signature. */
#define BOTO3_AUTH                                                                                                     \
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240315/eu-west-1/glue/aws4_request, "                          \
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "                                                        \
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

START_TEST(test_region_from_boto3_header)
{
    char region[64];
    memset(region, 'x', sizeof region);
    ck_assert_int_eq(sigv4_scope_region(BOTO3_AUTH, region, sizeof region), 0);
    ck_assert_str_eq(region, "eu-west-1");
}
END_TEST

START_TEST(test_region_js_sdk_and_other_partitions)
{
    char region[64];
    ck_assert_int_eq(sigv4_scope_region("AWS4-HMAC-SHA256 Credential=ASIAXXX/20240315/us-gov-west-1/glue/"
                                        "aws4_request, SignedHeaders=host;x-amz-security-token, Signature=00",
                                        region, sizeof region),
                     0);
    ck_assert_str_eq(region, "us-gov-west-1");
    ck_assert_int_eq(sigv4_scope_region("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00, "
                                        "Credential=AKID/20240315/ap-southeast-2/glue/aws4_request",
                                        region, sizeof region),
                     0);
    ck_assert_str_eq(region, "ap-southeast-2");
}
END_TEST

START_TEST(test_region_malformed)
{
    static const char *const bad[] = {
        "Bearer abcdef",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/us-east-1",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315//glue/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/US-EAST-1/glue/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/../glue/aws4_request",
    };
    char region[64];
    ck_assert_int_eq(sigv4_scope_region(NULL, region, sizeof region), -1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(sigv4_scope_region(bad[i], region, sizeof region) == -1, "accepted: %s", bad[i]);
    char small[9];
    ck_assert_int_eq(sigv4_scope_region(BOTO3_AUTH, small, sizeof small), -1);
}
END_TEST

static Suite *sigv4_suite(void)
{
    Suite *s = suite_create("sigv4");
    TCase *tc = tcase_create("aws_suite");
    tcase_add_loop_test(tc, test_suite_vectors, 0, (int)(sizeof VECS / sizeof VECS[0]));
    tcase_add_test(tc, test_signing_key_documented_example);
    tcase_add_test(tc, test_string_to_sign);
    suite_add_tcase(s, tc);
    tc = tcase_create("refusals");
    tcase_add_test(tc, test_missing_and_malformed);
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_clock_window);
    tcase_add_test(tc, test_body_and_body_hash);
    tcase_add_test(tc, test_wire_path_is_encoded_again);
    suite_add_tcase(s, tc);
    tc = tcase_create("scope_region");
    tcase_add_test(tc, test_region_from_boto3_header);
    tcase_add_test(tc, test_region_js_sdk_and_other_partitions);
    tcase_add_test(tc, test_region_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sigv4_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
