/* The render stage of render.py, in C.
 *
 * render._Renderer walks the article's part of the light tree once per page, but in Python every
 * child costs a few attribute reads, a tag test against several tuples and a string append, and the
 * whitespace collapse is a regex pass per block: about as much as the lexbor parse itself. This
 * module does the same walk over the same `El` objects (reading their slots at the offsets of the
 * class's member descriptors, as _lightcopy.c does) and builds the same `Block` objects.
 *
 * render.py keeps the Python renderer as the reference: it uses this one only after checking, once
 * per process, that both give the same blocks on a page that exercises every rule, and falls back
 * when the extension is missing or disagrees. What is rare or regex-driven stays in Python and is
 * called back: the class/id hint tests (once per distinct hint, cached here), the standfirst of a
 * dropped <header> (stories.lead_in) and odd <ol start> values. (Table cells' El.text is done here: a
 * page's data tables hold a few dozen cells, and a Python call for each was half the C render.) Input
 * this module does not expect (a non-list `children`, a huge number, a very deep tree) makes
 * render_blocks return NotImplemented, and render.py renders that page in Python.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "_slots.h"
#include <string.h>

#define BAIL (-2)          /* not an error: "let the Python renderer do this page" */
#define MAX_WALK 300       /* nesting past which Python's own recursion limit would decide the outcome */
#define MAX_ITER 1000      /* El.iter() is iterative in Python; here recursion, so bounded */
#define BIG (1LL << 50)    /* integers read from slots stay far below 2**53: comparisons with floats stay exact */
#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

static PyTypeObject *El_type, *Block_type;
static Py_ssize_t off_tag, off_hint, off_attrs, off_children, off_text_len, off_link_len, off_punct;
static Py_ssize_t off_kind, off_text, off_level, off_ratio, off_ordered, off_number, off_cells;
static PyObject *block_tags, *heading_tags, *remove_tags, *space_after;   /* frozensets of tag names */
static PyObject *tier_fn, *weight_fn, *lead_fn, *start_fn;   /* the Python callbacks */
static PyObject *tag_cache;   /* tag name -> packed class bits */
static PyObject *hint_cache;  /* class/id hint -> packed H_* bits, unlikely tier, class weight */
static PyObject *str_start, *sep_bar, *sep_nl;

enum { K_P, K_H, K_LI, K_QUOTE, K_PRE, K_TABLE, K_COUNT };
static const char *const kind_names[K_COUNT] = {"p", "h", "li", "quote", "pre", "table"};
static PyObject *kind_str[K_COUNT];

/* A tag's class bits: its id (the tags the rules name) in the low byte, flags above, and for a
 * heading its level from bit 16. */
enum { T_OTHER, T_BR, T_HR, T_RT, T_RP, T_HEADER, T_A, T_FIGURE, T_FIGCAPTION, T_TABLE, T_TR, T_TD, T_TH, T_P,
       T_DIV, T_UL, T_OL, T_SPAN, T_LI, T_BLOCKQUOTE, T_PRE, T_BODY, T_COUNT };
static const char *const tag_names[T_COUNT] = {"", "br", "hr", "rt", "rp", "header", "a", "figure", "figcaption",
    "table", "tr", "td", "th", "p", "div", "ul", "ol", "span", "li", "blockquote", "pre", "body"};
enum { F_BLOCK = 1 << 8, F_REMOVE = 1 << 9, F_HEADING = 1 << 10, F_PARA = 1 << 11, F_COND = 1 << 12, F_GRID = 1 << 13,
       F_SPACE = 1 << 14 /* El.text() adds a space after it */ };
#define ID(bits) ((bits) & 0xff)
/* render.py's tuples of tag names, as flags */
static const char *const para_tags = " p div section article td th dd dt center main ";  /* block(): kind "p" */
static const char *const cond_tags = " div section ul ol table dl span p ";  /* _drop: _clean_conditionally */
static const char *const grid_tags = " table tbody tr td th ";  /* _reads_like_prose: tables are data */

typedef struct { Py_UCS4 *buf; Py_ssize_t len, cap; int run; } Text;

typedef struct {
    PyObject *blocks;
    Text t;                  /* the pending block's text, collapsed as it comes */
    int pending;             /* something was appended since the last flush (render.py: `if self.buf`) */
    Py_ssize_t link_chars;
    int kind, ordered;
    long long level, counter, number;
    double top;              /* top_len */
} R;

typedef struct { long long tl, ll, pu; } M;  /* text_len, link_len, punct */

static int in_words(const char *words, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(words, name); p; p = strstr(p + 1, name))
        if (p[-1] == ' ' && p[n] == ' ') return 1;
    return 0;
}

static int classify(PyObject *tag)
{
    Py_ssize_t n;
    const char *name = PyUnicode_AsUTF8AndSize(tag, &n);
    if (!name) { PyErr_Clear(); return BAIL; }  /* (a lone surrogate: Python compares it fine) */
    int bits = T_OTHER, r, plain = n > 0 && (size_t)n == strlen(name) && n < 40 && !strchr(name, ' ');
    for (int i = 1; plain && i < T_COUNT; i++)
        if (strcmp(name, tag_names[i]) == 0) bits = i;
    PyObject *sets[4] = {block_tags, remove_tags, space_after, heading_tags};
    for (int i = 0; i < 4; i++) {
        if ((r = PySet_Contains(sets[i], tag)) < 0) return -1;
        if (r) bits |= (int[]){F_BLOCK, F_REMOVE, F_SPACE, F_HEADING}[i];
    }
    if (bits & F_HEADING) {  /* int(tag[1]) */
        if (n < 2 || name[1] < '0' || name[1] > '9') return BAIL;
        bits |= (name[1] - '0') << 16;
    }
    if (plain) {  /* (no NUL or space inside: the word lists match whole names) */
        if (in_words(para_tags, name)) bits |= F_PARA;
        if (in_words(cond_tags, name)) bits |= F_COND;
        if (in_words(grid_tags, name)) bits |= F_GRID;
    }
    return bits;
}

static int tag_bits(PyObject *el, int *bits)
{
    PyObject *tag = SLOT(el, off_tag);
    if (!tag || !PyUnicode_CheckExact(tag)) return BAIL;
    PyObject *v = PyDict_GetItemWithError(tag_cache, tag);
    if (v) { *bits = (int)PyLong_AsLong(v); return 0; }
    if (PyErr_Occurred()) return -1;
    int b = classify(tag);
    if (b < 0) return b;
    if (PyDict_GET_SIZE(tag_cache) < 4096) {  /* custom elements are unbounded: cache the first few thousand */
        PyObject *packed = PyLong_FromLong(b);
        if (!packed) return -1;
        int err = PyDict_SetItem(tag_cache, tag, packed);
        Py_DECREF(packed);
        if (err < 0) return -1;
    }
    *bits = b;
    return 0;
}

static int int_slot(PyObject *el, Py_ssize_t off, long long *out)
{
    PyObject *v = SLOT(el, off);
    if (!v || !PyLong_Check(v)) return BAIL;
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow || x >= BIG || x <= -BIG) return BAIL;
    *out = x;
    return 0;
}

static int measure(PyObject *el, M *m)
{
    int rc;
    if ((rc = int_slot(el, off_text_len, &m->tl)) < 0 || (rc = int_slot(el, off_link_len, &m->ll)) < 0 ||
        (rc = int_slot(el, off_punct, &m->pu)) < 0)
        return rc;
    return 0;
}

static PyObject *children_of(PyObject *el)  /* borrowed, or NULL (no exception): not a list */
{
    PyObject *c = SLOT(el, off_children);
    return c && PyList_CheckExact(c) ? c : NULL;
}

/* render._unlikely(hint) (H_TIER) and/or scoring.class_weight (H_WEIGHT) of a non-empty hint, each
 * asked of Python once per string, and only when a rule needs it (the patterns are slow). */
enum { H_TIER = 1, H_WEIGHT = 2 };

static int ask_int(PyObject *fn, PyObject *hint, long lo, long hi, long *out)
{
    PyObject *res = PyObject_CallOneArg(fn, hint);
    if (!res) return -1;
    long v = PyLong_Check(res) ? PyLong_AsLong(res) : lo - 1;
    Py_DECREF(res);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < lo || v > hi) return BAIL;
    *out = v;
    return 0;
}

static int hint_info(PyObject *hint, int want, int *tier, int *weight)
{
    PyObject *v = PyDict_GetItemWithError(hint_cache, hint);
    long packed = 0, x;
    int rc;
    if (v) packed = PyLong_AsLong(v);
    else if (PyErr_Occurred()) return -1;
    if (want & ~packed & 3) {
        if (want & H_TIER && !(packed & H_TIER)) {
            if ((rc = ask_int(tier_fn, hint, 0, 2, &x)) < 0) return rc;
            packed |= H_TIER | (x << 2);
        }
        if (want & H_WEIGHT && !(packed & H_WEIGHT)) {
            if ((rc = ask_int(weight_fn, hint, -30000, 30000, &x)) < 0) return rc;
            packed |= H_WEIGHT | ((x + 32768) << 8);
        }
        if (PyDict_GET_SIZE(hint_cache) >= 50000) PyDict_Clear(hint_cache);  /* a long-running process sees endless hints */
        PyObject *p = PyLong_FromLong(packed);
        if (!p || PyDict_SetItem(hint_cache, hint, p) < 0) { Py_XDECREF(p); return -1; }
        Py_DECREF(p);
    }
    *tier = (int)(packed >> 2) & 3;
    *weight = (int)(packed >> 8) - 32768;
    return 0;
}

/* ---- El.iter(): pre-order over the subtree, `visit` returns 1 to go on, 0 to stop ---------------- */

typedef int (*visit_fn)(void *ctx, PyObject *el, int bits);

static int iter_tree(PyObject *el, visit_fn visit, void *ctx, int depth)
{
    int bits, rc;
    if (depth > MAX_ITER) return BAIL;
    if ((rc = tag_bits(el, &bits)) < 0 || (rc = visit(ctx, el, bits)) != 1) return rc;
    PyObject *children = children_of(el);
    if (!children) return BAIL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i);
        if (PyUnicode_CheckExact(c)) continue;
        if (Py_TYPE(c) != El_type) return BAIL;
        if ((rc = iter_tree(c, visit, ctx, depth + 1)) != 1) return rc;
    }
    return 1;
}

static int visit_figure(void *ctx, PyObject *el, int bits)  /* a table, quote or code: stop */
{
    (void)ctx; (void)el;
    return !(ID(bits) == T_TABLE || ID(bits) == T_BLOCKQUOTE || ID(bits) == T_PRE);
}

static int visit_lists(void *ctx, PyObject *el, int bits)  /* _lists_not_prose's counts */
{
    (void)el;
    long long *n = ctx;
    n[0] += ID(bits) == T_LI;
    n[1] += ID(bits) == T_P;
    return 1;
}

typedef struct { PyObject *top; long long rows, cols; } DataTable;

static int visit_data_table(void *ctx, PyObject *el, int bits)  /* _is_data_table: stop means "no" */
{
    DataTable *d = ctx;
    int id = ID(bits), rc, cb;
    long long n = 0;
    if (el != d->top && id == T_TABLE) return 0;
    if (id == T_TR) {
        PyObject *children = children_of(el);
        if (!children) return BAIL;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
            PyObject *c = PyList_GET_ITEM(children, i);
            if (Py_TYPE(c) != El_type) continue;
            if ((rc = tag_bits(c, &cb)) < 0) return rc;
            n += ID(cb) == T_TD || ID(cb) == T_TH;
        }
        d->rows++;
        if (n > d->cols) d->cols = n;
    } else if (id == T_TD || id == T_TH || id == T_P || id == T_DIV) {
        if ((rc = int_slot(el, off_text_len, &n)) < 0) return rc;
        if (n > ((id == T_TD || id == T_TH) ? 600 : 300)) return 0;
    }
    return 1;
}

/* ---- blocks ----------------------------------------------------------------------------------------- */

/* Append Block(kind, text, level, link_ratio, ordered, number, cells); steals `text`. */
static int add_block(R *r, int kind, PyObject *text, long long level, double ratio, int ordered, long long number, PyObject *cells)
{
    if (!text) return -1;
    PyObject *b = Block_type->tp_alloc(Block_type, 0);
    if (!b) { Py_DECREF(text); return -1; }
    Py_INCREF(kind_str[kind]);
    SLOT(b, off_kind) = kind_str[kind];
    SLOT(b, off_text) = text;
    SLOT(b, off_ordered) = Py_NewRef(ordered ? Py_True : Py_False);
    SLOT(b, off_cells) = Py_NewRef(cells ? cells : Py_None);
    int err = !(SLOT(b, off_level) = PyLong_FromLongLong(level)) || !(SLOT(b, off_ratio) = PyFloat_FromDouble(ratio)) ||
              !(SLOT(b, off_number) = PyLong_FromLongLong(number)) || PyList_Append(r->blocks, b) < 0;
    Py_DECREF(b);  /* the list holds it (or, on error, this frees it with what was set) */
    return err ? -1 : 0;
}

static int reserve(Text *t, Py_ssize_t extra)
{
    if (t->len + extra <= t->cap) return 0;
    Py_ssize_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + extra) {
        if (cap > PY_SSIZE_T_MAX / 8 / (Py_ssize_t)sizeof(Py_UCS4)) { PyErr_NoMemory(); return -1; }
        cap *= 2;
    }
    Py_UCS4 *p = PyMem_Realloc(t->buf, (size_t)cap * sizeof(Py_UCS4));
    if (!p) { PyErr_NoMemory(); return -1; }
    t->buf = p;
    t->cap = cap;
    return 0;
}

static inline int is_ws(Py_UCS4 ch)  /* render._WS's class, and "\n" (flush writes it as a space first) */
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v' || ch == 0xa0 ||
           ch == 0x3000 || ch == 0x200b || ch == 0xfeff;
}

/* Text is collapsed as it is appended (one pass instead of a join, two replaces and a regex):
 * M_BLOCK: _WS.sub(" ", raw.replace("\n", " ").replace("\u00ad", "")) of render.flush. With the soft
 *   hyphens gone, every run of _WS's characters becomes one space (a lone space is itself).
 * M_CELL: dom's _WS.sub(" ", ...) of El.text(): runs of str.isspace() characters become one space.
 * M_PRE: as it is. `run` carries "the last character written was a collapsed space" across appends. */
enum { M_BLOCK, M_CELL, M_PRE };

#define APPEND_LOOP(T)                                                                       \
    for (Py_ssize_t i = 0; i < n; i++) {                                                     \
        Py_UCS4 ch = ((const T *)data)[i];                                                   \
        if (ch > ' ' && ch < 0x7f) { out[w++] = ch; run = 0; continue; }                     \
        if (mode == M_PRE) { out[w++] = ch; continue; }                                      \
        if (mode == M_BLOCK ? ch == 0xad : 0) continue;                                      \
        if (mode == M_BLOCK ? is_ws(ch) : Py_UNICODE_ISSPACE(ch)) {                          \
            if (!run) out[w++] = ' ';                                                        \
            run = 1;                                                                         \
        } else {                                                                             \
            out[w++] = ch;                                                                   \
            run = 0;                                                                         \
        }                                                                                    \
    }

static int append(Text *t, int mode, const void *data, int kind, Py_ssize_t n)
{
    if (reserve(t, n) < 0) return -1;
    Py_UCS4 *out = t->buf + t->len;
    Py_ssize_t w = 0;
    int run = t->run;
    if (kind == PyUnicode_1BYTE_KIND) APPEND_LOOP(Py_UCS1)
    else if (kind == PyUnicode_2BYTE_KIND) APPEND_LOOP(Py_UCS2)
    else APPEND_LOOP(Py_UCS4)
    t->len += w;
    t->run = run;
    return 0;
}

static int add_str(Text *t, int mode, PyObject *s)
{
    return append(t, mode, PyUnicode_DATA(s), PyUnicode_KIND(s), PyUnicode_GET_LENGTH(s));
}

static int add_char(Text *t, int mode, Py_UCS1 ch)
{
    return append(t, mode, &ch, PyUnicode_1BYTE_KIND, 1);
}

/* The collapsed text .strip()ped, as a new str; empties the buffer. */
static PyObject *stripped(Text *t, Py_ssize_t *chars)
{
    Py_UCS4 *b = t->buf;
    Py_ssize_t s = 0, e = t->len;
    t->len = 0;
    t->run = 0;
    while (s < e && Py_UNICODE_ISSPACE(b[s])) s++;
    while (e > s && Py_UNICODE_ISSPACE(b[e - 1])) e--;
    *chars = e - s;
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b + s, e - s);
}

static int flush(R *r)
{
    Text *t = &r->t;
    if (!r->pending) return 0;  /* (the buffer may be empty when all it had was soft hyphens) */
    Py_ssize_t links = r->link_chars, n;
    r->link_chars = 0;
    r->pending = 0;
    if (r->kind == K_PRE) {  /* raw.strip("\n"), kept if text.strip() */
        Py_UCS4 *b = t->buf;
        Py_ssize_t s = 0, e = t->len, i;
        t->len = 0;
        t->run = 0;
        while (s < e && b[s] == '\n') s++;
        while (e > s && b[e - 1] == '\n') e--;
        for (i = s; i < e && Py_UNICODE_ISSPACE(b[i]); i++) {}
        if (i == e) return 0;
        return add_block(r, K_PRE, PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b + s, e - s), 0, 0.0, 0, 0, NULL);
    }
    PyObject *text = stripped(t, &n);
    if (!text || !n) { Py_XDECREF(text); return text ? 0 : -1; }
    double ratio = (double)links / (double)n;  /* min(1.0, links / len(text)): characters */
    return add_block(r, r->kind, text, r->level, ratio < 1.0 ? ratio : 1.0, r->ordered, r->number, NULL);
}

static int add_text(R *r, PyObject *s, int in_link)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (!n) return 0;
    r->pending = 1;
    if (add_str(&r->t, r->kind == K_PRE ? M_PRE : M_BLOCK, s) < 0) return -1;
    if (in_link) {  /* len(c.strip()), in characters */
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        Py_ssize_t a = 0, e = n;
        while (a < e && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) a++;
        while (e > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e - 1))) e--;
        r->link_chars += e - a;
    }
    return 0;
}

/* dom._collect_text: text nodes as they are, a space for <br> and after block-like children. */
static int collect_text(Text *t, PyObject *el, int depth)
{
    PyObject *children = children_of(el);
    if (!children || depth > MAX_WALK) return BAIL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i);
        int bits, rc;
        if (PyUnicode_CheckExact(c)) {
            if (add_str(t, M_CELL, c) < 0) return -1;
            continue;
        }
        if (Py_TYPE(c) != El_type) return BAIL;
        if ((rc = tag_bits(c, &bits)) < 0) return rc;
        if (ID(bits) != T_BR && (rc = collect_text(t, c, depth + 1)) < 0) return rc;
        if ((ID(bits) == T_BR || bits & F_SPACE) && add_char(t, M_CELL, ' ') < 0) return -1;
    }
    return 0;
}

/* ---- _drop and its helpers ---------------------------------------------------------------------------- */

static int clean_conditionally(PyObject *el, int id, const M *m, double ld, int weight)
{
    if (weight < 0 && (ld > 0.2 || m->tl < 300)) return 1;
    if (id == T_P) return m->tl < 120 && ld > 0.6;
    if (m->pu >= 10) return 0;
    if (m->tl < 25) return id != T_SPAN && m->tl == 0;
    long long prose = m->pu >= 3 ? m->tl - m->ll : 0;  /* _prose_of */
    if (((weight < 25 && ld > 0.33) || (weight >= 25 && ld > 0.5)) && !(ld < 0.5 && prose >= 300)) return 1;
    if (id != T_UL && id != T_OL && ld > 0.2) {
        long long n[2] = {0, 0};
        int rc = iter_tree(el, visit_lists, n, 0);
        if (rc < 0) return rc;
        return n[0] > 3 && n[0] > n[1] * 2;
    }
    return 0;
}

static int drop(R *r, PyObject *el, int bits, int in_link)
{
    int id = ID(bits), rc;
    M m;
    if ((rc = measure(el, &m)) < 0) return rc;
    double half = 0.5 * r->top;
    if (bits & F_REMOVE) return id == T_FIGCAPTION || (double)m.tl < half;
    if (id == T_FIGURE) {
        if ((rc = iter_tree(el, visit_figure, NULL, 0)) < 0) return rc;
        return rc;  /* 1: the walk found no table, quote or code */
    }
    double ld = m.tl ? (double)m.ll / (double)m.tl : 0.0;  /* link_density */
    if (id == T_HEADER && (double)m.tl < 0.3 * r->top && (ld > 0.3 || m.pu < 2)) return 1;
    if (m.tl == 0) return id != T_TD && id != T_TH;
    if (id == T_A || bits & F_HEADING) return 0;
    PyObject *hint = SLOT(el, off_hint);
    if (!hint || !PyUnicode_CheckExact(hint)) return BAIL;
    int tier = 0, weight = 0;  /* (class_weight of no hint: 0) */
    /* _drop is "the hint says boilerplate, or the container looks like one (_clean_conditionally)",
     * both pure: the cheap test goes first, so the slow hint patterns run only when it says no. */
    if (bits & F_COND && !in_link) {
        if (PyUnicode_GET_LENGTH(hint) && (rc = hint_info(hint, H_WEIGHT, &tier, &weight)) < 0) return rc;
        if ((rc = clean_conditionally(el, id, &m, ld, weight)) != 0) return rc;
    }
    if (PyUnicode_GET_LENGTH(hint) && (double)m.tl < half) {
        if ((rc = hint_info(hint, H_TIER, &tier, &weight)) < 0) return rc;
        return tier == 2 || (tier == 1 && !((bits & F_GRID) || (m.tl > 300 && m.pu >= 6 && ld < 0.35)));
    }
    return 0;
}

/* ---- walking --------------------------------------------------------------------------------------------- */

static int block(R *r, PyObject *el, int bits, int in_link, int depth);

static int has_rp(PyObject *children)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *x = PyList_GET_ITEM(children, i);
        int bits, rc;
        if (Py_TYPE(x) != El_type) continue;
        if ((rc = tag_bits(x, &bits)) < 0) return rc;
        if (ID(bits) == T_RP) return 1;
    }
    return 0;
}

/* `for lead in lead_in(header): self.block(lead, in_link)` */
static int lead_blocks(R *r, PyObject *header, int in_link, int depth)
{
    PyObject *leads = PyObject_CallOneArg(lead_fn, header);
    if (!leads) return -1;
    int rc = PyList_CheckExact(leads) ? 0 : BAIL;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(leads); i++) {
        PyObject *lead = PyList_GET_ITEM(leads, i);
        int bits;
        if (Py_TYPE(lead) != El_type) rc = BAIL;
        else if ((rc = tag_bits(lead, &bits)) == 0) rc = block(r, lead, bits, in_link, depth + 1);
    }
    Py_DECREF(leads);
    return rc;
}

static int walk(R *r, PyObject *el, int in_link, int depth)
{
    if (depth > MAX_WALK) return BAIL;
    PyObject *children = children_of(el);
    if (!children) return BAIL;
    int pbits, rc;
    if ((rc = tag_bits(el, &pbits)) < 0) return rc;
    int pid = ID(pbits);  /* (a <span> in running text: see render._RUNNING_TEXT) */
    int in_p = pid == T_P || pid == T_LI || pid == T_BLOCKQUOTE || pid == T_TD || pid == T_TH
               || (pbits & F_HEADING);
    Py_INCREF(children);
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i);
        if (PyUnicode_CheckExact(c)) {
            rc = add_text(r, c, in_link);
            continue;
        }
        int bits, id;
        if (Py_TYPE(c) != El_type) { rc = BAIL; break; }
        if ((rc = tag_bits(c, &bits)) < 0) break;
        id = ID(bits);
        if (id == T_BR) {
            if (r->kind == K_P) {
                rc = flush(r);
            } else {
                r->pending = 1;
                rc = r->kind == K_PRE ? add_char(&r->t, M_PRE, '\n') : add_char(&r->t, M_BLOCK, ' ');
            }
            continue;
        }
        if (id == T_HR) { rc = flush(r); continue; }
        if (id == T_RT && (rc = has_rp(children)) <= 0) continue;  /* a reading with no fallback glues into the words */
        rc = 0;
        Py_INCREF(c);
        int d = drop(r, c, bits, in_link || (in_p && id == T_SPAN));
        if (d < 0) rc = d;
        else if (d) rc = id == T_HEADER ? lead_blocks(r, c, in_link, depth) : 0;
        else if (bits & F_BLOCK) rc = block(r, c, bits, in_link, depth + 1);
        else rc = walk(r, c, in_link || id == T_A, depth + 1);
        Py_DECREF(c);
    }
    Py_DECREF(children);
    return rc;
}

/* The first number of a list: start = el.get("start") or "1", then render._ol_start(start) (it may
 * raise, as the Python renderer does). The attribute is rare: Python reads any value but none or "". */
static int list_start(PyObject *el, long long *out)
{
    PyObject *attrs = SLOT(el, off_attrs), *start = NULL;
    *out = 1;
    if (!attrs || (attrs != Py_None && !PyDict_CheckExact(attrs))) return BAIL;
    if (attrs != Py_None && !(start = PyDict_GetItemWithError(attrs, str_start)) && PyErr_Occurred()) return -1;
    if (!start || start == Py_None || (PyUnicode_CheckExact(start) && !PyUnicode_GET_LENGTH(start))) return 0;
    if (!PyUnicode_CheckExact(start)) return BAIL;
    Py_INCREF(start);  /* (borrowed from a dict, and Python runs in between) */
    PyObject *v = PyObject_CallOneArg(start_fn, start);
    Py_DECREF(start);
    if (!v) return -1;
    int overflow = 0;
    long long x = PyLong_Check(v) ? PyLong_AsLongLongAndOverflow(v, &overflow) : BIG;
    Py_DECREF(v);
    if (overflow || x >= BIG || x <= -BIG) return BAIL;  /* (a huge number: Python's ints do it) */
    *out = x;
    return 0;
}

static int data_table(PyObject *el)
{
    DataTable d = {.top = el};
    int rc = iter_tree(el, visit_data_table, &d, 0);
    if (rc < 0) return rc;
    return rc == 1 && d.rows >= 2 && d.cols >= 2;
}

typedef struct { PyObject *rows; Text t; } Rows;

static int visit_rows(void *ctx, PyObject *tr, int bits)  /* _Renderer.table: rows of cell texts */
{
    if (ID(bits) != T_TR) return 1;
    Rows *rows = ctx;
    PyObject *children = children_of(tr), *cells = PyList_New(0);
    if (!cells) return -1;
    int rc = children ? 0 : BAIL, any = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i), *text;
        int cb;
        Py_ssize_t n;
        if (Py_TYPE(c) != El_type || (rc = tag_bits(c, &cb)) < 0 || (ID(cb) != T_TD && ID(cb) != T_TH)) continue;
        rows->t.len = 0;
        rows->t.run = 0;
        if ((rc = collect_text(&rows->t, c, 0)) < 0) break;
        if (!(text = stripped(&rows->t, &n)) || PyList_Append(cells, text) < 0) rc = -1;
        any |= n > 0;
        Py_XDECREF(text);
    }
    if (rc == 0 && any && PyList_Append(rows->rows, cells) < 0) rc = -1;
    Py_DECREF(cells);
    return rc < 0 ? rc : 1;
}

static int table(R *r, PyObject *el)
{
    Rows ctx = {.rows = PyList_New(0)};
    PyObject *rows = ctx.rows;
    if (!rows) return -1;
    int rc = iter_tree(el, visit_rows, &ctx, 0);
    PyMem_Free(ctx.t.buf);
    if (rc >= 0 && PyList_GET_SIZE(rows)) {  /* "\n".join(" | ".join(r) for r in rows) */
        PyObject *lines = PyList_New(0);
        rc = lines ? 0 : -1;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(rows); i++) {
            PyObject *line = PyUnicode_Join(sep_bar, PyList_GET_ITEM(rows, i));
            if (!line || PyList_Append(lines, line) < 0) rc = -1;
            Py_XDECREF(line);
        }
        if (rc == 0) rc = add_block(r, K_TABLE, PyUnicode_Join(sep_nl, lines), 0, 0.0, 0, 0, rows);
        Py_XDECREF(lines);
    }
    Py_DECREF(rows);
    return rc < 0 ? rc : 0;
}

static int block(R *r, PyObject *el, int bits, int in_link, int depth)
{
    int kind = r->kind, ordered = r->ordered, id = ID(bits), rc;
    long long level = r->level, counter = r->counter, number = r->number;
    if ((rc = flush(r)) < 0) return rc;
    if (bits & F_HEADING) {
        r->kind = K_H;
        r->level = bits >> 16;
    } else if (id == T_LI) {
        r->kind = K_LI;
        r->number = r->counter;
        counter = r->counter + 1;  /* the next item's number */
    } else if (id == T_UL || id == T_OL) {
        r->level++;
        r->ordered = id == T_OL;
        if ((rc = list_start(el, &r->counter)) < 0) return rc;
    } else if (id == T_BLOCKQUOTE) {
        r->kind = K_QUOTE;
    } else if (id == T_PRE) {
        r->kind = K_PRE;
    } else if (id == T_TABLE && (rc = data_table(el)) != 0) {
        if (rc < 0 || (rc = table(r, el)) < 0) return rc;
        r->kind = kind, r->level = level, r->ordered = ordered;
        return 0;
    } else if (bits & F_PARA) {
        if (r->kind != K_LI && r->kind != K_QUOTE && r->kind != K_PRE) r->kind = K_P;
    }
    if ((rc = walk(r, el, in_link, depth)) < 0 || (rc = flush(r)) < 0) return rc;
    r->kind = kind, r->level = level, r->ordered = ordered;
    r->counter = counter, r->number = number;
    return 0;
}

static int render(R *r, PyObject *parts, PyObject *lead)
{
    int rc = 0, bits;
    for (Py_ssize_t i = 0; rc == 0 && lead != Py_None && i < PyList_GET_SIZE(lead); i++) {
        PyObject *el = PyList_GET_ITEM(lead, i);
        if (Py_TYPE(el) != El_type) return BAIL;
        Py_INCREF(el);
        if ((rc = tag_bits(el, &bits)) == 0) rc = block(r, el, bits, 0, 0);
        Py_DECREF(el);
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(parts); i++) {
        PyObject *part = PyList_GET_ITEM(parts, i);
        if (Py_TYPE(part) != El_type) return BAIL;
        Py_INCREF(part);
        if ((rc = tag_bits(part, &bits)) == 0) {
            int id = ID(bits), d = 0;
            if (bits & F_BLOCK || id == T_BODY) {
                if (id != T_BODY && (d = drop(r, part, bits, 0)) < 0) rc = d;
                else if (id == T_BODY || !d || PyList_GET_SIZE(parts) == 1) rc = block(r, part, bits, 0, 0);
                else if (id == T_HEADER) rc = lead_blocks(r, part, 0, 0);
            } else if ((d = drop(r, part, bits, 0)) < 0) {
                rc = d;
            } else if (!d && (rc = walk(r, part, 0, 0)) == 0) {
                rc = flush(r);
            }
        }
        Py_DECREF(part);
    }
    return rc < 0 ? rc : flush(r);
}

static PyObject *py_render_blocks(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *parts, *top, *lead = Py_None;
    if (!Block_type) { PyErr_SetString(PyExc_RuntimeError, "_render.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "OO|O", &parts, &top, &lead)) return NULL;
    if (!PyList_CheckExact(parts) || !PyLong_Check(top) || (lead != Py_None && !PyList_CheckExact(lead)))
        Py_RETURN_NOTIMPLEMENTED;
    int overflow;
    long long top_len = PyLong_AsLongLongAndOverflow(top, &overflow);
    if (overflow || top_len >= BIG || top_len <= -BIG) Py_RETURN_NOTIMPLEMENTED;
    R r = {.kind = K_P, .counter = 1, .top = (double)top_len};
    if (!(r.blocks = PyList_New(0))) return NULL;
    int rc = render(&r, parts, lead);
    PyMem_Free(r.t.buf);
    if (rc < 0) {
        Py_DECREF(r.blocks);
        if (rc == BAIL) Py_RETURN_NOTIMPLEMENTED;
        return NULL;
    }
    return r.blocks;
}

static void set_ref(PyObject **var, PyObject *v) { Py_INCREF(v); Py_XSETREF(*var, v); }

static PyObject *py_init(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *el, *blk, *bt, *ht, *rt, *sa, *tf, *wf, *lf, *sf;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!OOOO", &PyType_Type, &el, &PyType_Type, &blk, &PyFrozenSet_Type, &bt,
                          &PyFrozenSet_Type, &ht, &PyFrozenSet_Type, &rt, &PyFrozenSet_Type, &sa, &tf, &wf, &lf, &sf))
        return NULL;
    /* Blocks are made here without Block.__init__: every field must be one of these slots. */
    PyObject *want = Py_BuildValue("(sssssss)", "kind", "text", "level", "link_ratio", "ordered", "number", "cells");
    PyObject *have = want ? PyObject_GetAttrString(blk, "__slots__") : NULL;
    int same = have ? PyObject_RichCompareBool(want, have, Py_EQ) : -1;
    Py_XDECREF(want);
    Py_XDECREF(have);
    if (same < 0) return NULL;
    if (!same) { PyErr_SetString(PyExc_TypeError, "Block's fields are not the ones _render knows"); return NULL; }
    Py_ssize_t o[14];
    const char *names[14] = {"tag", "hint", "attrs", "children", "text_len", "link_len", "punct",
                             "kind", "text", "level", "link_ratio", "ordered", "number", "cells"};
    for (int i = 0; i < 14; i++)
        if ((o[i] = slot_offset(i < 7 ? el : blk, names[i])) < 0) return NULL;
    off_tag = o[0], off_hint = o[1], off_attrs = o[2], off_children = o[3], off_text_len = o[4], off_link_len = o[5];
    off_punct = o[6], off_kind = o[7], off_text = o[8], off_level = o[9], off_ratio = o[10], off_ordered = o[11];
    off_number = o[12], off_cells = o[13];
    for (int i = 0; i < K_COUNT; i++)
        if (!kind_str[i] && !(kind_str[i] = PyUnicode_InternFromString(kind_names[i]))) return NULL;
    if ((!str_start && !(str_start = PyUnicode_InternFromString("start"))) ||
        (!sep_bar && !(sep_bar = PyUnicode_FromString(" | "))) || (!sep_nl && !(sep_nl = PyUnicode_FromString("\n"))))
        return NULL;
    PyObject *tc = PyDict_New(), *hc = tc ? PyDict_New() : NULL;
    if (!hc) { Py_XDECREF(tc); return NULL; }
    Py_XSETREF(tag_cache, tc);
    Py_XSETREF(hint_cache, hc);
    set_ref(&block_tags, bt); set_ref(&heading_tags, ht); set_ref(&remove_tags, rt); set_ref(&space_after, sa);
    set_ref(&tier_fn, tf); set_ref(&weight_fn, wf); set_ref(&lead_fn, lf); set_ref(&start_fn, sf);
    set_ref((PyObject **)&El_type, el);
    set_ref((PyObject **)&Block_type, blk);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", py_init, METH_VARARGS,
     "init(El, Block, block_tags, heading_tags, remove_tags, space_after, unlikely, class_weight_of, lead_in, ol_start)"},
    {"render_blocks", py_render_blocks, METH_VARARGS,
     "render_blocks(parts, top_len, lead=None): render.render_blocks, or NotImplemented for input left to Python"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_render", "The render stage of render.py, in C.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__render(void) { return PyModule_Create(&module); }
