/* Find tags that would cost the HTML parser quadratic time, before it sees them.
 *
 * lexbor's cost grows with the square of the number of attributes on one element (10,000 distinct
 * names: 0.2 s; 100,000: ~20 s; a 10 MB page can hold a million) and of the number of options in one
 * <select> (24,000: 2 s). No real page puts more than a few dozen attributes on an element or a few
 * hundred options in a list, so guard.cap_html cuts what is past a limit. Finding them needs the
 * tokenizer's view of the page: a '>' inside a quoted value does not end a tag, "a/b/c" and
 * a="1"b="2" are three and two attributes, text inside <script> or a comment holds no tags. A Python
 * pass over every page costs more than the parse; this one ~15% of it (about 3% of an extraction).
 *
 * cuts(html, max_attrs, max_options) follows the WHATWG tokenizer states that matter here (data, tag name,
 * the attribute states, comments, bogus comments, raw text of script/style/textarea/title/xmp/iframe/
 * noembed/noframes, plaintext) and returns [(start, end), ...] in code points, in order: for each tag with
 * more than max_attrs attributes, the span from the first extra attribute to the end of its last one
 * (cutting it leaves the tag its first max_attrs attributes and its own '>'); and each <option> or
 * <optgroup> tag (start or end) past the max_options-th of one <select>, whole. The
 * reference is tests/tagscan_reference.py (a Python transcription compared on generated markup).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\f' || (c) == '\r')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define LOWER(c) (((c) >= 'A' && (c) <= 'Z') ? (c) + 32 : (c))

static const char *raw_text[] = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", NULL};
static const Py_ssize_t raw_text_len[] = {6, 5, 8, 5, 3, 6, 7, 8}; /* (their lengths: no strlen per tag) */

/* Every function below is inlined into scan(), which is compiled three times with a constant `kind`
 * (1, 2 or 4 bytes a code point): each character read is then a plain array access, and a search for
 * one character in 1-byte text is memchr. */
#define INLINE static inline __attribute__((always_inline))

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
} text_t;

INLINE Py_UCS4 at(const text_t *t, Py_ssize_t i)
{
    switch (t->kind) {
    case PyUnicode_1BYTE_KIND: return ((const Py_UCS1 *)t->data)[i];
    case PyUnicode_2BYTE_KIND: return ((const Py_UCS2 *)t->data)[i];
    default: return ((const Py_UCS4 *)t->data)[i];
    }
}

/* Index of the first `ch` (ASCII) at or after i, or n. */
INLINE Py_ssize_t find_char(const text_t *t, Py_UCS4 ch, Py_ssize_t i)
{
    if (i >= t->n)
        return t->n;
    if (t->kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = (const Py_UCS1 *)t->data;
        const void *hit = memchr(p + i, (int)ch, (size_t)(t->n - i));
        return hit ? (const Py_UCS1 *)hit - p : t->n;
    }
    if (t->kind == PyUnicode_2BYTE_KIND) {
        /* Four code points per 64-bit word: a lane equal to ch becomes zero after the XOR, and the classic
         * "has a zero lane" test finds it (Chinese pages are 2-byte text: this loop is most of the scan). */
        const Py_UCS2 *p = (const Py_UCS2 *)t->data;
        const uint64_t ones = 0x0001000100010001ULL, highs = 0x8000800080008000ULL, pattern = ones * ch;
        for (; i + 4 <= t->n; i += 4) {
            uint64_t w;
            memcpy(&w, p + i, sizeof w);
            w ^= pattern;
            if ((w - ones) & ~w & highs)
                break;
        }
    }
    for (; i < t->n; i++)
        if (at(t, i) == ch)
            return i;
    return t->n;
}

/* Whether the ASCII word `w` starts at i (case-insensitive). */
INLINE int word_at(const text_t *t, Py_ssize_t i, const char *w)
{
    for (; *w; w++, i++)
        if (i >= t->n || LOWER(at(t, i)) != (Py_UCS4)*w)
            return 0;
    return 1;
}

/* After the raw text of <name>: the index of its "</name" followed by a space, '/' or '>'. */
INLINE Py_ssize_t end_of_raw(const text_t *t, Py_ssize_t i, const char *name)
{
    size_t len = strlen(name);
    for (;;) {
        i = find_char(t, '<', i);
        if (i >= t->n)
            return t->n;
        if (i + 1 < t->n && at(t, i + 1) == '/' && word_at(t, i + 2, name)) {
            Py_ssize_t j = i + 2 + (Py_ssize_t)len;
            if (j < t->n) {
                Py_UCS4 c = at(t, j);
                if (IS_SPACE(c) || c == '/' || c == '>')
                    return i;
            }
        }
        i++;
    }
}

/* Append (start, end) to cuts; -1 on a memory error. */
static int add_cut(PyObject *cuts, Py_ssize_t start, Py_ssize_t end)
{
    PyObject *span = Py_BuildValue("(nn)", start, end);
    int r = span ? PyList_Append(cuts, span) : -1;
    Py_XDECREF(span);
    return r;
}

INLINE int scan(const int kind, const void *data, Py_ssize_t n, Py_ssize_t limit, Py_ssize_t max_options,
                PyObject *cuts)
{
    text_t t = {kind, data, n};
    Py_ssize_t i = 0;
    Py_ssize_t options = -1; /* <option>/<optgroup> tags seen in the open <select>; -1: none open */
    while (i < n) {
        i = find_char(&t, '<', i);
        if (i + 1 >= n)
            break;
        Py_UCS4 c = at(&t, i + 1);
        int end_tag = 0;
        Py_ssize_t name_at;
        if (IS_ALPHA(c)) {
            name_at = i + 1;
        } else if (c == '/' && i + 2 < n && IS_ALPHA(at(&t, i + 2))) {
            end_tag = 1;
            name_at = i + 2;
        } else if (c == '!' && i + 3 < n && at(&t, i + 2) == '-' && at(&t, i + 3) == '-') {
            /* A comment: "<!-->" and "<!--->" end at once, else at the next "-->". */
            Py_ssize_t j = i + 4;
            if (j < n && at(&t, j) == '>') { i = j + 1; continue; }
            if (j + 1 < n && at(&t, j) == '-' && at(&t, j + 1) == '>') { i = j + 2; continue; }
            for (;;) {
                j = find_char(&t, '>', j);
                if (j >= n) { i = n; break; }
                if (at(&t, j - 1) == '-' && at(&t, j - 2) == '-') { i = j + 1; break; }
                j++;
            }
            continue;
        } else if (c == '!' || c == '?' || c == '/') {
            /* <!DOCTYPE>, a bogus comment, "</>" or "</ x>": up to the next '>'. */
            i = find_char(&t, '>', i + 2);
            i = i < n ? i + 1 : n;
            continue;
        } else {
            i++; /* a '<' that starts no tag is text */
            continue;
        }
        /* The tag name: up to a space, '/' or '>'. */
        Py_ssize_t j = name_at;
        while (j < n) {
            c = at(&t, j);
            if (IS_SPACE(c) || c == '/' || c == '>')
                break;
            j++;
        }
        const Py_ssize_t tag_at = i, name_len = j - name_at;
        const char *raw = NULL;
        int plaintext = 0;
        if (!end_tag) {
            Py_ssize_t len = j - name_at;
            for (int r = 0; raw_text[r]; r++)
                if (raw_text_len[r] == len && word_at(&t, name_at, raw_text[r])) { raw = raw_text[r]; break; }
            plaintext = len == 9 && word_at(&t, name_at, "plaintext");
        }
        /* The attributes, state by state; `count` of them, the cut from the (limit+1)-th. */
        Py_ssize_t count = 0, cut_from = -1, last_end = -1;
        int closed = 0;
        while (j < n && !closed) {
            c = at(&t, j);
            if (IS_SPACE(c) || c == '/') { j++; continue; } /* before attribute name */
            if (c == '>') { closed = 1; j++; break; }
            /* An attribute name ('=' may start one); ends at a space, '/', '>' or '=' after its first char. */
            count++;
            if (count == limit + 1)
                cut_from = j;
            j++;
            while (j < n) {
                c = at(&t, j);
                if (IS_SPACE(c) || c == '/' || c == '>' || c == '=')
                    break;
                j++;
            }
            Py_ssize_t k = j; /* after the name: spaces, then maybe '=' and a value */
            while (k < n && IS_SPACE(at(&t, k)))
                k++;
            if (k >= n || at(&t, k) != '=') {
                last_end = j;
                j = k; /* a space, '/', '>' or the next name: the loop above sorts them out */
                continue;
            }
            k++;
            while (k < n && IS_SPACE(at(&t, k)))
                k++;
            if (k >= n) { j = n; break; }
            c = at(&t, k);
            if (c == '"' || c == '\'') {
                Py_ssize_t q = find_char(&t, c, k + 1);
                if (q >= n) { j = n; break; }
                j = q + 1; /* after the quote anything but a space, '/' or '>' starts a new name */
            } else if (c == '>') {
                j = k; /* "a=>": no value; the tag ends */
            } else {
                j = k;
                while (j < n) {
                    c = at(&t, j);
                    if (IS_SPACE(c) || c == '>')
                        break;
                    j++;
                }
            }
            last_end = j;
        }
        if (!closed) /* the page ends inside the tag: the parser drops it whole */
            break;
        /* <select>: an option or optgroup past max_options is cut out whole, its text kept (a select's
         * options are re-examined at each insertion: 24,000 of them cost lexbor 2 s, 48,000 8 s). */
        int whole = 0;
        if (name_len == 6 && word_at(&t, name_at, "select"))
            options = end_tag ? -1 : 0;
        else if (options >= 0 && ((name_len == 6 && word_at(&t, name_at, "option")) ||
                                  (name_len == 8 && word_at(&t, name_at, "optgroup")))) {
            if (!end_tag)
                options++;
            whole = options > max_options;
        }
        if (whole) {
            if (add_cut(cuts, tag_at, j) < 0)
                return -1;
        } else if (count > limit && add_cut(cuts, cut_from, last_end) < 0)
            return -1;
        i = j;
        if (plaintext)
            break; /* the rest of the page is text */
        if (raw)
            i = end_of_raw(&t, i, raw);
    }
    return 0;
}

#define SCAN_OF_KIND(name, kind) \
    static int name(const void *d, Py_ssize_t n, Py_ssize_t lim, Py_ssize_t opt, PyObject *c) { return scan(kind, d, n, lim, opt, c); }
SCAN_OF_KIND(scan1, PyUnicode_1BYTE_KIND)
SCAN_OF_KIND(scan2, PyUnicode_2BYTE_KIND)
SCAN_OF_KIND(scan4, PyUnicode_4BYTE_KIND)

static PyObject *py_cuts(PyObject *self, PyObject *args)
{
    PyObject *html;
    Py_ssize_t limit, max_options;
    if (!PyArg_ParseTuple(args, "Onn", &html, &limit, &max_options))
        return NULL;
    const void *data;
    Py_ssize_t n;
    int kind;
    if (PyUnicode_Check(html)) {
        data = PyUnicode_DATA(html);
        n = PyUnicode_GET_LENGTH(html);
        kind = PyUnicode_KIND(html);
    } else if (PyBytes_Check(html)) {
        /* UTF-8: every byte of a non-ASCII character is >= 0x80, and the scan decides on ASCII alone, so
         * it finds the same tags as in the decoded text, at byte offsets (and with memchr). */
        data = PyBytes_AS_STRING(html);
        n = PyBytes_GET_SIZE(html);
        kind = PyUnicode_1BYTE_KIND;
    } else {
        PyErr_SetString(PyExc_TypeError, "cuts() takes str or bytes");
        return NULL;
    }
    PyObject *cuts = PyList_New(0);
    if (!cuts)
        return NULL;
    int r = kind == PyUnicode_1BYTE_KIND ? scan1(data, n, limit, max_options, cuts)
          : kind == PyUnicode_2BYTE_KIND ? scan2(data, n, limit, max_options, cuts)
                                         : scan4(data, n, limit, max_options, cuts);
    if (r < 0) {
        Py_DECREF(cuts);
        return NULL;
    }
    return cuts;
}

/* The number of '<' in UTF-8 bytes: str.count("<") of the decoded text (on text with any character past
 * Latin-1, str.count cannot use memchr), 8 bytes at a time. */
static PyObject *py_count_lt(PyObject *self, PyObject *arg)
{
    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "count_lt() takes bytes");
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(arg);
    Py_ssize_t n = PyBytes_GET_SIZE(arg), lt = 0, i = 0;
    const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ (ones * '<'); /* a zero byte where w has '<' */
        /* 0x80 in exactly the zero bytes of x (no false hits: no carries cross bytes) */
        uint64_t zero = ~(((x & low7) + low7) | x | low7);
        lt += (Py_ssize_t)(((zero >> 7) * ones) >> 56); /* the sum of the 0/1 bytes lands in the top byte */
    }
    for (; i < n; i++)
        lt += p[i] == '<';
    return PyLong_FromSsize_t(lt);
}

static PyMethodDef methods[] = {
    {"cuts", py_cuts, METH_VARARGS,
     "cuts(html, max_attrs, max_options): [(start, end)] spans to cut: attributes past max_attrs on a tag, "
     "options past max_options in a select. html is str (spans in code points) or UTF-8 bytes (in bytes)"},
    {"count_lt", py_count_lt, METH_O, "count_lt(utf8): the number of '<' in the bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tagscan", "Tags with too many attributes, found in C.", -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__tagscan(void) { return PyModule_Create(&module); }
