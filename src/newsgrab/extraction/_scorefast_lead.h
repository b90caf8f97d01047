/* The standfirst: stories.find_lead (leads()) and stories.lead_in (lead_in()).
 *
 * Part of _scorefast.c, which includes it: one translation unit, so these functions see its statics (the
 * tree readers, Map, the patterns) and it sees these. Kept apart for size; built only through _scorefast.c. */

/* ---- the standfirst: stories.find_lead, stories.lead_in ---------------------------------------------- */

enum { P_LEAD = 4, P_UNLIKELY_STRONG = 6 }; /* hints.PATTERNS order */
static PyObject *lead_hints; /* hint -> stories._lead_hint's answer (its lru_cache), cleared by init() */
#define LEAD_HINTS_CAP 5000

/* stories._lead_hint into *says (1 lead, -2 never text, -1 leans to boilerplate, 0 neither): 0 or -1. */
static int lead_hint(PyObject *hint, int *says)
{
    int cached = PyUnicode_CheckExact(hint); /* (a str subclass could run code when hashed) */
    PyObject *v = cached ? PyDict_GetItemWithError(lead_hints, hint) : NULL;
    if (v) { *says = (int)PyLong_AsLong(v); return 0; }
    if (PyErr_Occurred()) return -1;
    int m = search(&patterns[P_LEAD], hint), s = 1;
    if (m == 0) { m = search(&patterns[P_UNLIKELY_STRONG], hint); s = -2; }
    if (m == 0) { m = search(&patterns[P_NEGATIVE], hint); s = -1; }
    if (m < 0) return -1;
    *says = m ? s : 0;
    if (cached) {
        if (PyDict_GET_SIZE(lead_hints) >= LEAD_HINTS_CAP) PyDict_Clear(lead_hints); /* (a new site's hints) */
        PyObject *pv = PyLong_FromLong(*says); /* (a small int: no allocation) */
        int r = pv ? PyDict_SetItem(lead_hints, hint, pv) : -1;
        Py_XDECREF(pv);
        if (r < 0) return -1;
    }
    return 0;
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* A growing array of borrowed elements and their tag_info bits (the tree is not changed while these run:
 * no Python code runs but `re`). */
typedef struct { PyObject *el; int bits; } Item;
typedef struct { Item *at; Py_ssize_t n, cap; } Items;

static inline int items_push(Items *a, PyObject *e, int bits)
{
    if (a->n == a->cap) {
        Py_ssize_t cap = a->cap ? 2 * a->cap : 512;
        Item *grown = PyMem_Realloc(a->at, (size_t)cap * sizeof(Item));
        if (!grown) { PyErr_NoMemory(); return -1; }
        a->at = grown;
        a->cap = cap;
    }
    a->at[a->n].el = e;
    a->at[a->n++].bits = bits;
    return 0;
}

/* Append el.iter() to `seq`: the subtree in pre-order, children in document order. 0, ODD or -1. */
static int subtree(PyObject *el, Items *seq, Items *stack)
{
    int bits, r;
    long prior;
    stack->n = 0;
    if (items_push(stack, el, 0) < 0) return -1;
    while (stack->n) {
        PyObject *e = stack->at[--stack->n].el, *children = SLOT(e, off_children);
        if ((r = tag_info(e, &bits, &prior)) || (r = items_push(seq, e, bits))) return r;
        if (!children || !PyList_CheckExact(children)) return ODD;
        for (Py_ssize_t i = PyList_GET_SIZE(children) - 1; i >= 0; i--) {
            PyObject *c = PyList_GET_ITEM(children, i);
            if (Py_TYPE(c) != El_type) continue;
            if (items_push(stack, c, 0) < 0) return -1;
            /* (A fresh tree is mostly out of the CPU's caches: fetch the siblings' child lists together,
             * not one after the other as the walk reaches them.) */
            PREFETCH(SLOT(c, off_children));
        }
    }
    return 0;
}

/* The position of the last <h1> of seq, or -1. */
static Py_ssize_t last_h1(const Items *seq)
{
    Py_ssize_t i = seq->n - 1;
    while (i >= 0 && !(seq->at[i].bits & T_H1)) i--;
    return i;
}

/* stories._is_lead (`bits`: el's tag_info): 1, 0, ODD or -1. The walk up stops at an element of `roots`
 * (a set), or at `root`. */
static int is_lead(PyObject *el, int bits, PyObject *root, const Map *roots, int after_h1)
{
    int r, says, hinted = 0, in_header = 0;
    long prior;
    long long tl, ll, flag;
    PyObject *hint, *anc = el;
    if (!(bits & T_LEAD)) return 0;
    if ((r = int_slot(el, off_text_len, &tl))) return r;
    if (tl < 80) return 0; /* _MIN_LEAD */
    if ((r = int_slot(el, off_link_len, &ll))) return r;
    if ((double)ll > 0.3 * (double)tl) return 0;
    if ((r = int_slot(el, off_flag, &flag))) return r;
    int box = (flag & 1) != 0; /* holds paragraphs: a lead box only if it says so itself (_MAX_LEAD_BOX) */
    if (box) {
        if (tl > 2000) return 0;
        if ((r = hint_of(el, &hint))) return r;
        if (!hint) return 0;
        if ((r = lead_hint(hint, &says))) return r;
        if (says != 1) return 0;
    }
    while (anc) {
        if (anc != el && (r = tag_info(anc, &bits, &prior))) return r;
        if (bits & T_DROPPED) return 0;
        if ((r = hint_of(anc, &hint))) return r;
        if (hint) {
            if ((r = lead_hint(hint, &says))) return r;
            if (says == 1) hinted = 1;
            else if (says < 0 && (!hinted || says == -2)) return 0;
        }
        if (bits & T_HEADER) in_header = 1;
        if (roots ? map_get(roots, anc) >= 0 : anc == root) break;
        if ((r = parent_of(anc, &anc))) return r;
    }
    return hinted || (in_header && after_h1 && !box);
}

/* stories._leads(seq[from:], roots, after_h1), appended to `out`: 0, ODD or -1. */
static int leads_of(const Items *seq, Py_ssize_t from, PyObject *root, const Map *roots, int after_h1, PyObject *out)
{
    Map taken = {NULL, NULL, 0, 0}; /* the leads taken and what is inside them (made at the first lead) */
    int r = 0;
    for (Py_ssize_t i = from; i < seq->n && r == 0; i++) {
        PyObject *e = seq->at[i].el, *parent;
        if (taken.keys) {
            if ((r = parent_of(e, &parent))) break;
            if (parent && map_get(&taken, parent) >= 0) { r = map_put(&taken, e, 1); continue; }
        }
        if ((r = is_lead(e, seq->at[i].bits, root, roots, after_h1)) <= 0) continue; /* (0: no; ODD, -1: stop) */
        r = PyList_Append(out, e);
        if (r == 0 && !taken.keys) r = map_init(&taken, 16);
        if (r == 0) r = map_put(&taken, e, 1);
    }
    map_free(&taken);
    return r;
}

/* The first three items of `found` (a new list, `found` released), or NULL. */
static PyObject *first_three(PyObject *found)
{
    PyObject *out = PyList_GetSlice(found, 0, 3);
    Py_DECREF(found);
    return out;
}

/* stories.find_lead: the leads before parts[0], closest levels first, up to 4 levels or an <h1>. */
static PyObject *py_leads(PyObject *self, PyObject *parts)
{
    (void)self;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (!PyList_CheckExact(parts) || n_patterns <= P_UNLIKELY_STRONG) Py_RETURN_NOTIMPLEMENTED;
    if (PyList_GET_SIZE(parts) == 0) return PyList_New(0);
    PyObject *node = PyList_GET_ITEM(parts, 0), *parent, *levels[4] = {NULL}, *found = NULL;
    Items before = {NULL, 0, 0}, walked = {NULL, 0, 0}, seq = {NULL, 0, 0}, stack = {NULL, 0, 0};
    Py_ssize_t *starts = NULL, nstarts = 0, h1 = -1;
    Map roots = {NULL, NULL, 0, 0};
    int r = 0, bits, nlevels = 0;
    long prior;
    if (Py_TYPE(node) != El_type) Py_RETURN_NOTIMPLEMENTED;
    for (; nlevels < 4 && h1 < 0; nlevels++) {
        CHECK(parent_of(node, &parent));
        if (!parent) break;
        CHECK(tag_info(node, &bits, &prior));
        if (bits & T_BODY) break;
        PyObject *children = SLOT(parent, off_children);
        if (!children || !PyList_CheckExact(children)) { r = ODD; goto fail; }
        before.n = walked.n = seq.n = 0;
        map_free(&roots);
        if (map_init(&roots, 64) < 0) { r = -1; goto fail; }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) { /* the element siblings before node */
            PyObject *c = PyList_GET_ITEM(children, i);
            if (c == node) break;
            if (Py_TYPE(c) != El_type) continue;
            if (items_push(&before, c, 0) < 0 || map_put(&roots, c, 1) < 0) { r = -1; goto fail; }
        }
        /* The subtrees of the nearest siblings, nearest first, until more than _LEAD_SCAN (400) elements... */
        PyMem_Free(starts);
        if (!(starts = PyMem_Malloc((size_t)(before.n + 1) * sizeof(Py_ssize_t)))) { PyErr_NoMemory(); r = -1; goto fail; }
        nstarts = 0;
        for (Py_ssize_t k = before.n - 1; k >= 0 && walked.n <= 400; k--) {
            starts[nstarts++] = walked.n;
            CHECK(subtree(before.at[k].el, &walked, &stack));
        }
        starts[nstarts] = walked.n;
        /* ...then in document order: the farthest subtree first */
        for (Py_ssize_t s = nstarts - 1; s >= 0; s--)
            for (Py_ssize_t i = starts[s]; i < starts[s + 1]; i++)
                if (items_push(&seq, walked.at[i].el, walked.at[i].bits) < 0) { r = -1; goto fail; }
        h1 = last_h1(&seq);
        if (!(levels[nlevels] = PyList_New(0))) { r = -1; goto fail; }
        CHECK(leads_of(&seq, h1 + 1, NULL, &roots, h1 >= 0, levels[nlevels]));
        node = parent;
    }
    /* found = the outermost level's leads + ... + the innermost's */
    if (!(found = PyList_New(0))) { r = -1; goto fail; }
    for (int k = nlevels - 1; k >= 0; k--)
        if (PyList_SetSlice(found, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, levels[k]) < 0) { r = -1; goto fail; }
fail:
    for (int k = 0; k < 4; k++) Py_XDECREF(levels[k]);
    PyMem_Free(before.at); PyMem_Free(walked.at); PyMem_Free(seq.at); PyMem_Free(stack.at); PyMem_Free(starts);
    map_free(&roots);
    if (r == 0) return first_three(found);
    Py_XDECREF(found);
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}

/* stories.lead_in: the leads in a <header>, after its last <h1> if it has one. */
static PyObject *py_lead_in(PyObject *self, PyObject *header)
{
    (void)self;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_scorefast.init() was not called"); return NULL; }
    if (Py_TYPE(header) != El_type || n_patterns <= P_UNLIKELY_STRONG) Py_RETURN_NOTIMPLEMENTED;
    Items seq = {NULL, 0, 0}, stack = {NULL, 0, 0};
    Py_ssize_t h1 = -1;
    PyObject *found = PyList_New(0);
    int r = found ? 0 : -1;
    if (r == 0) r = subtree(header, &seq, &stack);
    if (r == 0) h1 = last_h1(&seq);
    if (r == 0) r = leads_of(&seq, h1 + 1, header, NULL, h1 >= 0, found);
    PyMem_Free(seq.at);
    PyMem_Free(stack.at);
    if (r == 0) return first_three(found);
    Py_XDECREF(found);
    if (r == ODD) Py_RETURN_NOTIMPLEMENTED;
    return NULL;
}
