/* Character counts by script and word scans, for language.py and clean.py, in one pass each.
 *
 * language.detect_language reads up to 3,000 characters of an article: how many are Han, kana, Hangul,
 * Traditional-only and Simplified-only forms, Cyrillic, Greek..., and for Latin-script text its words.
 * As regular expressions that is five findall passes over a Chinese sample and a word findall over a
 * Latin one and a dict lookup per word (~0.1-0.2 ms, a fifth of a parse); here one loop over the characters. language.py keeps the
 * regular expressions as the reference and uses this module only after both agreed on a sample of every
 * script at first use (NEWSGRAB_PURE_PYTHON=1 forces the reference).
 *
 * counts(text) -> (han, kana, hangul, hant, hans, cyrillic, greek, arabic, hebrew, thai): characters of
 *     U+4E00-9FFF, U+3040-30FF, U+AC00-D7AF, of the two form sets given to init(), U+0400-04FF,
 *     U+0370-03FF, U+0600-06FF, U+0590-05FF, U+0E00-0E7F.
 * cjk_counts(text, end) -> (cjk, common, private use) in text[:end], for encoding.py's plausibility of a CJK
 *     decoding: characters of its _CJK_RE ranges, of the common characters given to init_common(), and of
 *     U+E000-F8FF (three re.sub passes over up to 64 Ki characters there, 0.3 ms a GBK page).
 * stop_counts(text, index, n) -> (number of words, [n counts]): the words are the runs of language._WORD's
 *     letters (a-z, à-ö, ø-ÿ and the Central European letters it lists), as _WORD.findall finds them; for each,
 *     +1 to every language number in index[word] (a dict of str -> tuple of ints < n).
 * first_phrase(text, by_word) -> str | None: clean._Literals' word-keyed search: for each word of text (a run of
 *     letters that are not CJK: [^\W\d_] minus kana, Han and Hangul, as clean._WORD), in order, the first phrase
 *     of by_word[word] (a dict of str -> list of str) that text contains. A findall and a dict lookup per word
 *     were half of the phrase filter's time.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define HAN_LO 0x4e00
#define HAN_HI 0x9fff
static unsigned char form[HAN_HI - HAN_LO + 1]; /* bit 1: a Traditional-only form, bit 2: Simplified-only */
static int ready;

static const Py_UCS4 extra_letters[] = {0x105, 0x107, 0x119, 0x142, 0x144, 0x15b, 0x17a, 0x17c, 0x10d, 0x10f,
                                        0x11b, 0x148, 0x159, 0x161, 0x165, 0x16f, 0x17e, 0x11f, 0x131, 0x15f};

static inline int is_word_char(Py_UCS4 c)
{
    if (c < 0x80) return c >= 'a' && c <= 'z';
    if (c <= 0xff) return (c >= 0xe0 && c <= 0xf6) || c >= 0xf8;
    if (c > 0x17e) return 0;
    for (size_t i = 0; i < sizeof extra_letters / sizeof *extra_letters; i++)
        if (extra_letters[i] == c) return 1;
    return 0;
}

static int mark_forms(PyObject *chars, unsigned char bit)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(chars);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, i);
        if (c < HAN_LO || c > HAN_HI) {
            PyErr_SetString(PyExc_ValueError, "form sets hold CJK unified ideographs only");
            return -1;
        }
        form[c - HAN_LO] |= bit;
    }
    return 0;
}

static PyObject *py_init(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *hant, *hans;
    if (!PyArg_ParseTuple(args, "UU", &hant, &hans)) return NULL;
    memset(form, 0, sizeof form);
    ready = 0;
    if (mark_forms(hant, 1) < 0 || mark_forms(hans, 2) < 0) return NULL;
    ready = 1;
    Py_RETURN_NONE;
}

static PyObject *py_counts(PyObject *self, PyObject *text)
{
    (void)self;
    if (!PyUnicode_Check(text)) { PyErr_SetString(PyExc_TypeError, "counts() takes a str"); return NULL; }
    if (!ready) { PyErr_SetString(PyExc_RuntimeError, "_scripts.init() was not called"); return NULL; }
    Py_ssize_t han = 0, kana = 0, hangul = 0, hant = 0, hans = 0, cyr = 0, greek = 0, arabic = 0, hebrew = 0, thai = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (kind != PyUnicode_1BYTE_KIND) { /* Latin-1 text holds none of these scripts */
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 0x370) continue;
            if (c >= HAN_LO && c <= HAN_HI) {
                han++;
                unsigned char f = form[c - HAN_LO];
                hant += f & 1;
                hans += f >> 1;
            } else if (c >= 0x3040 && c <= 0x30ff) kana++;
            else if (c >= 0xac00 && c <= 0xd7af) hangul++;
            else if (c >= 0x400 && c <= 0x4ff) cyr++;
            else if (c <= 0x3ff) greek++;
            else if (c >= 0x600 && c <= 0x6ff) arabic++;
            else if (c >= 0x590 && c <= 0x5ff) hebrew++;
            else if (c >= 0xe00 && c <= 0xe7f) thai++;
        }
    }
    return Py_BuildValue("(nnnnnnnnnn)", han, kana, hangul, hant, hans, cyr, greek, arabic, hebrew, thai);
}

static PyObject *py_stop_counts(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *text, *index;
    Py_ssize_t nlangs;
    if (!PyArg_ParseTuple(args, "UO!n", &text, &PyDict_Type, &index, &nlangs)) return NULL;
    if (nlangs < 0 || nlangs > 64) { PyErr_SetString(PyExc_ValueError, "0 to 64 languages"); return NULL; }
    Py_ssize_t counts[64] = {0}, nwords = 0, longest = 0;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(index, &pos, &key, &value)) /* words longer than every key need no lookup */
        if (PyUnicode_Check(key) && PyUnicode_GET_LENGTH(key) > longest) longest = PyUnicode_GET_LENGTH(key);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    while (i < n) {
        while (i < n && !is_word_char(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t start = i;
        while (i < n && is_word_char(PyUnicode_READ(kind, data, i))) i++;
        if (i == start) continue;
        nwords++;
        if (i - start > longest) continue;
        PyObject *w = PyUnicode_Substring(text, start, i);
        if (!w) return NULL;
        PyObject *langs = PyDict_GetItemWithError(index, w); /* borrowed */
        Py_DECREF(w);
        if (!langs) {
            if (PyErr_Occurred()) return NULL;
            continue;
        }
        if (!PyTuple_Check(langs)) { PyErr_SetString(PyExc_TypeError, "index values are tuples"); return NULL; }
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(langs); j++) {
            Py_ssize_t k = PyLong_AsSsize_t(PyTuple_GET_ITEM(langs, j));
            if (k < 0 || k >= nlangs) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "language number out of range");
                return NULL;
            }
            counts[k]++;
        }
    }
    PyObject *list = PyList_New(nlangs);
    if (!list) return NULL;
    for (Py_ssize_t k = 0; k < nlangs; k++) {
        PyObject *c = PyLong_FromSsize_t(counts[k]);
        if (!c) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, k, c);
    }
    PyObject *r = Py_BuildValue("(nN)", nwords, list);
    return r;
}

/* clean._WORD's letters: re's \w (alphanumeric or '_') without \d (decimal digits), '_' and the CJK ranges. */
static inline int is_phrase_letter(Py_UCS4 c)
{
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af))
        return 0;
    return Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

static PyObject *py_first_phrase(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *text, *by_word;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyDict_Type, &by_word)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    while (i < n) {
        while (i < n && !is_phrase_letter(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t start = i;
        while (i < n && is_phrase_letter(PyUnicode_READ(kind, data, i))) i++;
        if (i == start) continue;
        PyObject *w = PyUnicode_Substring(text, start, i);
        if (!w) return NULL;
        PyObject *phrases = PyDict_GetItemWithError(by_word, w); /* borrowed */
        Py_DECREF(w);
        if (!phrases) {
            if (PyErr_Occurred()) return NULL;
            continue;
        }
        if (!PyList_Check(phrases)) { PyErr_SetString(PyExc_TypeError, "by_word values are lists"); return NULL; }
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(phrases); j++) {
            PyObject *phrase = PyList_GET_ITEM(phrases, j);
            int found = PyUnicode_Contains(text, phrase);
            if (found < 0) return NULL;
            if (found) { Py_INCREF(phrase); return phrase; }
        }
    }
    Py_RETURN_NONE;
}

static unsigned char common_bmp[65536 / 8]; /* bit per BMP character: one of encoding._COMMON */
static int common_ready;

static PyObject *py_init_common(PyObject *self, PyObject *chars)
{
    (void)self;
    if (!PyUnicode_Check(chars)) { PyErr_SetString(PyExc_TypeError, "init_common() takes a str"); return NULL; }
    memset(common_bmp, 0, sizeof common_bmp);
    common_ready = 0;
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(chars); i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, i);
        if (c > 0xffff) { PyErr_SetString(PyExc_ValueError, "common characters are in the BMP"); return NULL; }
        common_bmp[c >> 3] |= (unsigned char)(1 << (c & 7));
    }
    common_ready = 1;
    Py_RETURN_NONE;
}

static inline int is_cjk(Py_UCS4 c) /* encoding._CJK_RE's ranges */
{
    return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) ||
           (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff61 && c <= 0xff9f) ||
           (c >= 0x20000 && c <= 0x3ffff);
}

static PyObject *py_cjk_counts(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *text;
    Py_ssize_t end;
    if (!PyArg_ParseTuple(args, "Un", &text, &end)) return NULL;
    if (!common_ready) { PyErr_SetString(PyExc_RuntimeError, "_scripts.init_common() was not called"); return NULL; }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), cjk = 0, common = 0, pua = 0;
    if (end < n) n = end < 0 ? 0 : end;
    if (kind != PyUnicode_1BYTE_KIND) { /* (Latin-1 text holds none of them: encoding.py checks the common set is CJK) */
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c <= 0xffff) common += (common_bmp[c >> 3] >> (c & 7)) & 1;
            if (c < 0x3040) continue;
            cjk += is_cjk(c);
            pua += c >= 0xe000 && c <= 0xf8ff;
        }
    }
    return Py_BuildValue("(nnn)", cjk, common, pua);
}

static PyMethodDef methods[] = {
    {"init_common", py_init_common, METH_O, "init_common(chars): the common characters cjk_counts counts"},
    {"cjk_counts", py_cjk_counts, METH_VARARGS, "cjk_counts(text, end): (cjk, common, private use) in text[:end]"},
    {"first_phrase", py_first_phrase, METH_VARARGS, "first_phrase(text, by_word): clean._Literals' word-keyed search"},
    {"stop_counts", py_stop_counts, METH_VARARGS, "stop_counts(text, index, n): (words, [count per language number])"},
    {"init", py_init, METH_VARARGS, "init(hant_forms, hans_forms): the Traditional-only and Simplified-only characters"},
    {"counts", py_counts, METH_O, "counts(text): (han, kana, hangul, hant, hans, cyrillic, greek, arabic, hebrew, thai)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scripts", "Character counts by script, for language.py.", -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__scripts(void) { return PyModule_Create(&module); }
