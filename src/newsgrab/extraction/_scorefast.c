/* The hot paths of scoring.py, in C.
 *
 * find_article costs most where Python is slowest: the class/id hint patterns of tables.py (long
 * alternations without a literal prefix, which `re` tries at every position of every new "class id"
 * string: about 10 us a string, most of the stage on a page whose template was not seen before), and
 * the scoring loop itself (a dict, a set and a dozen attribute reads per ancestor of every block).
 *
 * - The patterns (_hintmatch.h): init() compiles each one (its `.pattern` source; literals, groups, `?`, classes,
 *   ^ $ \b and negative lookahead, the subset tables.py uses) to a small backtracking matcher with
 *   a first-character index. It answers exactly what `re.search` answers for ASCII strings; anything
 *   else (a non-ASCII hint, a construct outside the subset) is handed to the compiled `re` pattern.
 * - candidates(): scoring._score, the link-density discount and the sort, in one pass.
 * - comment_free(), prose(): scoring._in_comments and scoring._prose.
 * - split_top(), climb(), gather(): what find_article does with the best candidate (a walk of a few
 *   ancestors and siblings each, but a Python call per attribute read).
 * - headings(): stories.title_headings, the scan for headings near the title's length (a walk of the
 *   whole tree when the title is short).
 * - leads(), lead_in(): stories.find_lead and stories.lead_in, the standfirst beside or in the article's
 *   header (walks of up to 4 x 400 elements, and of each candidate's ancestors).
 *
 * scoring.py keeps the Python code as the reference: it uses this module only after checking, once per
 * process, that both agree on a page and a list of hints that exercise every rule, and falls back when
 * the extension is missing. Floats follow Python's operations one by one (same order, doubles), so the
 * scores are the same floats. Anything unexpected in the tree (a length that is not an int, a parent
 * that is not an El) makes a function return NotImplemented: scoring.py then runs the Python code.
 *
 * El objects are read by slot offset, taken from the class's member descriptors (as _lightcopy.c does).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "_slots.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the hint patterns (the matcher: _hintmatch.h) ---------------------------------------------- */

#include "_hintmatch.h"

/* The first four patterns have fixed roles here; init() may add more (hints.py: the lead and unlikely
 * patterns of stories.py and render.py), which search() reads, and leads()/lead_in() (hints.LEAD and
 * hints.UNLIKELY_STRONG, numbers 4 and 6: without them those two answer NotImplemented). */
enum { P_NEGATIVE, P_POSITIVE, P_STRONG, P_COMMENT, N_FIXED, N_PATTERNS = 12 };
static Pattern patterns[N_PATTERNS];
static int n_patterns;

/* ---- the tree ------------------------------------------------------------------------------------ */

static PyTypeObject *El_type;
static Py_ssize_t off_tag, off_hint, off_parent, off_children, off_score, off_text_len, off_link_len, off_punct,
    off_flag, off_direct;
static PyObject *tag_prior, *paragraph_tags, *text_holders, *prose_tags, *gather_tags, *sentence_ends, *weights; /* scoring.py's tables */
static PyObject *remove_tags, *lead_tags; /* tables.REMOVE_TAGS, stories._LEAD_TAGS */
static PyObject *str_text, *str_endswith, *long_one;
static Py_ssize_t weights_cap;

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

/* Sentinel: the tree holds something this code does not expect; the caller answers NotImplemented. */
#define ODD (-2)

/* An int slot as a C integer: 0, ODD (absent, not an int, or beyond 2**53 where doubles stop being
 * exact), or -1 with an exception. */
static int int_slot(PyObject *el, Py_ssize_t off, long long *out)
{
    PyObject *v = SLOT(el, off);
    if (!v || !PyLong_Check(v)) return ODD;
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (overflow || x > (1LL << 53) || x < -(1LL << 53)) return ODD;
    *out = x;
    return 0;
}

/* The parent of `el`: 0 with *out an El or NULL (None), ODD, or -1. */
static int parent_of(PyObject *el, PyObject **out)
{
    PyObject *p = SLOT(el, off_parent);
    if (!p) return ODD;
    if (p == Py_None) { *out = NULL; return 0; }
    if (Py_TYPE(p) != El_type) return ODD;
    *out = p;
    return 0;
}

/* What scoring.py asks of a tag, cached per tag object (lightcopy interns tag names). The cache holds
 * a reference to each tag it keys on, so a key is never a freed object's reused address. */
enum { T_PARAGRAPH = 1, T_HOLDER = 2, T_LI = 4, T_BODY = 8, T_PROSE = 16, T_ARTICLE = 32, T_DIV = 64, T_P = 128, T_GATHER = 256,
       T_HEADING = 512, T_H1 = 1024, T_LEAD = 2048, T_DROPPED = 4096, T_HEADER = 8192 };
#define TAG_SLOTS 256
static struct { PyObject *tag; int bits; long prior; } tag_cache[TAG_SLOTS];

static int tag_info(PyObject *el, int *bits, long *prior)
{
    PyObject *tag = SLOT(el, off_tag);
    if (!tag || !PyUnicode_CheckExact(tag)) return ODD;
    size_t h = ((uintptr_t)tag >> 4) & (TAG_SLOTS - 1);
    if (tag_cache[h].tag == tag) {
        *bits = tag_cache[h].bits;
        *prior = tag_cache[h].prior;
        return 0;
    }
    int b = 0, r;
    if ((r = PySet_Contains(paragraph_tags, tag)) < 0) return -1;
    if (r) b |= T_PARAGRAPH;
    if ((r = PySet_Contains(text_holders, tag)) < 0) return -1;
    if (r) b |= T_HOLDER;
    if ((r = PySet_Contains(prose_tags, tag)) < 0) return -1;
    if (r) b |= T_PROSE;
    if ((r = PySet_Contains(gather_tags, tag)) < 0) return -1;
    if (r) b |= T_GATHER;
    if (PyUnicode_CompareWithASCIIString(tag, "li") == 0) b |= T_LI;
    if (PyUnicode_CompareWithASCIIString(tag, "article") == 0) b |= T_ARTICLE;
    if (PyUnicode_CompareWithASCIIString(tag, "div") == 0) b |= T_DIV;
    if (PyUnicode_CompareWithASCIIString(tag, "p") == 0) b |= T_P;
    if (PyUnicode_CompareWithASCIIString(tag, "h1") == 0 || PyUnicode_CompareWithASCIIString(tag, "h2") == 0 ||
        PyUnicode_CompareWithASCIIString(tag, "h3") == 0)
        b |= T_HEADING;
    if (PyUnicode_CompareWithASCIIString(tag, "body") == 0) b |= T_BODY;
    /* stories._is_lead's tags: a standfirst's own, those it is never inside, a header's */
    if (PyUnicode_CompareWithASCIIString(tag, "h1") == 0) b |= T_H1;
    if ((r = PySet_Contains(lead_tags, tag)) < 0) return -1;
    if (r) b |= T_LEAD;
    if ((r = PySet_Contains(remove_tags, tag)) < 0) return -1;
    if (r || PyUnicode_CompareWithASCIIString(tag, "figure") == 0) b |= T_DROPPED;
    if (PyUnicode_CompareWithASCIIString(tag, "header") == 0 || PyUnicode_CompareWithASCIIString(tag, "hgroup") == 0)
        b |= T_HEADER;
    PyObject *pv = PyDict_GetItemWithError(tag_prior, tag);
    long pr = 0;
    if (pv) {
        if (!PyLong_Check(pv)) return ODD;
        pr = PyLong_AsLong(pv);
        if (pr == -1 && PyErr_Occurred()) return -1;
        if (pr > (1L << 40) || pr < -(1L << 40)) return ODD;
    } else if (PyErr_Occurred()) {
        return -1;
    }
    Py_INCREF(tag);
    Py_XSETREF(tag_cache[h].tag, tag);
    tag_cache[h].bits = *bits = b;
    tag_cache[h].prior = *prior = pr;
    return 0;
}

static void clear_tag_cache(void)
{
    for (int i = 0; i < TAG_SLOTS; i++) Py_CLEAR(tag_cache[i].tag);
}

/* The element's hint if it is a non-empty str (*out NULL when falsy), as scoring.py's `if el.hint`. */
static int hint_of(PyObject *el, PyObject **out)
{
    PyObject *h = SLOT(el, off_hint);
    if (!h) return ODD;
    if (h == Py_None || (PyUnicode_Check(h) && PyUnicode_GET_LENGTH(h) == 0)) { *out = NULL; return 0; }
    if (!PyUnicode_Check(h)) return ODD;
    *out = h;
    return 0;
}

/* scoring.class_weight, sharing its cache (_WEIGHTS) and the cache's size limit. */
static int class_weight(PyObject *el, long *out)
{
    PyObject *hint;
    int r = hint_of(el, &hint);
    if (r) return r;
    if (!hint) { *out = 0; return 0; }
    PyObject *w = PyDict_GetItemWithError(weights, hint);
    if (w) {
        int overflow;
        if (!PyLong_Check(w)) return ODD;
        *out = PyLong_AsLongAndOverflow(w, &overflow);
        if (*out == -1 && PyErr_Occurred()) return -1;
        return overflow || *out > (1L << 40) || *out < -(1L << 40) ? ODD : 0;
    }
    if (PyErr_Occurred()) return -1;
    int neg = search(&patterns[P_NEGATIVE], hint);
    if (neg < 0) return -1;
    int pos = search(&patterns[P_POSITIVE], hint);
    if (pos < 0) return -1;
    long v = (neg ? -25 : 0) + (pos ? 25 : 0);
    if (PyDict_GET_SIZE(weights) < weights_cap) {
        PyObject *pv = PyLong_FromLong(v);
        if (!pv) return -1;
        r = PyDict_SetItem(weights, hint, pv);
        Py_DECREF(pv);
        if (r < 0) return -1;
    }
    *out = v;
    return 0;
}

/* An El -> index map (open addressing; keys are borrowed: the caller keeps the elements alive). */
typedef struct { PyObject **keys; Py_ssize_t *vals; size_t mask, used; } Map;

static int map_init(Map *m, size_t want)
{
    size_t cap = 64;
    while (cap < 2 * want) cap <<= 1;
    m->keys = PyMem_Calloc(cap, sizeof(PyObject *));
    m->vals = PyMem_Malloc(cap * sizeof(Py_ssize_t));
    m->mask = cap - 1;
    m->used = 0;
    if (!m->keys || !m->vals) { PyMem_Free(m->keys); PyMem_Free(m->vals); m->keys = NULL; m->vals = NULL; PyErr_NoMemory(); return -1; }
    return 0;
}

static void map_free(Map *m) { PyMem_Free(m->keys); PyMem_Free(m->vals); m->keys = NULL; m->vals = NULL; }

static inline size_t map_slot(const Map *m, PyObject *key)
{
    size_t h = ((uintptr_t)key >> 4) * 0x9E3779B97F4A7C15ull;
    size_t i = (h >> 17) & m->mask;
    while (m->keys[i] && m->keys[i] != key) i = (i + 1) & m->mask;
    return i;
}

static Py_ssize_t map_get(const Map *m, PyObject *key) /* -1: absent */
{
    size_t i = map_slot(m, key);
    return m->keys[i] ? m->vals[i] : -1;
}

static int map_put(Map *m, PyObject *key, Py_ssize_t val)
{
    if (2 * (m->used + 1) > m->mask + 1) {
        Map bigger;
        if (map_init(&bigger, m->mask + 1) < 0) return -1;
        for (size_t i = 0; i <= m->mask; i++)
            if (m->keys[i]) {
                size_t j = map_slot(&bigger, m->keys[i]);
                bigger.keys[j] = m->keys[i];
                bigger.vals[j] = m->vals[i];
            }
        bigger.used = m->used;
        map_free(m);
        *m = bigger;
    }
    size_t i = map_slot(m, key);
    if (!m->keys[i]) m->used++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 0;
}

static const double *sort_scores; /* for by_score (qsort has no context argument) */

static int by_score(const void *a, const void *b)
{
    Py_ssize_t i = *(const Py_ssize_t *)a, j = *(const Py_ssize_t *)b;
    double x = sort_scores[i], y = sort_scores[j];
    if (x > y) return -1; /* best first; equal scores keep their order, as list.sort(reverse=True) does */
    if (x < y) return 1;
    return i < j ? -1 : i > j;
}

/* Mirrors scoring._candidates_python: _score, the link-density discount, the stable sort. */
static int score_texty(PyObject *texty, PyObject *scored, Map *seen, double **scores_out, Py_ssize_t *cap)
{
    double *scores = *scores_out;
    Py_ssize_t n = PyList_GET_SIZE(texty);
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *el = PyList_GET_ITEM(texty, t);
        if (Py_TYPE(el) != El_type) return ODD;
        int bits, r;
        long prior;
        long long direct, flag, text_len, link_len, punct, length;
        PyObject *holder;
        if ((r = int_slot(el, off_direct, &direct)) || (r = tag_info(el, &bits, &prior)) ||
            (r = int_slot(el, off_flag, &flag)) || (r = int_slot(el, off_text_len, &text_len)) ||
            (r = int_slot(el, off_punct, &punct)))
            return r;
        int leaf = !(flag & 1);
        if (bits & T_PARAGRAPH || (bits & T_HOLDER && leaf) || (bits & T_LI && leaf && text_len >= 150 && punct >= 2)) {
            length = text_len;
            if ((r = parent_of(el, &holder))) return r;
        } else if (bits & T_HOLDER && direct >= 25) {
            /* Text directly in a container among block children: a paragraph of the container itself. */
            length = direct;
            long long q = punct / 4 - (punct % 4 < 0); /* Python's // */
            punct = q > 1 ? q : 1;
            holder = el;
        } else {
            continue;
        }
        if (length < 25 || !holder) continue;
        if ((r = int_slot(el, off_link_len, &link_len))) return r;
        if ((double)link_len > 0.6 * (double)text_len && holder != el) continue;
        /* 1 + min(punct, 30) + min(length / 100, 3): an int plus a float, or three ints */
        double frac = (double)length / 100.0;
        double contribution = (double)(1 + (punct > 30 ? 30 : punct)) + (frac > 3.0 ? 3.0 : frac);
        PyObject *anc = holder;
        for (int level = 0; anc && level < 6; level++) {
            Py_ssize_t k = map_get(seen, anc);
            if (k < 0) {
                long weight;
                if ((r = tag_info(anc, &bits, &prior)) || (r = class_weight(anc, &weight))) return r;
                k = PyList_GET_SIZE(scored);
                if (k == *cap) {
                    Py_ssize_t ncap = *cap ? 2 * *cap : 64;
                    double *grown = PyMem_Realloc(scores, (size_t)ncap * sizeof(double));
                    if (!grown) { PyErr_NoMemory(); return -1; }
                    *scores_out = scores = grown;
                    *cap = ncap;
                }
                if (PyList_Append(scored, anc) < 0 || map_put(seen, anc, k) < 0) return -1;
                scores[k] = (double)(prior + weight);
            }
            scores[k] += contribution / (level == 0 ? 1.0 : level == 1 ? 2.0 : (double)(level * 3));
            if ((r = parent_of(anc, &anc))) return r;
        }
    }
    return 0;
}

static PyObject *py_candidates(PyObject *self, PyObject *texty)
{
    (void)self;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyList_CheckExact(texty)) Py_RETURN_NOTIMPLEMENTED;
    PyObject *scored = PyList_New(0), *out = NULL;
    double *scores = NULL;
    Py_ssize_t cap = 0, *order = NULL;
    Map seen;
    if (!scored || map_init(&seen, 64) < 0) { Py_XDECREF(scored); return NULL; }
    int r = score_texty(texty, scored, &seen, &scores, &cap);
    map_free(&seen);
    if (r == ODD) { Py_DECREF(scored); PyMem_Free(scores); Py_RETURN_NOTIMPLEMENTED; }
    if (r < 0) goto done;
    Py_ssize_t n = PyList_GET_SIZE(scored);
    for (Py_ssize_t i = 0; i < n; i++) { /* score *= 1 - link_density */
        PyObject *c = PyList_GET_ITEM(scored, i);
        long long tl, ll;
        if ((r = int_slot(c, off_text_len, &tl)) || (r = int_slot(c, off_link_len, &ll))) break;
        scores[i] *= 1.0 - (tl ? (double)ll / (double)tl : 0.0);
    }
    if (r == ODD) { Py_DECREF(scored); PyMem_Free(scores); Py_RETURN_NOTIMPLEMENTED; }
    if (r < 0) goto done;
    order = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
    if (!order) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < n; i++) order[i] = i;
    sort_scores = scores;
    qsort(order, (size_t)n, sizeof(Py_ssize_t), by_score);
    if (!(out = PyList_New(n))) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(scored, order[i]);
        PyObject *f = PyFloat_FromDouble(scores[order[i]]);
        if (!f) { Py_CLEAR(out); goto done; }
        Py_XSETREF(SLOT(c, off_score), f);
        Py_INCREF(c);
        PyList_SET_ITEM(out, i, c);
    }
done:
    Py_DECREF(scored);
    PyMem_Free(scores);
    PyMem_Free(order);
    return out;
}

/* ---- comments, prose ------------------------------------------------------------------------------ */

/* scoring._in_comments for each candidate in turn, sharing the answers of ancestors already walked. */
static PyObject *py_comment_free(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cands;
    long long page_len;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "O!L", &PyList_Type, &cands, &page_len)) return NULL;
    if (page_len > (1LL << 53) || page_len < -(1LL << 53)) Py_RETURN_NOTIMPLEMENTED;
    double limit = 0.8 * (double)page_len;
    PyObject *out = PyList_New(0);
    PyObject **walked = NULL;
    Py_ssize_t nwalked = 0, wcap = 0;
    Map seen;
    if (!out || map_init(&seen, 64) < 0) { Py_XDECREF(out); return NULL; }
    int r = 0;
    Py_ssize_t n = PyList_GET_SIZE(cands);
    for (Py_ssize_t c = 0; c < n && r == 0; c++) {
        PyObject *el = PyList_GET_ITEM(cands, c);
        if (Py_TYPE(el) != El_type) { r = ODD; break; }
        int found = 0;
        nwalked = 0;
        PyObject *anc = el;
        while (anc) {
            int bits;
            long prior;
            if ((r = tag_info(anc, &bits, &prior))) break;
            if (bits & T_BODY) break;
            Py_ssize_t known = map_get(&seen, anc);
            if (known >= 0) { found = (int)known; break; }
            if (nwalked == wcap) {
                Py_ssize_t ncap = wcap ? 2 * wcap : 32;
                PyObject **grown = PyMem_Realloc(walked, (size_t)ncap * sizeof(PyObject *));
                if (!grown) { PyErr_NoMemory(); r = -1; break; }
                walked = grown;
                wcap = ncap;
            }
            walked[nwalked++] = anc;
            PyObject *hint;
            long long tl;
            if ((r = hint_of(anc, &hint))) break;
            if (hint) {
                int says = search(&patterns[P_COMMENT], hint);
                if (says < 0) { r = -1; break; }
                if (says) {
                    if ((r = int_slot(anc, off_text_len, &tl))) break;
                    if ((double)tl < limit) { found = 1; break; }
                }
            }
            if ((r = parent_of(anc, &anc))) break;
        }
        for (Py_ssize_t i = 0; r == 0 && i < nwalked; i++)
            if (map_put(&seen, walked[i], found) < 0) r = -1;
        if (r == 0 && !found && PyList_Append(out, el) < 0) r = -1;
    }
    map_free(&seen);
    PyMem_Free(walked);
    if (r == 0) return out;
    Py_DECREF(out);
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}

/* Push an element on a walk's stack, doubling it when full: 0, or -1 with MemoryError set. */
static int push(PyObject ***stack, Py_ssize_t *sp, Py_ssize_t *cap, PyObject *e)
{
    if (*sp == *cap) {
        PyObject **grown = PyMem_Realloc(*stack, (size_t)(2 * *cap) * sizeof(PyObject *));
        if (!grown) { PyErr_NoMemory(); return -1; }
        *stack = grown;
        *cap *= 2;
    }
    (*stack)[(*sp)++] = e;
    return 0;
}

/* scoring._prose of one element: 0 with *total, ODD or -1. */
static int prose(PyObject *root, long long *total)
{
    PyObject **stack = PyMem_Malloc(64 * sizeof(PyObject *));
    Py_ssize_t sp = 0, cap = 64;
    int r = 0;
    if (!stack) { PyErr_NoMemory(); return -1; }
    stack[sp++] = root;
    *total = 0;
    while (sp && r == 0) {
        PyObject *e = stack[--sp], *hint;
        int bits;
        long prior;
        long long flag, punct, tl, ll;
        if ((r = hint_of(e, &hint))) break;
        if (hint) {
            int says = search(&patterns[P_STRONG], hint);
            if (says == 0) says = search(&patterns[P_COMMENT], hint);
            if (says < 0) { r = -1; break; }
            if (says) continue;
        }
        if ((r = tag_info(e, &bits, &prior))) break;
        if (!(bits & T_PROSE) && (r = int_slot(e, off_flag, &flag))) break;
        if (bits & T_PROSE || !(flag & 1)) {
            if ((r = int_slot(e, off_punct, &punct))) break;
            if (punct) {
                if ((r = int_slot(e, off_link_len, &ll)) || (r = int_slot(e, off_text_len, &tl))) break;
                if ((double)ll < 0.5 * (double)tl) *total += tl - ll;
            }
            continue;
        }
        PyObject *children = SLOT(e, off_children);
        if (!children || !PyList_CheckExact(children)) { r = ODD; break; }
        Py_ssize_t n = PyList_GET_SIZE(children);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *c = PyList_GET_ITEM(children, i);
            if (Py_TYPE(c) != El_type) continue;
            if (push(&stack, &sp, &cap, c) < 0) { r = -1; break; }
        }
    }
    PyMem_Free(stack);
    return r;
}

/* sum(_prose(c) for c in parent.children if type(c) is El and c is not skip) */
static PyObject *py_prose(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *parent, *skip = Py_None;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "O|O", &parent, &skip)) return NULL;
    if (Py_TYPE(parent) != El_type) Py_RETURN_NOTIMPLEMENTED;
    PyObject *children = SLOT(parent, off_children);
    if (!children || !PyList_CheckExact(children)) Py_RETURN_NOTIMPLEMENTED;
    /* The tree is not changed while this runs (no Python code runs but `re`), so borrowed items hold. */
    long long sum = 0, one;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i);
        if (Py_TYPE(c) != El_type || c == skip) continue;
        int r = prose(c, &one);
        if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
        if (r < 0) return NULL;
        sum += one;
    }
    return PyLong_FromLongLong(sum);
}

/* ---- after the candidates: split parts, climb, gather, headings (in _scorefast_found.h) --------------- */

#include "_scorefast_found.h"

/* ---- the standfirst: stories.find_lead, stories.lead_in (in _scorefast_lead.h) -------------------------- */

#include "_scorefast_lead.h"

static PyObject *py_search(PyObject *self, PyObject *args)
{
    (void)self;
    int which;
    PyObject *s;
    if (!PyArg_ParseTuple(args, "iO", &which, &s)) return NULL;
    if (which < 0 || which >= n_patterns || !patterns[which].regex) {
        PyErr_SetString(PyExc_ValueError, "no such pattern (was _scorefast.init() called?)");
        return NULL;
    }
    int r = search(&patterns[which], s);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

static PyObject *py_compiled(PyObject *self, PyObject *arg)
{
    (void)self;
    long which = PyLong_AsLong(arg);
    if (which == -1 && PyErr_Occurred()) return NULL;
    if (which < 0 || which >= n_patterns) { PyErr_SetString(PyExc_ValueError, "no such pattern"); return NULL; }
    return PyBool_FromLong(patterns[which].alts != NULL);
}

/* ---- init ----------------------------------------------------------------------------------------- */

static PyObject *py_init(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cls, *pats, *prior, *para, *holders, *prose_set, *gather_set, *ends, *wdict, *removes, *leads;
    Py_ssize_t cap;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!O!O!O!nO!O!", &PyType_Type, &cls, &PyTuple_Type, &pats, &PyDict_Type, &prior,
                          &PyFrozenSet_Type, &para, &PyFrozenSet_Type, &holders, &PyFrozenSet_Type, &prose_set,
                          &PyFrozenSet_Type, &gather_set, &PyTuple_Type, &ends, &PyDict_Type, &wdict, &cap,
                          &PyFrozenSet_Type, &removes, &PyFrozenSet_Type, &leads))
        return NULL;
    if (!lead_hints && !(lead_hints = PyDict_New())) return NULL;
    if (!str_text && !(str_text = PyUnicode_InternFromString("text"))) return NULL;
    if (!str_endswith && !(str_endswith = PyUnicode_InternFromString("endswith"))) return NULL;
    if (!long_one && !(long_one = PyLong_FromLong(1))) return NULL;
    if (PyTuple_GET_SIZE(pats) < N_FIXED || PyTuple_GET_SIZE(pats) > N_PATTERNS) {
        PyErr_SetString(PyExc_TypeError, "init() wants (NEGATIVE, POSITIVE, STRONG_NEGATIVE, COMMENT, up to 8 more) hint patterns");
        return NULL;
    }
    Py_ssize_t offs[10];
    static const char *const names[10] = {"tag", "hint", "parent", "children", "score", "text_len", "link_len", "punct", "flag", "direct"};
    for (int i = 0; i < 10; i++)
        if ((offs[i] = slot_offset(cls, names[i])) < 0) return NULL;
    n_patterns = 0;
    for (int i = 0; i < (int)PyTuple_GET_SIZE(pats); i++)
        if (compile_pattern(&patterns[i], PyTuple_GET_ITEM(pats, i)) < 0) return NULL;
    n_patterns = (int)PyTuple_GET_SIZE(pats);
    off_tag = offs[0]; off_hint = offs[1]; off_parent = offs[2]; off_children = offs[3]; off_score = offs[4];
    off_text_len = offs[5]; off_link_len = offs[6]; off_punct = offs[7]; off_flag = offs[8]; off_direct = offs[9];
    clear_tag_cache();
    Py_INCREF(cls); Py_XSETREF(El_type, (PyTypeObject *)cls);
    Py_INCREF(prior); Py_XSETREF(tag_prior, prior);
    Py_INCREF(para); Py_XSETREF(paragraph_tags, para);
    Py_INCREF(holders); Py_XSETREF(text_holders, holders);
    Py_INCREF(prose_set); Py_XSETREF(prose_tags, prose_set);
    Py_INCREF(gather_set); Py_XSETREF(gather_tags, gather_set);
    Py_INCREF(ends); Py_XSETREF(sentence_ends, ends);
    Py_INCREF(wdict); Py_XSETREF(weights, wdict);
    weights_cap = cap;
    Py_INCREF(removes); Py_XSETREF(remove_tags, removes);
    Py_INCREF(leads); Py_XSETREF(lead_tags, leads);
    PyDict_Clear(lead_hints); /* (what the patterns answered: they may have changed) */
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", py_init, METH_VARARGS,
     "init(El, (NEGATIVE, POSITIVE, STRONG_NEGATIVE, COMMENT, ...), tag_prior, paragraph_tags, text_holders, prose_tags, "
     "gather_tags, sentence_ends, weights, weights_cap, remove_tags, lead_tags)"},
    {"split_top", py_split_top, METH_VARARGS, "split_top(top, candidates): scoring._split_top_python"},
    {"climb", py_climb, METH_VARARGS, "climb(top, story, article_count): scoring._climb_python"},
    {"gather", py_gather, METH_O, "gather(top): scoring.gather_python"},
    {"headings", py_headings, METH_VARARGS, "headings(root, texty, size): stories.title_headings"},
    {"leads", py_leads, METH_O, "leads(parts): stories.find_lead"},
    {"lead_in", py_lead_in, METH_O, "lead_in(header): stories.lead_in"},
    {"candidates", py_candidates, METH_O, "candidates(texty): the scored containers, best first (scoring._candidates_python)"},
    {"comment_free", py_comment_free, METH_VARARGS, "comment_free(candidates, page_len): those not inside a comment thread"},
    {"prose", py_prose, METH_VARARGS, "prose(parent, skip=None): sum of scoring._prose over parent's El children but skip"},
    {"search", py_search, METH_VARARGS, "search(i, s): whether hint pattern i (init() order) matches in s"},
    {"compiled", py_compiled, METH_O, "compiled(i): whether hint pattern i runs in C (else through re)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scorefast", "The hot paths of scoring.py, in C.", -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__scorefast(void) { return PyModule_Create(&module); }
