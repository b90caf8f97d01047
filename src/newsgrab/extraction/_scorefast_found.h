/* What find_article does once the candidates are scored: split_top(), climb(), gather(), and
 * stories.title_headings (headings()).
 *
 * Part of _scorefast.c, which includes it: one translation unit, so these functions see its statics (the
 * tree readers, Map, the patterns) and it sees these. Kept apart for size; built only through _scorefast.c. */

/* ---- after the candidates: split parts, climb, gather ----------------------------------------------- */

/* An element's score as a double: scores are floats once scored, 0.0 from El() before (else ODD). */
static int score_of(PyObject *el, double *out)
{
    PyObject *v = SLOT(el, off_score);
    if (!v || !PyFloat_CheckExact(v)) return ODD;
    *out = PyFloat_AS_DOUBLE(v);
    return 0;
}

/* Is `anc` a proper ancestor of `el`? 1, 0, ODD or -1. */
static int below(PyObject *el, PyObject *anc)
{
    PyObject *p;
    int r;
    if ((r = parent_of(el, &p))) return r;
    while (p) {
        if (p == anc) return 1;
        if ((r = parent_of(p, &p))) return r;
    }
    return 0;
}

#define CHECK(call) do { if ((r = (call)) != 0) goto fail; } while (0)

/* scoring._split_top_python */
static PyObject *py_split_top(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *top, *cands, *strong[5], *anc;
    int r = 0, ns = 0, bits;
    long prior;
    double ts, cs;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "OO!", &top, &PyList_Type, &cands)) return NULL;
    if (Py_TYPE(top) != El_type) Py_RETURN_NOTIMPLEMENTED;
    CHECK(score_of(top, &ts));
    for (Py_ssize_t i = 1; i < 6 && i < PyList_GET_SIZE(cands); i++) {
        PyObject *c = PyList_GET_ITEM(cands, i);
        if (Py_TYPE(c) != El_type) { r = ODD; goto fail; }
        CHECK(score_of(c, &cs));
        if (!(cs >= 0.75 * ts)) continue;
        if ((r = below(top, c)) != 0) { if (r == 1) continue; goto fail; }  /* c holds top */
        if ((r = below(c, top)) != 0) { if (r == 1) continue; goto fail; }  /* top holds c */
        strong[ns++] = c;
    }
    if (ns >= 2) {
        CHECK(parent_of(top, &anc));
        for (; anc; ) {
            CHECK(tag_info(anc, &bits, &prior));
            if (bits & T_BODY) break;
            int holds = 0;
            for (int k = 0; k < ns; k++) {
                if ((r = below(strong[k], anc)) < 0 || r == ODD) goto fail;
                holds += r;
            }
            r = 0;
            if (holds >= 2) { Py_INCREF(anc); return anc; }
            CHECK(parent_of(anc, &anc));
        }
    }
    Py_INCREF(top);
    return top;
fail:
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}

/* scoring._element_children: El children, or 99 when the element holds text of its own. */
static int element_children(PyObject *el, long *out)
{
    PyObject *children = SLOT(el, off_children);
    if (!children || !PyList_CheckExact(children)) return ODD;
    long n = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i);
        if (Py_TYPE(c) == El_type) { n++; continue; }
        if (!PyUnicode_Check(c)) return ODD;
        int kind = PyUnicode_KIND(c);
        const void *data = PyUnicode_DATA(c);
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(c); j++)
            if (!Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, j))) { *out = 99; return 0; } /* c.strip() */
    }
    *out = n;
    return 0;
}

/* scoring._climb_python */
static PyObject *py_climb(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *top, *story, *article_count, *parent, *hint;
    int r = 0, bits;
    long prior;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "OOO", &top, &story, &article_count)) return NULL;
    if (Py_TYPE(top) != El_type) Py_RETURN_NOTIMPLEMENTED;
    for (int step = 0; step < 8; step++) {
        CHECK(parent_of(top, &parent));
        if (!parent) break;
        CHECK(tag_info(parent, &bits, &prior));
        if (bits & T_BODY) break;
        CHECK(hint_of(parent, &hint));
        if (hint) {
            int says = search(&patterns[P_STRONG], hint);
            if (says < 0) return NULL;
            if (says) break;
        }
        if (top == story) break;
        CHECK(tag_info(top, &bits, &prior));
        if (bits & T_ARTICLE) {
            int one = PyObject_RichCompareBool(article_count, long_one, Py_EQ);
            if (one < 0) return NULL;
            if (one) break;
        }
        long long ptl, ttl, pll, tll, added = 0, one_prose;
        CHECK(int_slot(parent, off_text_len, &ptl));
        CHECK(int_slot(top, off_text_len, &ttl));
        CHECK(int_slot(parent, off_link_len, &pll));
        CHECK(int_slot(top, off_link_len, &tll));
        long long extra = ptl - ttl, extra_links = pll - tll;
        if (extra > 60) {
            PyObject *children = SLOT(parent, off_children);
            if (!children || !PyList_CheckExact(children)) { r = ODD; goto fail; }
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
                PyObject *c = PyList_GET_ITEM(children, i);
                if (Py_TYPE(c) != El_type || c == top) continue;
                CHECK(prose(c, &one_prose));
                added += one_prose;
            }
            if ((double)extra_links > 0.3 * (double)extra || (double)added < 0.5 * (double)(extra - extra_links)) break;
        }
        top = parent;
    }
    for (;;) { /* a lone child wraps nothing: its parent */
        long n;
        CHECK(parent_of(top, &parent));
        if (!parent) break;
        CHECK(tag_info(parent, &bits, &prior));
        if (bits & T_BODY) break;
        CHECK(element_children(parent, &n));
        if (n != 1) break;
        top = parent;
    }
    Py_INCREF(top);
    return top;
fail:
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}

/* scoring.gather_python */
static PyObject *py_gather(PyObject *self, PyObject *top)
{
    (void)self;
    PyObject *parent, *out = NULL, *top_hint, *children;
    int r = 0, bits;
    long prior;
    double ts;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (Py_TYPE(top) != El_type) Py_RETURN_NOTIMPLEMENTED;
    CHECK(parent_of(top, &parent));
    if (!parent) {
        if (!(out = PyList_New(1))) return NULL;
        Py_INCREF(top);
        PyList_SET_ITEM(out, 0, top);
        return out;
    }
    CHECK(score_of(top, &ts));
    double x = ts * 0.2, threshold = x > 10.0 ? x : 10.0; /* max(10.0, top.score * 0.2) */
    CHECK(hint_of(top, &top_hint));
    children = SLOT(parent, off_children);
    if (!children || !PyList_CheckExact(children)) { r = ODD; goto fail; }
    /* El.text() below is Python code: iterate a copy of the children, and hold top's hint. */
    if (!(children = PyList_GetSlice(children, 0, PY_SSIZE_T_MAX))) return NULL;
    if (!(out = PyList_New(0))) { Py_DECREF(children); return NULL; }
    Py_XINCREF(top_hint);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *sib = PyList_GET_ITEM(children, i), *sib_hint;
        if (Py_TYPE(sib) != El_type) continue;
        if (sib == top) {
            if (PyList_Append(out, sib) < 0) { r = -1; break; }
            continue;
        }
        if (!(sib_hint = SLOT(sib, off_hint))) { r = ODD; break; }
        double bonus = 0.0, ss;
        if (top_hint) {
            int same = PyObject_RichCompareBool(sib_hint, top_hint, Py_EQ);
            if (same < 0) { r = -1; break; }
            if (same) bonus = ts * 0.2;
        }
        if ((r = score_of(sib, &ss))) break;
        int take = 0;
        if (ss != 0.0 && ss + bonus >= threshold) {
            int negative = search(&patterns[P_STRONG], sib_hint);
            if (negative < 0) { r = -1; break; }
            take = !negative;
        }
        if (take) {
            if (PyList_Append(out, sib) < 0) { r = -1; break; }
            continue;
        }
        long long flag = 0, tl, ll;
        long weight;
        if ((r = tag_info(sib, &bits, &prior))) break;
        if (!(bits & T_GATHER)) {
            if (!(bits & T_DIV)) continue;
            if ((r = int_slot(sib, off_flag, &flag))) break;
            if (flag & 1) continue;
        }
        if ((r = int_slot(sib, off_link_len, &ll)) || (r = int_slot(sib, off_text_len, &tl))) break;
        double ld = tl ? (double)ll / (double)tl : 0.0;
        if ((r = class_weight(sib, &weight))) break;
        if (weight < 0) continue;
        if (tl > 80 && ld < 0.25) {
            take = 1;
        } else if (0 < tl && tl <= 80 && ld == 0.0 && bits & T_P) {
            PyObject *text = PyObject_CallMethodNoArgs(sib, str_text);
            PyObject *ends = text ? PyObject_CallMethodOneArg(text, str_endswith, sentence_ends) : NULL;
            Py_XDECREF(text);
            if (!ends) { r = -1; break; }
            take = PyObject_IsTrue(ends);
            Py_DECREF(ends);
            if (take < 0) { r = -1; break; }
        }
        if (take && PyList_Append(out, sib) < 0) { r = -1; break; }
    }
    Py_DECREF(children);
    Py_XDECREF(top_hint);
    if (r == 0) return out;
fail:
    Py_XDECREF(out);
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}

/* Append `el` to `out` if it is a heading whose length is in [lo, hi]: 0, ODD or -1. */
static int near_heading(PyObject *el, double lo, double hi, PyObject *out)
{
    int bits, r;
    long prior;
    long long tl;
    if ((r = tag_info(el, &bits, &prior))) return r;
    if (!(bits & T_HEADING)) return 0;
    if ((r = int_slot(el, off_text_len, &tl))) return r;
    if (lo <= (double)tl && (double)tl <= hi) return PyList_Append(out, el);
    return 0;
}

/* stories.title_headings: the h1-h3 near a title's length, from texty, or from a pre-order walk. */
static PyObject *py_headings(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *root, *texty, *out, **stack = NULL;
    long long size;
    int r = 0;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "OO!L", &root, &PyList_Type, &texty, &size)) return NULL;
    if (Py_TYPE(root) != El_type || size > (1LL << 53) || size < 0) Py_RETURN_NOTIMPLEMENTED;
    double lo = 0.7 * (double)size, hi = 1.5 * (double)size + 10.0;
    if (!(out = PyList_New(0))) return NULL;
    if (size >= 36) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texty) && r == 0; i++) {
            PyObject *el = PyList_GET_ITEM(texty, i);
            r = Py_TYPE(el) != El_type ? ODD : near_heading(el, lo, hi, out);
        }
    } else { /* El.iter(): pre-order, children in document order */
        Py_ssize_t sp = 0, cap = 256;
        if (!(stack = PyMem_Malloc((size_t)cap * sizeof(PyObject *)))) { Py_DECREF(out); return PyErr_NoMemory(); }
        stack[sp++] = root;
        while (sp && r == 0) {
            PyObject *el = stack[--sp], *children;
            if ((r = near_heading(el, lo, hi, out))) break;
            children = SLOT(el, off_children);
            if (!children || !PyList_CheckExact(children)) { r = ODD; break; }
            for (Py_ssize_t i = PyList_GET_SIZE(children) - 1; i >= 0; i--) {
                PyObject *c = PyList_GET_ITEM(children, i);
                if (Py_TYPE(c) != El_type) continue;
                if (push(&stack, &sp, &cap, c) < 0) { r = -1; break; }
            }
        }
        PyMem_Free(stack);
    }
    if (r == 0) return out;
    Py_DECREF(out);
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}
