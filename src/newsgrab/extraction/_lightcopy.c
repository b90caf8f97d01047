/* The light-tree copy of dom.py, in C.
 *
 * dom._copy walks lexbor's tree through selectolax: every child costs a Python node wrapper, a tag
 * lookup and an attribute dict, about 2 ms on a typical news page, three times the parse itself.
 * This module does the same walk on lexbor's own nodes and builds the same `El` objects, measured
 * the same way. dom.py keeps the Python walk as the reference: it uses this one only after checking,
 * once per process, that both give the same tree (see dom._load_fast_module), and falls back when the
 * extension is missing or disagrees.
 *
 * head() does dom._read_head's work in the same spirit: one walk of the whole document instead of a CSS
 * query and a Python loop over its matches (checked against them at load, see dom._head_of).
 *
 * Nothing here links against lexbor. selectolax carries lexbor inside its own extension module and
 * exports its symbols; init() looks up the handful it needs in that already-loaded module. The one
 * layout read directly is a text node's data (lexbor's lxb_dom_character_data_t: a node, then a
 * lexbor_str_t), the same cast selectolax itself makes; the self-check covers it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "_slots.h"
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

typedef unsigned char lxb_char_t;
typedef struct { lxb_char_t *data; size_t length; } lexbor_str_t;

/* lexbor's lxb_dom_node_t (source/lexbor/dom/interfaces/node.h), only to find where a text node's
 * data starts: it follows the node struct. */
typedef struct lxb_dom_node lxb_dom_node_t;
struct lxb_dom_node {
    void *events;
    uintptr_t local_name;
    uintptr_t prefix;
    uintptr_t ns;
    void *owner_document;
    lxb_dom_node_t *next;
    lxb_dom_node_t *prev;
    lxb_dom_node_t *parent;
    lxb_dom_node_t *first_child;
    lxb_dom_node_t *last_child;
    void *user;
    int type;
};
typedef struct { lxb_dom_node_t node; lexbor_str_t data; } lxb_dom_character_data_t;

enum { NODE_ELEMENT = 1, NODE_TEXT = 3 };

typedef lxb_dom_node_t *(*node_fn)(lxb_dom_node_t *);
typedef int (*type_fn)(lxb_dom_node_t *);
typedef uintptr_t (*tag_id_fn)(lxb_dom_node_t *);
typedef const lxb_char_t *(*name_fn)(void *, size_t *);
typedef void *(*attr_fn)(void *);

static node_fn fn_first_child, fn_next_sibling, fn_parent_of;
static type_fn fn_node_type;
static tag_id_fn fn_tag_id;
/* The tree is walked through lexbor's exported accessors until check_layout() has seen the struct above
 * give the same answers on every node of a parsed page: then the fields are read directly. Five calls
 * into another library per node were a tenth of a parse on each of the two walks. */
static int direct_fields;

static inline lxb_dom_node_t *first_child(lxb_dom_node_t *n) { return direct_fields ? n->first_child : fn_first_child(n); }
static inline lxb_dom_node_t *next_sibling(lxb_dom_node_t *n) { return direct_fields ? n->next : fn_next_sibling(n); }
static inline lxb_dom_node_t *parent_of(lxb_dom_node_t *n) { return direct_fields ? n->parent : fn_parent_of(n); }
static inline int node_type(lxb_dom_node_t *n) { return direct_fields ? n->type : fn_node_type(n); }
static inline uintptr_t tag_id(lxb_dom_node_t *n) { return direct_fields ? n->local_name : fn_tag_id(n); }
static name_fn element_local_name, attr_name, attr_value;
static attr_fn first_attr, next_attr;

/* The El class and where its slots live (read from its member descriptors). */
static PyTypeObject *El_type;
static Py_ssize_t off_tag, off_hint, off_attrs, off_children, off_parent, off_score, off_text_len,
    off_link_len, off_punct, off_flag, off_direct;
static PyObject *skip_tags, *block_tags, *inline_tags; /* frozensets of tag names */
static PyObject *skip_nodes; /* during copy(): addresses of page regions dom._prune dropped, or NULL */
static PyObject *zero_float, *empty_str, *str_start;
static int max_depth;

/* Per tag id: interned name and its class bits, filled on first sight. */
#define TAG_CACHE 2048
enum { T_KNOWN = 1, T_SKIP = 2, T_BLOCK = 4, T_INLINE = 8, T_A = 16, T_BR = 32, T_ARIA = 64, T_REGION = 128 };
static PyObject *tag_names[TAG_CACHE];
static unsigned char tag_bits[TAG_CACHE];

static inline void set_slot(PyObject *o, Py_ssize_t off, PyObject *v) /* steals v */
{
    PyObject **p = (PyObject **)((char *)o + off);
    PyObject *old = *p;
    *p = v;
    Py_XDECREF(old);
}

static int set_int_slot(PyObject *o, Py_ssize_t off, Py_ssize_t v)
{
    PyObject *n = PyLong_FromSsize_t(v);
    if (!n) return -1;
    set_slot(o, off, n);
    return 0;
}

static int classify(PyObject *name)
{
    int bits = T_KNOWN, r;
    if ((r = PySet_Contains(skip_tags, name)) < 0) return -1;
    if (r) bits |= T_SKIP;
    if ((r = PySet_Contains(block_tags, name)) < 0) return -1;
    if (r) bits |= T_BLOCK;
    if ((r = PySet_Contains(inline_tags, name)) < 0) return -1;
    if (r) bits |= T_INLINE;
    if (PyUnicode_CompareWithASCIIString(name, "a") == 0) bits |= T_A;
    if (PyUnicode_CompareWithASCIIString(name, "br") == 0) bits |= T_BR;
    if (PyUnicode_CompareWithASCIIString(name, "nav") == 0 || PyUnicode_CompareWithASCIIString(name, "footer") == 0 ||
        PyUnicode_CompareWithASCIIString(name, "aside") == 0)
        bits |= T_REGION;
    if (PyUnicode_CompareWithASCIIString(name, "div") == 0 || PyUnicode_CompareWithASCIIString(name, "span") == 0 ||
        PyUnicode_CompareWithASCIIString(name, "ul") == 0 || PyUnicode_CompareWithASCIIString(name, "section") == 0)
        bits |= T_ARIA;
    return bits;
}

/* The element's tag name (new reference) and its class bits. */
static PyObject *tag_of(lxb_dom_node_t *node, int *bits)
{
    uintptr_t id = tag_id(node);
    if (id < TAG_CACHE && tag_names[id]) {
        *bits = tag_bits[id];
        Py_INCREF(tag_names[id]);
        return tag_names[id];
    }
    size_t len = 0;
    const lxb_char_t *s = element_local_name(node, &len);
    PyObject *name = PyUnicode_DecodeUTF8((const char *)(s ? s : (const lxb_char_t *)""), s ? (Py_ssize_t)len : 0, "replace");
    if (!name) return NULL;
    PyUnicode_InternInPlace(&name);
    int b = classify(name);
    if (b < 0) { Py_DECREF(name); return NULL; }
    if (id < TAG_CACHE) {
        Py_INCREF(name);
        tag_names[id] = name;
        tag_bits[id] = (unsigned char)b;
    }
    *bits = b;
    return name;
}

/* Python's str.strip() whitespace, in UTF-8: the width of the whitespace character at s[0] /
 * ending at s[len-1], or 0. */
static inline int ws_at(const lxb_char_t *s, size_t len)
{
    lxb_char_t c = s[0];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
    if (c == 0xc2 && len >= 2 && (s[1] == 0x85 || s[1] == 0xa0)) return 2;
    if (len >= 3) {
        if (c == 0xe1 && s[1] == 0x9a && s[2] == 0x80) return 3;                 /* U+1680 */
        if (c == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
            return 3;                                                             /* U+2000-200A, 2028, 2029, 202F */
        if (c == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) return 3;                 /* U+205F */
        if (c == 0xe3 && s[1] == 0x80 && s[2] == 0x80) return 3;                 /* U+3000 */
    }
    return 0;
}

static inline int ws_before(const lxb_char_t *s, size_t len)
{
    lxb_char_t c = s[len - 1];
    if (c < 0x80) return (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) ? 1 : 0;
    if (len >= 2 && s[len - 2] == 0xc2 && (c == 0x85 || c == 0xa0)) return 2;
    if (len >= 3 && ws_at(s + len - 3, 3) == 3) return 3;
    return 0;
}

/* Trim like str.strip(); return the trimmed length in bytes and its start. */
static size_t trimmed(const lxb_char_t *s, size_t len, const lxb_char_t **start)
{
    int w;
    while (len && (w = ws_at(s, len))) { s += w; len -= w; }
    while (len && (w = ws_before(s, len))) len -= w;
    *start = s;
    return len;
}

/* Commas and full stops, Latin and CJK: dom.py's sentence-punctuation count. */
static Py_ssize_t punctuation(const lxb_char_t *s, size_t len)
{
    Py_ssize_t n = 0;
    for (size_t i = 0; i < len; i++) {
        lxb_char_t c = s[i];
        if (c == ',' || c == '.') n++;
        else if (i + 2 < len && ((c == 0xef && s[i + 1] == 0xbc && s[i + 2] == 0x8c) ||          /* ， */
                                 (c == 0xe3 && s[i + 1] == 0x80 && (s[i + 2] == 0x82 || s[i + 2] == 0x81)))) { /* 。、 */
            n++;
            i += 2;
        }
    }
    return n;
}

static inline lexbor_str_t *text_data(lxb_dom_node_t *node)
{
    return &((lxb_dom_character_data_t *)node)->data;
}

/* case-insensitive "word\s*:\s*value" anywhere in s */
static int has_decl(const lxb_char_t *s, size_t len, const char *word, const char *value)
{
    size_t wl = strlen(word), vl = strlen(value);
    for (size_t i = 0; i + wl <= len; i++) {
        size_t k = 0;
        while (k < wl && (s[i + k] | 0x20) == (lxb_char_t)word[k]) k++;
        if (k < wl) continue;
        size_t j = i + wl;
        while (j < len && (s[j] == ' ' || (s[j] >= 0x09 && s[j] <= 0x0d))) j++;
        if (j >= len || s[j] != ':') continue;
        j++;
        while (j < len && (s[j] == ' ' || (s[j] >= 0x09 && s[j] <= 0x0d))) j++;
        if (j + vl > len) continue;
        k = 0;
        while (k < vl && (s[j + k] | 0x20) == (lxb_char_t)value[k]) k++;
        if (k == vl) return 1;
    }
    return 0;
}

static inline int name_is_str(const lxb_char_t *n, size_t len, const char *lit)
{
    size_t l = strlen(lit);
    return len == l && memcmp(n, lit, l) == 0;
}

/* name_is(n, len, "literal"): the literal's length known at compile time (no strlen per element and name). */
#define name_is(n, len, lit) ((len) == sizeof(lit) - 1 && memcmp((n), (lit), sizeof(lit) - 1) == 0)

/* Attribute kinds both walks care about. lexbor gives the common attributes small fixed ids (class,
 * id, style, content, href...); their kind is cached by id, so most attributes cost no name compare. */
enum { A_OTHER, A_CLASS, A_ID, A_HIDDEN, A_ARIA_HIDDEN, A_STYLE, A_START, A_CONTENT, A_REL, A_HREF, A_DATETIME, A_TYPE, A_ITEMPROP,
       A_PROPERTY, A_NAME, A_HTTP_EQUIV, A_LANG, A_XML_LANG, N_ATTR_KINDS };
#define ATTR_CACHE 2048
static unsigned char attr_kinds[ATTR_CACHE]; /* kind + 1; 0 = not seen yet */

static int attr_kind(void *attr)
{
    uintptr_t id = tag_id((lxb_dom_node_t *)attr); /* an attribute is a node: its local name is its id */
    if (id < ATTR_CACHE && attr_kinds[id]) return attr_kinds[id] - 1;
    size_t nl = 0;
    const lxb_char_t *n = attr_name(attr, &nl);
    int k = A_OTHER;
    if (!n) return A_OTHER;
    if (name_is(n, nl, "class")) k = A_CLASS;
    else if (name_is(n, nl, "id")) k = A_ID;
    else if (name_is(n, nl, "hidden")) k = A_HIDDEN;
    else if (name_is(n, nl, "aria-hidden")) k = A_ARIA_HIDDEN;
    else if (name_is(n, nl, "style")) k = A_STYLE;
    else if (name_is(n, nl, "start")) k = A_START;
    else if (name_is(n, nl, "content")) k = A_CONTENT;
    else if (name_is(n, nl, "rel")) k = A_REL;
    else if (name_is(n, nl, "href")) k = A_HREF;
    else if (name_is(n, nl, "datetime")) k = A_DATETIME;
    else if (name_is(n, nl, "type")) k = A_TYPE;
    else if (name_is(n, nl, "itemprop")) k = A_ITEMPROP;
    else if (name_is(n, nl, "property")) k = A_PROPERTY;
    else if (name_is(n, nl, "name")) k = A_NAME;
    else if (name_is(n, nl, "http-equiv")) k = A_HTTP_EQUIV;
    else if (name_is(n, nl, "lang")) k = A_LANG;
    else if (name_is(n, nl, "xml:lang")) k = A_XML_LANG;
    if (id < ATTR_CACHE) attr_kinds[id] = (unsigned char)(k + 1);
    return k;
}

/* "class id" lower-cased, as dom.py builds it. */
static PyObject *make_hint(const lxb_char_t *cls, size_t cl, const lxb_char_t *ident, size_t il)
{
    if (!cls || !cl) { cls = ident; cl = ident ? il : 0; ident = NULL; il = 0; }
    if (!cls || !cl) { Py_INCREF(empty_str); return empty_str; }
    size_t total = cl + (ident && il ? il + 1 : 0);
    char stackbuf[256];
    char *buf = total <= sizeof stackbuf ? stackbuf : PyMem_Malloc(total);
    if (!buf) return PyErr_NoMemory();
    memcpy(buf, cls, cl);
    if (ident && il) { buf[cl] = ' '; memcpy(buf + cl + 1, ident, il); }
    int ascii = 1;
    for (size_t i = 0; i < total; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x80) { ascii = 0; break; }
        if (c >= 'A' && c <= 'Z') buf[i] = (char)(c | 0x20);
    }
    PyObject *s = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)total, "replace");
    if (buf != stackbuf) PyMem_Free(buf);
    if (!s || ascii) return s;
    PyObject *lower = PyObject_CallMethod(s, "lower", NULL);
    Py_DECREF(s);
    return lower;
}

/* selectolax's node.text(separator=" "): every text node of the subtree, joined by one space. */
static PyObject *deep_text(lxb_dom_node_t *top)
{
    PyObject *parts = PyList_New(0);
    if (!parts) return NULL;
    lxb_dom_node_t *node = first_child(top);
    while (node) {
        if (node_type(node) == NODE_TEXT) {
            lexbor_str_t *d = text_data(node);
            PyObject *t = PyUnicode_DecodeUTF8((const char *)d->data, d->data ? (Py_ssize_t)d->length : 0, "replace");
            if (!t || PyList_Append(parts, t) < 0) { Py_XDECREF(t); Py_DECREF(parts); return NULL; }
            Py_DECREF(t);
        }
        lxb_dom_node_t *down = first_child(node);
        if (down) { node = down; continue; }
        while (node != top && !next_sibling(node)) node = parent_of(node);
        node = node == top ? NULL : next_sibling(node);
    }
    PyObject *sep = PyUnicode_FromString(" ");
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return joined;
}

typedef struct { Py_ssize_t tl, ll, pu, direct, flag; } Measure;

static int store_measure(PyObject *el, const Measure *m)
{
    if (set_int_slot(el, off_text_len, m->tl) < 0 || set_int_slot(el, off_link_len, m->ll) < 0 ||
        set_int_slot(el, off_punct, m->pu) < 0 || set_int_slot(el, off_flag, m->flag) < 0 ||
        set_int_slot(el, off_direct, m->direct) < 0)
        return -1;
    return 0;
}

static PyObject *new_el(PyObject *tag, PyObject *hint, PyObject *attrs, PyObject *parent)
{
    PyObject *el = El_type->tp_alloc(El_type, 0);
    if (!el) return NULL;
    PyObject *children = PyList_New(0);
    if (!children) { Py_DECREF(el); return NULL; }
    Py_INCREF(tag); set_slot(el, off_tag, tag);
    Py_INCREF(hint); set_slot(el, off_hint, hint);
    Py_INCREF(attrs); set_slot(el, off_attrs, attrs);
    set_slot(el, off_children, children);
    Py_INCREF(parent); set_slot(el, off_parent, parent);
    Py_INCREF(zero_float); set_slot(el, off_score, zero_float);
    return el;
}

/* Copy the children of `node` under `parent` and measure `parent`; mirrors dom._copy line by line. */
static int copy_children(lxb_dom_node_t *node, PyObject *parent, int depth, int in_link, PyObject *texty, Measure *out)
{
    PyObject *children = *(PyObject **)((char *)parent + off_children);
    Measure m = {0, 0, 0, 0, 0};
    for (lxb_dom_node_t *child = first_child(node); child; child = next_sibling(child)) {
        int type = node_type(child);
        if (type == NODE_TEXT) {
            lexbor_str_t *d = text_data(child);
            if (!d->data || !d->length) continue;
            PyObject *t = PyUnicode_DecodeUTF8((const char *)d->data, (Py_ssize_t)d->length, "replace");
            if (!t) return -1;
            int err = PyList_Append(children, t);
            Py_DECREF(t);
            if (err < 0) return -1;
            const lxb_char_t *s;
            size_t n = trimmed(d->data, d->length, &s);
            if (n) {
                m.tl += n;
                m.direct += n;
                if (in_link) m.ll += n;
                if (n > 10) m.pu += punctuation(s, n);
            }
            continue;
        }
        if (type != NODE_ELEMENT) continue;
        int bits;
        PyObject *tag = tag_of(child, &bits);
        if (!tag) return -1;
        if (bits & T_SKIP || PyUnicode_GET_LENGTH(tag) == 0) { Py_DECREF(tag); continue; }
        if (bits & T_REGION && skip_nodes) {
            PyObject *key = PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)child);
            int r = key ? PySet_Contains(skip_nodes, key) : -1;
            Py_XDECREF(key);
            if (r) { Py_DECREF(tag); if (r < 0) return -1; continue; }
        }

        const lxb_char_t *cls = NULL, *ident = NULL, *start = NULL;
        size_t cl = 0, il = 0, sl = 0;
        int hidden = 0, has_start = 0;
        for (void *a = first_attr(child); a; a = next_attr(a)) {
            int k = attr_kind(a);
            if (k == A_OTHER) continue;
            size_t vl = 0;
            const lxb_char_t *v = attr_value(a, &vl);
            if (!v) vl = 0;
            switch (k) {
            case A_CLASS: if (!cls) { cls = v; cl = vl; } break;
            case A_ID: if (!ident) { ident = v; il = vl; } break;
            case A_HIDDEN: hidden = 1; break;
            case A_ARIA_HIDDEN: if (bits & T_ARIA && v && vl == 4 && memcmp(v, "true", 4) == 0) hidden = 1; break;
            case A_STYLE:
                if (v && (has_decl(v, vl, "display", "none") || has_decl(v, vl, "visibility", "hidden"))) hidden = 1;
                break;
            case A_START: has_start = 1; start = v; sl = vl; break;
            }
        }
        if (hidden) { Py_DECREF(tag); continue; }
        PyObject *hint = make_hint(cls, cl, ident, il);
        if (!hint) { Py_DECREF(tag); return -1; }
        PyObject *attrs = Py_None;
        Py_INCREF(attrs);
        if (has_start) {  /* the one attribute later passes read: <ol start> */
            Py_DECREF(attrs);
            attrs = PyDict_New();
            PyObject *v = start ? PyUnicode_DecodeUTF8((const char *)start, (Py_ssize_t)sl, "replace") : (Py_INCREF(Py_None), Py_None);
            if (!attrs || !v || PyDict_SetItem(attrs, str_start, v) < 0) {
                Py_XDECREF(v); Py_XDECREF(attrs); Py_DECREF(hint); Py_DECREF(tag); return -1;
            }
            Py_DECREF(v);
        }
        PyObject *el = new_el(tag, hint, attrs, parent);
        Py_DECREF(hint);
        Py_DECREF(attrs);
        Py_DECREF(tag);
        if (!el) return -1;
        int err = PyList_Append(children, el);
        Py_DECREF(el); /* the list holds it */
        if (err < 0) return -1;

        Measure cm = {0, 0, 0, 0, 0};
        lxb_dom_node_t *only = first_child(child);
        if (bits & T_A && only && node_type(only) == NODE_TEXT && !next_sibling(only)) {
            /* Most links hold one text node: read it without walking into the link (dom.py does the same). */
            lexbor_str_t *d = text_data(only);
            const lxb_char_t *s = NULL;
            size_t n = d->data ? trimmed(d->data, d->length, &s) : 0;
            if (n) {
                PyObject *t = PyUnicode_DecodeUTF8((const char *)d->data, (Py_ssize_t)d->length, "replace");
                if (!t) return -1;
                PyObject *ech = *(PyObject **)((char *)el + off_children);
                err = PyList_Append(ech, t);
                Py_DECREF(t);
                if (err < 0) return -1;
            }
            cm.tl = cm.ll = cm.direct = (Py_ssize_t)n;
            cm.pu = n > 10 ? punctuation(s, n) : 0;
            if (store_measure(el, &cm) < 0) return -1;
        } else if (depth < max_depth) {
            if (copy_children(child, el, depth + 1, in_link || (bits & T_A), texty, &cm) < 0) return -1;
        } else {
            PyObject *txt = deep_text(child);
            if (!txt) return -1;
            Py_ssize_t n = 0;
            if (PyUnicode_GET_LENGTH(txt)) {
                PyObject *ech = *(PyObject **)((char *)el + off_children);
                if (PyList_Append(ech, txt) < 0) { Py_DECREF(txt); return -1; }
                Py_ssize_t bl;
                const char *u = PyUnicode_AsUTF8AndSize(txt, &bl);
                if (!u) { Py_DECREF(txt); return -1; }
                const lxb_char_t *s;
                n = (Py_ssize_t)trimmed((const lxb_char_t *)u, (size_t)bl, &s);
            }
            Py_DECREF(txt);
            cm.tl = cm.direct = n;
            if (store_measure(el, &cm) < 0) return -1;
        }
        if (cm.tl) {
            m.tl += cm.tl;
            m.ll += cm.ll;
            m.pu += cm.pu;
            if (bits & T_BLOCK) m.flag = 1;
            else if (bits & (T_INLINE | T_BR)) m.direct += cm.tl;
        } else if (bits & T_BLOCK) {
            m.flag = 1;
        }
    }
    if (store_measure(parent, &m) < 0) return -1;
    if (m.tl >= 25 && PyList_Append(texty, parent) < 0) return -1;
    *out = m;
    return 0;
}

static PyObject *py_copy(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long addr;
    PyObject *root, *texty, *skip = Py_None;
    if (!El_type) { PyErr_SetString(PyExc_RuntimeError, "_lightcopy.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "KOO!|O", &addr, &root, &PyList_Type, &texty, &skip)) return NULL;
    if (!PyObject_TypeCheck(root, El_type)) { PyErr_SetString(PyExc_TypeError, "root must be an El"); return NULL; }
    if (skip != Py_None && !PyAnySet_Check(skip)) { PyErr_SetString(PyExc_TypeError, "skip must be a set"); return NULL; }
    Measure m;
    skip_nodes = skip == Py_None || PySet_GET_SIZE(skip) == 0 ? NULL : skip;
    int err = copy_children((lxb_dom_node_t *)(uintptr_t)addr, root, 0, 0, texty, &m);
    skip_nodes = NULL;
    if (err < 0) return NULL;
    Py_RETURN_NONE;
}

/* ---- text helpers and the element kinds of the head walk (head() below) ------------------------------ */

typedef struct { char *data; size_t len, cap; } Buf;

static int buf_add(Buf *b, const lxb_char_t *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len) cap *= 2;
        char *p = PyMem_Realloc(b->data, cap);
        if (!p) { PyErr_NoMemory(); return -1; }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

/* node.text(deep=True, separator=sep, strip=strip) as selectolax computes it. */
static PyObject *subtree_text(lxb_dom_node_t *top, const char *sep, int strip)
{
    Buf b = {NULL, 0, 0};
    size_t seplen = strlen(sep);
    int count = 0;
    lxb_dom_node_t *node = first_child(top);
    while (node) {
        if (node_type(node) == NODE_TEXT) {
            lexbor_str_t *d = text_data(node);
            const lxb_char_t *s = d->data;
            size_t n = s ? d->length : 0;
            if (s) {
                if (strip) n = trimmed(d->data, d->length, &s);
                if ((count++ && seplen && buf_add(&b, (const lxb_char_t *)sep, seplen) < 0) || (n && buf_add(&b, s, n) < 0)) {
                    PyMem_Free(b.data);
                    return NULL;
                }
            }
        }
        lxb_dom_node_t *down = first_child(node);
        if (down) { node = down; continue; }
        while (node != top && !next_sibling(node)) node = parent_of(node);
        node = node == top ? NULL : next_sibling(node);
    }
    PyObject *r = PyUnicode_DecodeUTF8(b.data ? b.data : "", (Py_ssize_t)b.len, "replace");
    PyMem_Free(b.data);
    return r;
}

/* len(node.text()): the characters (UTF-8 lead bytes) of every text node in the subtree. */
static Py_ssize_t text_chars(lxb_dom_node_t *top)
{
    Py_ssize_t n = 0;
    lxb_dom_node_t *node = first_child(top);
    while (node) {
        if (node_type(node) == NODE_TEXT) {
            lexbor_str_t *d = text_data(node);
            for (size_t i = 0; d->data && i < d->length; i++) n += (d->data[i] & 0xc0) != 0x80;
        }
        lxb_dom_node_t *down = first_child(node);
        if (down) { node = down; continue; }
        while (node != top && !next_sibling(node)) node = parent_of(node);
        node = node == top ? NULL : next_sibling(node);
    }
    return n;
}

static int contains(const lxb_char_t *s, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (memcmp(s + i, needle, nl) == 0) return 1;
    return 0;
}

enum { H_NONE, H_TITLE, H_META, H_LINK, H_SCRIPT, H_H1, H_TIME, H_ARTICLE, H_BODY, H_REGION };

static unsigned char head_kinds[TAG_CACHE]; /* per tag id: H_* + 1 of the tag alone; 0 = not seen */

/* The kind a tag has by its name alone (H_NONE: never read unless it carries an itemprop). */
static int tag_head_kind(const lxb_char_t *name, size_t len)
{
    static const char *const read[] = {"title", "meta", "link", "script", "h1", "time", "article", "body", "nav", "footer", "aside"};
    if (!name) return H_NONE;
    for (size_t i = 0; i < sizeof read / sizeof *read; i++)
        if (name_is_str(name, len, read[i])) return H_TITLE; /* any kind but H_NONE: the full test runs */
    return H_NONE;
}

static int head_kind(lxb_dom_node_t *el, size_t *out_len, const lxb_char_t **out_name, int *itemprop_match, int *itemprop_text)
{
    uintptr_t id = tag_id(el);
    int cached = id < TAG_CACHE ? head_kinds[id] : 0;
    if (cached == H_NONE + 1) {  /* a tag metadata never reads: only an itemprop can make it count */
        int has = 0;
        for (void *a = first_attr(el); a; a = next_attr(a))
            if (attr_kind(a) == A_ITEMPROP) { has = 1; break; }
        if (!has) { *itemprop_match = *itemprop_text = 0; return H_NONE; }
    }
    size_t len = 0;
    const lxb_char_t *name = element_local_name(el, &len);
    *out_len = len;
    *out_name = name;
    int has_content = 0, has_rel = 0, has_href = 0, script_match = 0, has_itemprop = 0, has_datetime = 0, prop_match = 0;
    int valued = 0;  /* a non-empty datetime or content: an itemprop element's value needs no text */
    for (void *a = first_attr(el); a; a = next_attr(a)) {
        int k = attr_kind(a);
        if (k < A_CONTENT) continue;
        size_t vl = 0;
        const lxb_char_t *v = attr_value(a, &vl);
        if (!v) vl = 0;
        switch (k) {
        case A_CONTENT: has_content = 1; valued |= vl > 0; break;
        case A_REL: has_rel = 1; break;
        case A_HREF: has_href = 1; break;
        case A_DATETIME: has_datetime = 1; valued |= vl > 0; break;
        case A_TYPE: if (v && (contains(v, vl, "ld+json") || name_is(v, vl, "application/json"))) script_match = 1; break;
        case A_ITEMPROP:
            has_itemprop = 1;
            if (v && (name_is(v, vl, "author") || name_is(v, vl, "datePublished"))) prop_match = 1;
            break;
        }
    }
    *itemprop_match = has_itemprop && (has_datetime || prop_match);
    *itemprop_text = has_itemprop && !valued;
    if (id < TAG_CACHE && !cached) head_kinds[id] = (unsigned char)(tag_head_kind(name, len) + 1);
    if (!name) return H_NONE;
    if (name_is(name, len, "title")) return H_TITLE;
    if (name_is(name, len, "meta")) return has_content ? H_META : H_NONE;
    if (name_is(name, len, "link")) return has_rel && has_href ? H_LINK : H_NONE;
    if (name_is(name, len, "script")) return script_match ? H_SCRIPT : H_NONE;
    if (name_is(name, len, "h1")) return H_H1;
    if (name_is(name, len, "time")) return H_TIME;
    if (name_is(name, len, "article")) return H_ARTICLE;
    if (name_is(name, len, "body")) return H_BODY;
    if (name_is(name, len, "nav") || name_is(name, len, "footer") || name_is(name, len, "aside")) return H_REGION;
    return H_NONE;
}

/* ---- head(): dom._read_head(tree, _head_items(tree)) in C ---------------------------------------------
 * One walk of the whole document (replacing a CSS query with eleven alternatives, each tested against every
 * node by lexbor's selector engine, and a Python loop over (tag, attributes, text) items): it builds what
 * _read_head builds: the <meta> pairs, links, JSON-LD and JSON state, <h1> texts, <time>s, <article>
 * count, the title and the root's language. Values are read the way the loop reads them from
 * selectolax's attribute dict: a missing or valueless attribute is None, "" counts as missing in `or`
 * chains, the first of duplicate attributes wins. */

typedef struct { const lxb_char_t *v; size_t len; int present; } AttrVal; /* present: 2 with a value, 1 without */

static PyObject *str_of(const lxb_char_t *s, size_t len)
{
    return PyUnicode_DecodeUTF8(s ? (const char *)s : "", s ? (Py_ssize_t)len : 0, "replace");
}

static inline int truthy(const AttrVal *a) { return a->present == 2 && a->len > 0; }

/* The result of calling `method` ("strip", "lower") on s; steals s. */
static PyObject *call0(PyObject *s, const char *method)
{
    if (!s) return NULL;
    PyObject *r = PyObject_CallMethod(s, method, NULL);
    Py_DECREF(s);
    return r;
}

static int append_pair(PyObject *list, PyObject *a, PyObject *b) /* steals a and b */
{
    PyObject *t = a && b ? PyTuple_Pack(2, a, b) : NULL;
    Py_XDECREF(a);
    Py_XDECREF(b);
    int err = !t || PyList_Append(list, t) < 0;
    Py_XDECREF(t);
    return err ? -1 : 0;
}

enum { L_METAS, L_LINKS, L_JSON_LD, L_JSON_STATE, L_H1S, L_TIMES, N_LISTS };
#define MAX_STATE (4 * 1024 * 1024) /* dom._MAX_STATE: embedded state larger than this is not kept */

/* One element the metadata selectors match, as _read_head handles it. */
static int head_item(lxb_dom_node_t *node, const lxb_char_t *name, size_t len, PyObject **lists, PyObject **title,
                     Py_ssize_t *articles)
{
    AttrVal at[N_ATTR_KINDS];
    memset(at, 0, sizeof at);
    for (void *a = first_attr(node); a; a = next_attr(a)) {
        int k = attr_kind(a);
        if (k == A_OTHER || at[k].present) continue;
        size_t vl = 0;
        const lxb_char_t *v = attr_value(a, &vl);
        at[k].v = v;
        at[k].len = v ? vl : 0;
        at[k].present = v ? 2 : 1;
    }
    if (name_is(name, len, "meta")) {
        static const int keys[] = {A_PROPERTY, A_NAME, A_ITEMPROP, A_HTTP_EQUIV};
        const AttrVal *key = NULL;
        for (size_t i = 0; i < 4 && !key; i++)
            if (truthy(&at[keys[i]])) key = &at[keys[i]];
        if (key && truthy(&at[A_CONTENT]))
            return append_pair(lists[L_METAS], call0(call0(str_of(key->v, key->len), "strip"), "lower"),
                               call0(str_of(at[A_CONTENT].v, at[A_CONTENT].len), "strip"));
        return 0;
    }
    int is_script = name_is(name, len, "script"), is_title = name_is(name, len, "title");
    int is_time = name_is(name, len, "time"), is_h1 = name_is(name, len, "h1");
    int has_prop = at[A_ITEMPROP].present != 0;
    PyObject *text = NULL; /* _head_items' text: stripped text for these, else None */
    if (!is_script && (is_title || is_time || is_h1 || (has_prop && !(truthy(&at[A_DATETIME]) || truthy(&at[A_CONTENT])))))
        if (!(text = subtree_text(node, "", 1))) return -1;
    int err = 0;
    if (has_prop && !is_script) {
        PyObject *value;
        if (truthy(&at[A_DATETIME])) value = str_of(at[A_DATETIME].v, at[A_DATETIME].len);
        else if (truthy(&at[A_CONTENT])) value = str_of(at[A_CONTENT].v, at[A_CONTENT].len);
        else if (text && PyUnicode_GET_LENGTH(text)) { Py_INCREF(text); value = text; }
        else value = PyUnicode_FromString("");
        if (value && PyUnicode_GET_LENGTH(value) > 300) {
            PyObject *cut = PyUnicode_Substring(value, 0, 300);
            Py_DECREF(value);
            value = cut;
        }
        PyObject *prop = at[A_ITEMPROP].present == 2 ? str_of(at[A_ITEMPROP].v, at[A_ITEMPROP].len) : PyUnicode_FromString("");
        PyObject *key = prop ? PyUnicode_FromFormat("itemprop:%U", prop) : NULL;
        Py_XDECREF(prop);
        err = append_pair(lists[L_METAS], call0(key, "lower"), value);
    }
    if (err) {
    } else if (is_title) {
        if (*title == Py_None) {
            PyObject *t = PyUnicode_GET_LENGTH(text) ? text : Py_None;
            Py_INCREF(t);
            Py_SETREF(*title, t);
        }
    } else if (name_is(name, len, "link")) {
        PyObject *rel = at[A_REL].present == 2 ? str_of(at[A_REL].v, at[A_REL].len) : PyUnicode_FromString("");
        PyObject *href = at[A_HREF].present == 2 ? str_of(at[A_HREF].v, at[A_HREF].len) : PyUnicode_FromString("");
        err = append_pair(lists[L_LINKS], call0(rel, "lower"), call0(href, "strip"));
    } else if (is_script) {
        PyObject *raw = subtree_text(node, "", 0);
        if (!raw) err = 1;
        else if (PyUnicode_GET_LENGTH(raw)) {
            int ld = at[A_TYPE].present == 2 && contains(at[A_TYPE].v, at[A_TYPE].len, "ld+json");
            if (ld) err = PyList_Append(lists[L_JSON_LD], raw) < 0;
            else if (PyUnicode_GET_LENGTH(raw) < MAX_STATE) err = PyList_Append(lists[L_JSON_STATE], raw) < 0;
        }
        Py_XDECREF(raw);
    } else if (is_h1) {
        PyObject *spaced = subtree_text(node, " ", 1); /* (dom.py collapses its whitespace) */
        err = !spaced || (PyUnicode_GET_LENGTH(spaced) && PyList_Append(lists[L_H1S], spaced) < 0);
        Py_XDECREF(spaced);
    } else if (name_is(name, len, "article")) {
        (*articles)++;
    } else if (is_time) {
        PyObject *dt = at[A_DATETIME].present == 2 ? str_of(at[A_DATETIME].v, at[A_DATETIME].len) : PyUnicode_FromString("");
        Py_INCREF(text);
        err = append_pair(lists[L_TIMES], call0(dt, "strip"), text);
    }
    Py_XDECREF(text);
    return err ? -1 : 0;
}

/* The language the root <html> element declares: lang, else xml:lang ("" counts as none). */
static PyObject *root_lang(lxb_dom_node_t *top)
{
    size_t len = 0;
    const lxb_char_t *name = node_type(top) == NODE_ELEMENT ? element_local_name(top, &len) : NULL;
    if (name && name_is(name, len, "html")) {
        AttrVal lang = {0}, xml = {0};
        for (void *a = first_attr(top); a; a = next_attr(a)) {
            int k = attr_kind(a);
            AttrVal *slot = k == A_LANG ? &lang : k == A_XML_LANG ? &xml : NULL;
            if (!slot || slot->present) continue;
            size_t vl = 0;
            slot->v = attr_value(a, &vl);
            slot->len = slot->v ? vl : 0;
            slot->present = slot->v ? 2 : 1;
        }
        if (truthy(&lang)) return str_of(lang.v, lang.len);
        if (truthy(&xml)) return str_of(xml.v, xml.len);
    }
    Py_RETURN_NONE;
}

static PyObject *py_head(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long addr;
    if (!fn_first_child) { PyErr_SetString(PyExc_RuntimeError, "_lightcopy.init() was not called"); return NULL; }
    if (!PyArg_ParseTuple(args, "K", &addr)) return NULL;
    lxb_dom_node_t *top = (lxb_dom_node_t *)(uintptr_t)addr, *body = NULL;
    PyObject *lists[N_LISTS] = {NULL}, *regions = PyList_New(0), *title = Py_None, *lang = NULL, *r = NULL;
    Py_INCREF(title);
    Py_ssize_t articles = 0;
    Buf text = {NULL, 0, 0};
    int ok = regions != NULL;
    for (int i = 0; i < N_LISTS && ok; i++) ok = (lists[i] = PyList_New(0)) != NULL;
    lxb_dom_node_t *node = ok ? top : NULL;
    while (node) {
        int type = node_type(node);
        if (type == NODE_TEXT && body) {
            lexbor_str_t *d = text_data(node);
            if (d->data && d->length && buf_add(&text, d->data, d->length) < 0) { ok = 0; break; }
        } else if (type == NODE_ELEMENT) {
            size_t len;
            const lxb_char_t *name;
            int prop, prop_text;
            int kind = head_kind(node, &len, &name, &prop, &prop_text);
            if (kind == H_BODY && !body) body = node;
            if (kind == H_REGION) { /* (address, tag, characters of text) for dom._prune */
                PyObject *item = Py_BuildValue("(Ks#n)", (unsigned long long)(uintptr_t)node, (const char *)name,
                                               (Py_ssize_t)len, text_chars(node));
                int err = !item || PyList_Append(regions, item) < 0;
                Py_XDECREF(item);
                if (err) { ok = 0; break; }
            }
            if (((kind >= H_TITLE && kind <= H_ARTICLE) || prop) && head_item(node, name, len, lists, &title, &articles) < 0) {
                ok = 0;
                break;
            }
        }
        lxb_dom_node_t *down = first_child(node);
        if (down) { node = down; continue; }
        for (;;) { /* climb to the next node in document order */
            if (node == body) body = NULL; /* left the body: its text is complete */
            if (node == top) { node = NULL; break; }
            lxb_dom_node_t *next = next_sibling(node);
            if (next) { node = next; break; }
            node = parent_of(node);
        }
    }
    PyObject *body_text = ok ? PyUnicode_DecodeUTF8(text.data ? text.data : "", (Py_ssize_t)text.len, "replace") : NULL;
    PyMem_Free(text.data);
    if (body_text && (lang = root_lang(top)))
        r = Py_BuildValue("(OOOOOOOOnOO)", lang, title, lists[L_METAS], lists[L_LINKS], lists[L_JSON_LD], lists[L_JSON_STATE],
                          lists[L_H1S], lists[L_TIMES], articles, body_text, regions);
    Py_XDECREF(lang);
    Py_XDECREF(body_text);
    Py_XDECREF(title);
    Py_XDECREF(regions);
    for (int i = 0; i < N_LISTS; i++) Py_XDECREF(lists[i]);
    return r;
}

/* Clear the parent links of a light tree so it dies by reference counting, not by the cycle collector. */
static int release(PyObject *el, int depth)
{
    set_slot(el, off_parent, (Py_INCREF(Py_None), Py_None));
    PyObject *children = *(PyObject **)((char *)el + off_children);
    if (!children || !PyList_Check(children) || depth > 10000) return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(children); i++) {
        PyObject *c = PyList_GET_ITEM(children, i);
        if (Py_TYPE(c) == El_type && release(c, depth + 1) < 0) return -1;
    }
    return 0;
}

static PyObject *py_release(PyObject *self, PyObject *root)
{
    (void)self;
    if (!El_type || !PyObject_TypeCheck(root, El_type)) { PyErr_SetString(PyExc_TypeError, "release() takes an El"); return NULL; }
    if (release(root, 0) < 0) return NULL;
    Py_RETURN_NONE;
}

#define LOOKUP(var, type, sym) \
    if (!(var = (type)dlsym(h, sym))) { PyErr_Format(PyExc_ImportError, "selectolax does not export %s", sym); return NULL; }

static PyObject *py_init(PyObject *self, PyObject *args)
{
    (void)self;
    const char *path;
    PyObject *cls;
    if (!PyArg_ParseTuple(args, "sO!O!O!O!i", &path, &PyType_Type, &cls, &PyFrozenSet_Type, &skip_tags,
                          &PyFrozenSet_Type, &block_tags, &PyFrozenSet_Type, &inline_tags, &max_depth))
        return NULL;
    /* RTLD_NOLOAD: the module is already loaded by `import selectolax.lexbor`; this only gets a handle. */
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!h) { PyErr_Format(PyExc_ImportError, "cannot open %s: %s", path, dlerror()); return NULL; }
    LOOKUP(fn_first_child, node_fn, "lxb_dom_node_first_child_noi");
    LOOKUP(fn_next_sibling, node_fn, "lxb_dom_node_next_noi");
    LOOKUP(fn_parent_of, node_fn, "lxb_dom_node_parent_noi");
    LOOKUP(fn_node_type, type_fn, "lxb_dom_node_type_noi");
    LOOKUP(fn_tag_id, tag_id_fn, "lxb_dom_node_tag_id_noi");
    direct_fields = 0;
    LOOKUP(element_local_name, name_fn, "lxb_dom_element_local_name");
    LOOKUP(first_attr, attr_fn, "lxb_dom_element_first_attribute_noi");
    LOOKUP(next_attr, attr_fn, "lxb_dom_element_next_attribute_noi");
    LOOKUP(attr_name, name_fn, "lxb_dom_attr_qualified_name");
    LOOKUP(attr_value, name_fn, "lxb_dom_attr_value_noi");
    Py_INCREF(skip_tags); Py_INCREF(block_tags); Py_INCREF(inline_tags);
    if ((off_tag = slot_offset(cls, "tag")) < 0 || (off_hint = slot_offset(cls, "hint")) < 0 ||
        (off_attrs = slot_offset(cls, "attrs")) < 0 || (off_children = slot_offset(cls, "children")) < 0 ||
        (off_parent = slot_offset(cls, "parent")) < 0 || (off_score = slot_offset(cls, "score")) < 0 ||
        (off_text_len = slot_offset(cls, "text_len")) < 0 || (off_link_len = slot_offset(cls, "link_len")) < 0 ||
        (off_punct = slot_offset(cls, "punct")) < 0 || (off_flag = slot_offset(cls, "flag")) < 0 ||
        (off_direct = slot_offset(cls, "direct")) < 0)
        return NULL;
    Py_INCREF(cls);
    El_type = (PyTypeObject *)cls;
    if (!zero_float && !(zero_float = PyFloat_FromDouble(0.0))) return NULL;
    if (!empty_str && !(empty_str = PyUnicode_FromString(""))) return NULL;
    if (!str_start && !(str_start = PyUnicode_InternFromString("start"))) return NULL;
    Py_RETURN_NONE;
}

/* check_layout(node_mem_id): compare the struct fields with lexbor's accessors on every node under a node
 * (attributes included: they are nodes too); when all agree, read the fields from now on. Returns whether. */
static PyObject *py_check_layout(PyObject *self, PyObject *arg)
{
    (void)self;
    if (!fn_first_child) { PyErr_SetString(PyExc_RuntimeError, "_lightcopy.init() was not called"); return NULL; }
    unsigned long long addr = PyLong_AsUnsignedLongLong(arg);
    if (PyErr_Occurred()) return NULL;
    lxb_dom_node_t *top = (lxb_dom_node_t *)(uintptr_t)addr, *node = top;
    int ok = top != NULL, seen = 0;
    while (node && ok) {
        seen++;
        ok = node->first_child == fn_first_child(node) && node->next == fn_next_sibling(node) &&
             node->parent == fn_parent_of(node) && node->type == fn_node_type(node) && node->local_name == fn_tag_id(node);
        if (ok && fn_node_type(node) == NODE_ELEMENT)
            for (void *a = first_attr(node); a && ok; a = next_attr(a))
                ok = ((lxb_dom_node_t *)a)->local_name == fn_tag_id((lxb_dom_node_t *)a);
        lxb_dom_node_t *down = fn_first_child(node);
        if (down) { node = down; continue; }
        while (node != top && !fn_next_sibling(node)) node = fn_parent_of(node);
        node = node == top ? NULL : fn_next_sibling(node);
    }
    direct_fields = ok && seen > 20;
    return PyBool_FromLong(direct_fields);
}

static PyMethodDef methods[] = {
    {"check_layout", py_check_layout, METH_O, "check_layout(node_mem_id): read node fields directly if they match lexbor's accessors"},
    {"init", py_init, METH_VARARGS, "init(selectolax_so_path, El, skip_tags, block_tags, inline_tags, max_depth)"},
    {"copy", py_copy, METH_VARARGS, "copy(node_mem_id, root, texty): copy and measure the children of a lexbor node"},
    {"head", py_head, METH_VARARGS, "head(html_mem_id): (lang, title, metas, links, json_ld, json_state, h1s, times, articles, body text, regions)"},
    {"release", py_release, METH_O, "release(root): clear the parent links of a light tree"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_lightcopy", "The light-tree copy of dom.py, in C.", -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__lightcopy(void) { return PyModule_Create(&module); }
