/* The store's per-article text work, in C: the repost sketch (reposts.sketch_normalized), the search
 * index text (storetext._index_folded) and a fast path of NFKC (storetext._nfkc).
 *
 * In Python these two were about 1 ms of the ~2 ms a save spent before its SQL: the sketch tokenises with a
 * regex (one str object per token), looks each token up in three dicts and builds a set of shingle hashes;
 * the index text runs a regex substitution with a Python callback per CJK run. Here each is one pass over
 * the string's code points.
 *
 * The Python functions stay the reference: a stored sketch must be comparable with the sketches other
 * newsgrab processes compute (reposts.SCHEME), and the contentless search index must get the same text at
 * delete time as at insert time. So the results must be identical, not close: storetext.py checks this
 * module against the Python code once per process before using it, and the tests compare both on
 * generated and real texts.
 *
 * Token values come from BLAKE2b (reposts._token_values), which this module calls back on a cache miss:
 * the values then live in a bounded table of our own, keyed by the token's code points, so a common token
 * costs no Python call and no str object.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if PY_VERSION_HEX >= 0x030C0000
#define READY(s) 0  /* every str is ready since 3.12 */
#else
#define READY(s) PyUnicode_READY(s)
#endif

/* --- the sketch's constants: reposts.py's; the self-check in storetext.py catches a drift ------------- */
#define SHINGLE 3
#define BINS 64
#define MIN_SHINGLES 40
#define VALUE_BITS 24
#define VALUE_MASK ((1u << VALUE_BITS) - 1)
#define EMPTY_BIN 0x100000000ULL

/* reposts._TOKEN: one CJK character, or a run of other letters/digits (\w minus '_' minus CJK). */
static inline int is_cjk_token(Py_UCS4 c) {
    return c == 0x3005 || c == 0x3007 || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
           (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) ||
           (c >= 0x20000 && c <= 0x3134f);
}

/* Python's re, str patterns: \w is Py_UNICODE_ISALNUM(c) || c == '_' (sre's SRE_UNI_IS_WORD). */
static inline int is_word_token(Py_UCS4 c) {
    if (c < 128) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return Py_UNICODE_ISALNUM(c) && !is_cjk_token(c);
}

/* storetext._CJK_RUN: the characters indexed one by one (a space around each) in the index text. */
static inline int is_cjk_run(Py_UCS4 c) {
    if (c < 0x1100) return 0;
    return (c <= 0x11ff) || (c >= 0x3005 && c <= 0x3007) || (c >= 0x3040 && c <= 0x309f) ||
           (c >= 0x30a0 && c <= 0x30ff) || (c >= 0x3130 && c <= 0x318f) || (c >= 0x31f0 && c <= 0x31ff) ||
           (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa960 && c <= 0xa97f) ||
           (c >= 0xac00 && c <= 0xd7af) || (c >= 0xd7b0 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfaff) ||
           (c >= 0xff66 && c <= 0xff9f) || (c >= 0x20000 && c <= 0x3134f);
}

/* --- token -> its three 30-bit values: an open-addressing table, emptied when full --------------------- */
#define TABLE_BITS 16
#define TABLE_SIZE (1u << TABLE_BITS)
#define TABLE_MAX (TABLE_SIZE / 2)   /* entries before the table is emptied (load factor <= 1/2) */
#define ARENA_MAX (1u << 20)         /* code points of token text kept (4 MiB); past it the table is emptied */

typedef struct {
    uint64_t hash;     /* 0: free slot */
    uint32_t start;    /* offset of the token's code points in the arena */
    uint32_t len;
    uint32_t v[3];
} entry_t;

static entry_t *table;
static Py_UCS4 *arena;
static uint32_t arena_used, table_used;
static PyObject *token_values;   /* reposts._token_values */

static void table_clear(void) {
    memset(table, 0, sizeof(entry_t) * TABLE_SIZE);
    arena_used = table_used = 0;
}

static inline uint64_t token_hash(const Py_UCS4 *cp, Py_ssize_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ cp[i]) * 0x100000001B3ULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h | 1;  /* never 0, the free mark */
}

/* The values of the token cp[0..n): from the table, or from reposts._token_values (then remembered).
 * Returns 0, or -1 with a Python error set. */
static int lookup(const Py_UCS4 *cp, Py_ssize_t n, uint32_t out[3]) {
    uint64_t h = token_hash(cp, n);
    uint32_t mask = TABLE_SIZE - 1, i = (uint32_t)h & mask;
    for (;;) {
        entry_t *e = &table[i];
        if (e->hash == 0) break;
        if (e->hash == h && e->len == (uint32_t)n && memcmp(arena + e->start, cp, n * sizeof(Py_UCS4)) == 0) {
            out[0] = e->v[0]; out[1] = e->v[1]; out[2] = e->v[2];
            return 0;
        }
        i = (i + 1) & mask;
    }
    PyObject *tok = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cp, n);
    if (!tok) return -1;
    PyObject *res = PyObject_CallOneArg(token_values, tok);
    Py_DECREF(tok);
    if (!res) return -1;
    if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 3) {
        Py_DECREF(res);
        PyErr_SetString(PyExc_TypeError, "_token_values must return a tuple of 3 ints");
        return -1;
    }
    for (int k = 0; k < 3; k++) {
        unsigned long v = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(res, k));
        if (v == (unsigned long)-1 && PyErr_Occurred()) { Py_DECREF(res); return -1; }
        out[k] = (uint32_t)v;
    }
    Py_DECREF(res);
    if (n > 4096) return 0;  /* a freak token (a base64 blob in the text): not worth keeping */
    /* Probe again: the callback ran Python code, so another thread may have sketched (and filled or
     * emptied the table) meanwhile. A token stored twice that way is harmless: both copies agree. */
    if (table_used >= TABLE_MAX || arena_used + (uint32_t)n > ARENA_MAX) table_clear();
    i = (uint32_t)h & mask;
    while (table[i].hash != 0) i = (i + 1) & mask;
    entry_t *e = &table[i];
    e->hash = h; e->start = arena_used; e->len = (uint32_t)n;
    e->v[0] = out[0]; e->v[1] = out[1]; e->v[2] = out[2];
    memcpy(arena + arena_used, cp, n * sizeof(Py_UCS4));
    arena_used += (uint32_t)n;
    table_used++;
    return 0;
}

/* --- sketch(norm) == reposts.sketch_normalized(norm) ------------------------------------------------- */

/* A small set of the first MIN_SHINGLES distinct hashes: the Python code counts the distinct shingle hashes
 * and gives no sketch below MIN_SHINGLES; the minima per bin do not depend on duplicates. */
#define SEEN_SIZE 128
typedef struct { uint32_t slot[SEEN_SIZE]; int count; } seen_t;   /* slot: hash + 1, 0 is free */

static inline void seen_add(seen_t *s, uint32_t h) {
    if (s->count >= MIN_SHINGLES) return;
    uint32_t i = (h * 2654435761u) >> 25;   /* 7 bits */
    while (s->slot[i]) {
        if (s->slot[i] == h + 1) return;
        i = (i + 1) & (SEEN_SIZE - 1);
    }
    s->slot[i] = h + 1;
    s->count++;
}

static PyObject *py_sketch(PyObject *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) { PyErr_SetString(PyExc_TypeError, "sketch() takes a str"); return NULL; }
    if (!token_values) { PyErr_SetString(PyExc_RuntimeError, "_storefast.init() was not called"); return NULL; }
    if (READY(arg) < 0) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);

    uint64_t mins[BINS];
    for (int b = 0; b < BINS; b++) mins[b] = EMPTY_BIN;
    seen_t seen;
    memset(&seen, 0, sizeof seen);
    /* the values of the last two tokens, for the shingle (t-2, t-1, t) */
    uint32_t prev2[3] = {0, 0, 0}, prev1[3] = {0, 0, 0}, cur[3];
    Py_ssize_t tokens = 0;
    Py_UCS4 small[64], *buf = small;
    Py_ssize_t cap = 64;
    PyObject *result = NULL;

    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t len;
        if (is_cjk_token(c)) {
            buf[0] = c;
            len = 1;
            i++;
        } else if (is_word_token(c)) {
            len = 0;
            while (i < n && is_word_token(c = PyUnicode_READ(kind, data, i))) {
                if (len == cap) {
                    Py_UCS4 *bigger = PyMem_Malloc(sizeof(Py_UCS4) * cap * 2);
                    if (!bigger) { PyErr_NoMemory(); goto done; }
                    memcpy(bigger, buf, sizeof(Py_UCS4) * len);
                    if (buf != small) PyMem_Free(buf);
                    buf = bigger;
                    cap *= 2;
                }
                buf[len++] = c;
                i++;
            }
        } else {
            i++;
            continue;
        }
        if (lookup(buf, len, cur) < 0) goto done;
        if (tokens >= SHINGLE - 1) {
            uint32_t h = prev2[0] ^ prev1[1] ^ cur[2];
            seen_add(&seen, h);
            uint32_t b = h >> VALUE_BITS;
            if (h < mins[b]) mins[b] = h;  /* same bin: same top bits, so comparing hashes compares values */
        }
        memcpy(prev2, prev1, sizeof prev1);
        memcpy(prev1, cur, sizeof cur);
        tokens++;
    }
    if (seen.count < MIN_SHINGLES) { result = Py_None; Py_INCREF(result); goto done; }
    uint64_t vals[BINS];
    int empty = 0;
    for (int b = 0; b < BINS; b++) {
        vals[b] = mins[b] != EMPTY_BIN ? (mins[b] & VALUE_MASK) : EMPTY_BIN;
        empty |= mins[b] == EMPTY_BIN;
    }
    if (empty) {
        /* rotation densification, as reposts.sketch_normalized: the next non-empty bin to the right,
         * offset by the distance */
        uint64_t filled[BINS];
        for (int b = 0; b < BINS; b++) {
            filled[b] = vals[b];
            if (vals[b] != EMPTY_BIN) continue;
            for (int d = 1; d < BINS; d++) {
                int j = (b + d) % BINS;
                if (vals[j] != EMPTY_BIN) {
                    filled[b] = (vals[j] + (uint64_t)d * 0x9E3779B1ULL) & 0xFFFFFFFFULL;
                    break;
                }
            }
        }
        memcpy(vals, filled, sizeof vals);
    }
    result = PyTuple_New(BINS);
    if (!result) goto done;
    for (int b = 0; b < BINS; b++) {
        PyObject *v = PyLong_FromUnsignedLongLong(vals[b]);
        if (!v) { Py_CLEAR(result); goto done; }
        PyTuple_SET_ITEM(result, b, v);
    }
done:
    if (buf != small) PyMem_Free(buf);
    return result;
}

/* --- index_folded(s) == storetext._index_folded(s) --------------------------------------------------- */

/* Each CJK run -> " " + its characters, space-separated + " " (schema 4); other text unchanged.
 * Two passes: the length, then the copy. */
static PyObject *py_index_folded(PyObject *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) { PyErr_SetString(PyExc_TypeError, "index_folded() takes a str"); return NULL; }
    if (READY(arg) < 0) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t out_len = 0, runs = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        if (!is_cjk_run(PyUnicode_READ(kind, data, i))) { out_len++; i++; continue; }
        Py_ssize_t start = i;
        while (i < n && is_cjk_run(PyUnicode_READ(kind, data, i))) i++;
        out_len += 2 * (i - start) + 1;  /* a space before each character, and one after the run */
        runs++;
    }
    if (runs == 0) { Py_INCREF(arg); return arg; }
    PyObject *out = PyUnicode_New(out_len, PyUnicode_MAX_CHAR_VALUE(arg));
    if (!out) return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    Py_ssize_t o = 0;
    int in_run = 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int cjk = is_cjk_run(c);
        if (cjk) PyUnicode_WRITE(okind, odata, o++, ' ');
        else if (in_run) PyUnicode_WRITE(okind, odata, o++, ' ');
        PyUnicode_WRITE(okind, odata, o++, c);
        in_run = cjk;
    }
    if (in_run) PyUnicode_WRITE(okind, odata, o++, ' ');
    return out;
}

/* --- nfkc(s): unicodedata.normalize("NFKC", s) for the common case, else None ------------------------------
 *
 * Chinese news text is never NFKC: its full-width punctuation (，：（）) maps to ASCII. CPython then runs the
 * whole normalisation, ~0.2 ms for a 1,700-character article, the largest cost of a save after the search
 * index. Here a text made only of characters from two small sets is normalised in one pass:
 *   - STABLE: assigned characters that NFKC leaves as they are and that take part in no composition or
 *     reordering (combining class 0, never the second character of a canonical composition, no Hangul jamo):
 *     ASCII, Latin, Greek, Cyrillic, punctuation and symbols (2000-2BFF), CJK punctuation, kana, bopomofo,
 *     CJK ideographs, private use. Next to each other they stay as they are. Unicode's stability policy keeps
 *     this true in later Unicode versions (an assigned character's decomposition and combining class never
 *     change, and no new character composes).
 *   - MAPPED: full-width ASCII (FF01-FF5E), the ideographic and the no-break space, the ellipsis: NFKC maps each
 *     to ASCII, which no STABLE character composes with.
 * Any other character: None, and the caller runs unicodedata. tests/test_storefast.py checks both sets
 * against unicodedata code point by code point; storetext.py checks them once per process. The ranges were
 * made from Unicode 14 (Python 3.11) by that test's conditions. */
static const Py_UCS4 stable_ranges[][2] = {
    {0x0080, 0x009F}, {0x00A1, 0x00A7}, {0x00A9, 0x00A9}, {0x00AB, 0x00AE}, {0x00B0, 0x00B1}, {0x00B6, 0x00B7},
    {0x00BB, 0x00BB}, {0x00BF, 0x0131}, {0x0134, 0x013E}, {0x0141, 0x0148}, {0x014A, 0x017E}, {0x0180, 0x01C3},
    {0x01CD, 0x01F0}, {0x01F4, 0x024F}, {0x0370, 0x0373}, {0x0375, 0x0377}, {0x037B, 0x037D}, {0x037F, 0x037F},
    {0x0386, 0x0386}, {0x0388, 0x038A}, {0x038C, 0x038C}, {0x038E, 0x03A1}, {0x03A3, 0x03CF}, {0x03D7, 0x03EF},
    {0x03F3, 0x03F3}, {0x03F6, 0x03F8}, {0x03FA, 0x0482}, {0x0488, 0x04FF}, {0x200B, 0x2010}, {0x2012, 0x2016},
    {0x2018, 0x2023}, {0x2027, 0x202E}, {0x2030, 0x2032}, {0x2035, 0x2035}, {0x2038, 0x203B}, {0x203D, 0x203D},
    {0x203F, 0x2046}, {0x204A, 0x2056}, {0x2058, 0x205E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0x20A0, 0x20A7},
    {0x20A9, 0x20C0}, {0x20DD, 0x20E0}, {0x20E2, 0x20E4}, {0x2104, 0x2104}, {0x2108, 0x2108}, {0x2114, 0x2114},
    {0x2117, 0x2118}, {0x211E, 0x211F}, {0x2123, 0x2123}, {0x2125, 0x2125}, {0x2127, 0x2127}, {0x2129, 0x2129},
    {0x212E, 0x212E}, {0x2132, 0x2132}, {0x213A, 0x213A}, {0x2141, 0x2144}, {0x214A, 0x214F}, {0x2180, 0x2188},
    {0x218A, 0x218B}, {0x2190, 0x222B}, {0x222E, 0x222E}, {0x2231, 0x2328}, {0x232B, 0x2426}, {0x2440, 0x244A},
    {0x24EB, 0x2A0B}, {0x2A0D, 0x2A73}, {0x2A77, 0x2ADB}, {0x2ADD, 0x2B73}, {0x2B76, 0x2B95}, {0x2B97, 0x2BFF},
    {0x3001, 0x3029}, {0x3030, 0x3035}, {0x3037, 0x3037}, {0x303B, 0x303F}, {0x3041, 0x3096}, {0x309D, 0x309E},
    {0x30A0, 0x30FE}, {0x3105, 0x312F}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xE000, 0xF8FF},
};
#define N_STABLE (sizeof stable_ranges / sizeof stable_ranges[0])

static inline int nfkc_stable(Py_UCS4 c) {
    if (c < 0x80) return 1;
    if (c >= 0x4E00 && c <= 0x9FFF) return 1;
    size_t lo = 0, hi = N_STABLE;  /* binary search: the first range whose end is >= c */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (stable_ranges[mid][1] < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < N_STABLE && stable_ranges[lo][0] <= c;
}

/* The ASCII character NFKC maps c to; 0 when it is not a one-character mapping of ours. */
static inline Py_UCS4 nfkc_mapped(Py_UCS4 c) {
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;
    if (c == 0x3000 || c == 0xA0) return ' ';
    return 0;
}
#define ELLIPSIS 0x2026  /* NFKC: "..." */

static PyObject *py_nfkc(PyObject *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) { PyErr_SetString(PyExc_TypeError, "nfkc() takes a str"); return NULL; }
    if (READY(arg) < 0) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t out_len = 0, mapped = 0;
    Py_UCS4 maxchar = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (nfkc_stable(c)) {
            out_len++;
            if (c > maxchar) maxchar = c;
        } else if (nfkc_mapped(c)) {
            out_len++;
            mapped++;
        } else if (c == ELLIPSIS) {
            out_len += 3;
            mapped++;
        } else {
            Py_RETURN_NONE;
        }
    }
    if (!mapped) { Py_INCREF(arg); return arg; }
    PyObject *out = PyUnicode_New(out_len, maxchar < 0x7F ? 0x7F : maxchar);
    if (!out) return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    Py_ssize_t o = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i), m;
        if (nfkc_stable(c)) PyUnicode_WRITE(okind, odata, o++, c);
        else if ((m = nfkc_mapped(c))) PyUnicode_WRITE(okind, odata, o++, m);
        else for (int k = 0; k < 3; k++) PyUnicode_WRITE(okind, odata, o++, '.');
    }
    return out;
}

/* The sets above, for the checks: ([(first, last) of STABLE], {code point: NFKC of it} for MAPPED). */
static PyObject *py_nfkc_tables(PyObject *self, PyObject *noarg) {
    PyObject *ranges = PyList_New(0), *map = PyDict_New();
    if (!ranges || !map) goto fail;
    Py_UCS4 start = 0;
    int in = 0;
    for (Py_UCS4 c = 0; c <= 0x10000; c++) {
        int st = c < 0x10000 && nfkc_stable(c);
        if (st && !in) { start = c; in = 1; }
        if (!st && in) {
            PyObject *t = Py_BuildValue("(II)", (unsigned)start, (unsigned)(c - 1));
            if (!t || PyList_Append(ranges, t) < 0) { Py_XDECREF(t); goto fail; }
            Py_DECREF(t);
            in = 0;
        }
        Py_UCS4 m = c < 0x10000 ? nfkc_mapped(c) : 0;
        if (m || c == ELLIPSIS) {
            PyObject *k = PyLong_FromUnsignedLong(c);
            PyObject *v = m ? PyUnicode_FromOrdinal(m) : PyUnicode_FromString("...");
            int err = !k || !v || PyDict_SetItem(map, k, v) < 0;
            Py_XDECREF(k); Py_XDECREF(v);
            if (err) goto fail;
        }
    }
    return Py_BuildValue("(NN)", ranges, map);
fail:
    Py_XDECREF(ranges); Py_XDECREF(map);
    return NULL;
}

/* --- module --------------------------------------------------------------------------------------------- */

static PyObject *py_init(PyObject *self, PyObject *arg) {
    if (!PyCallable_Check(arg)) { PyErr_SetString(PyExc_TypeError, "init() takes reposts._token_values"); return NULL; }
    if (!table) {
        table = PyMem_Calloc(TABLE_SIZE, sizeof(entry_t));
        arena = PyMem_Malloc(sizeof(Py_UCS4) * ARENA_MAX);
        if (!table || !arena) return PyErr_NoMemory();
    }
    Py_INCREF(arg);
    Py_XSETREF(token_values, arg);
    table_clear();  /* values of another function must not be mixed with these */
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", py_init, METH_O, "init(token_values): the function giving a token's three values on a cache miss"},
    {"sketch", py_sketch, METH_O, "sketch(norm) -> reposts.sketch_normalized(norm)"},
    {"index_folded", py_index_folded, METH_O, "index_folded(s) -> storetext._index_folded(s)"},
    {"nfkc", py_nfkc, METH_O, "nfkc(s) -> unicodedata.normalize('NFKC', s) for common text, else None"},
    {"nfkc_tables", py_nfkc_tables, METH_NOARGS, "nfkc_tables() -> ([(first, last) of stable], {mapped: nfkc})"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_storefast", "The store's text work, in C.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__storefast(void) { return PyModule_Create(&module); }
