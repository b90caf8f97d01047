/* The class/id hint patterns of tables.py as a small backtracking matcher, for _scorefast.c (included there).
 *
 * `re` tries every alternative of these long alternations at every position of a class string it has not
 * seen before (~10 us a string). compile_pattern() reads a compiled pattern's `.pattern` source -- literals,
 * groups, `?`, classes, ^ $ \b and negative lookahead, the subset tables.py uses -- into alternatives with a
 * first-character index and a pair prefilter; search() answers exactly what `re.search` answers for ASCII
 * strings and hands anything else (a non-ASCII string, a source outside the subset) to the `re` pattern.
 */

#ifndef NEWSGRAB_HINTMATCH_H
#define NEWSGRAB_HINTMATCH_H

enum { N_SET, N_BOL, N_EOL, N_WORDB, N_GROUP, N_NOT };

typedef struct Node Node;
typedef struct { Node *nodes; int n, cap; } Seq;
struct Node {
    unsigned char kind, optional;
    unsigned char set[32]; /* N_SET: the bytes it matches (both cases when the pattern ignores case) */
    Seq *alts;             /* N_GROUP, N_NOT: the alternatives */
    int nalts;
};

typedef struct {
    PyObject *regex;       /* the compiled `re` pattern: the fallback */
    Seq *alts;             /* NULL when the source is outside the subset */
    int nalts;
    short *first[256];     /* per byte: the top-level alternatives a match starting there can take, -1 ended */
    short *at_end;         /* alternatives that may match without consuming (tried everywhere) */
    const unsigned char *(*lead)[4]; /* per alternative: the sets of its first (up to 4) plain characters */
    unsigned char *nlead;  /* how many: checked inline before the matcher is called (most alternatives are words) */
    unsigned char (*pairs)[32]; /* [c1] bit c2: some match may start with c1 c2 (most positions start none) */
} Pattern;


static void free_alts(Seq *alts, int n)
{
    if (!alts) return;
    for (int a = 0; a < n; a++) {
        for (int i = 0; i < alts[a].n; i++) free_alts(alts[a].nodes[i].alts, alts[a].nodes[i].nalts);
        PyMem_Free(alts[a].nodes);
    }
    PyMem_Free(alts);
}

static void clear_pattern(Pattern *p)
{
    Py_CLEAR(p->regex);
    free_alts(p->alts, p->nalts);
    p->alts = NULL;
    p->nalts = 0;
    for (int c = 0; c < 256; c++) { PyMem_Free(p->first[c]); p->first[c] = NULL; }
    PyMem_Free(p->at_end);
    p->at_end = NULL;
    PyMem_Free(p->lead);
    p->lead = NULL;
    PyMem_Free(p->nlead);
    p->nlead = NULL;
    PyMem_Free(p->pairs);
    p->pairs = NULL;
}

typedef struct { const char *s; Py_ssize_t i, n; int icase; int bad; } Parser; /* bad: outside the subset */

static inline void set_add(unsigned char *set, int c, int icase)
{
    set[c >> 3] |= (unsigned char)(1 << (c & 7));
    if (icase && c >= 'a' && c <= 'z') set_add(set, c - 32, 0);
    if (icase && c >= 'A' && c <= 'Z') set_add(set, c + 32, 0);
}

static inline int in_set(const unsigned char *set, int c) { return set[c >> 3] >> (c & 7) & 1; }

static inline int is_word(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

/* Python's \s for ASCII (str.isspace): \t \n \v \f \r, \x1c-\x1f, space. */
static inline int is_space(int c) { return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f); }

/* \s \d \w into `set`; 0 when `e` is no class escape. */
static int class_escape(unsigned char *set, char e)
{
    for (int c = 0; c < 128; c++)
        if ((e == 's' && is_space(c)) || (e == 'd' && c >= '0' && c <= '9') || (e == 'w' && is_word(c)))
            set_add(set, c, 0);
    return e == 's' || e == 'd' || e == 'w';
}

static Node *seq_push(Seq *q)
{
    if (q->n == q->cap) {
        int cap = q->cap ? 2 * q->cap : 8;
        Node *nodes = PyMem_Realloc(q->nodes, (size_t)cap * sizeof(Node));
        if (!nodes) return NULL;
        q->nodes = nodes;
        q->cap = cap;
    }
    Node *nd = &q->nodes[q->n++];
    memset(nd, 0, sizeof *nd);
    return nd;
}

static int parse_alts(Parser *p, Seq **out, int *nout);

/* One sequence, up to '|' or ')' or the end. Returns -1 on no memory; sets p->bad when unsupported. */
static int parse_seq(Parser *p, Seq *q)
{
    while (p->i < p->n && !p->bad) {
        char c = p->s[p->i];
        if (c == '|' || c == ')') return 0;
        Node *nd = seq_push(q);
        if (!nd) return -1;
        p->i++;
        if (c == '(') {
            nd->kind = N_GROUP;
            if (p->i + 1 < p->n && p->s[p->i] == '?') {
                if (p->s[p->i + 1] == ':') nd->kind = N_GROUP;
                else if (p->s[p->i + 1] == '!') nd->kind = N_NOT;
                else { p->bad = 1; return 0; }
                p->i += 2;
            }
            if (parse_alts(p, &nd->alts, &nd->nalts) < 0) return -1;
            if (p->bad) return 0;
            if (p->i >= p->n || p->s[p->i] != ')') { p->bad = 1; return 0; }
            p->i++;
        } else if (c == '[') {
            nd->kind = N_SET;
            if (p->i < p->n && (p->s[p->i] == '^' || p->s[p->i] == ']')) { p->bad = 1; return 0; }
            while (p->i < p->n && p->s[p->i] != ']') {
                char a = p->s[p->i++];
                if (a == '\\') {
                    if (p->i >= p->n) { p->bad = 1; return 0; }
                    a = p->s[p->i++];
                    if (class_escape(nd->set, a)) {
                        if (p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']') { p->bad = 1; return 0; }
                        continue;
                    }
                    if ((a >= '0' && a <= '9') || (a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z')) { p->bad = 1; return 0; }
                }
                if (p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']') { /* a range a-b */
                    char b = p->s[p->i + 1];
                    if (b == '\\' || b == '[' || b < a) { p->bad = 1; return 0; }
                    for (int x = (unsigned char)a; x <= (unsigned char)b; x++) set_add(nd->set, x, p->icase);
                    p->i += 2;
                } else {
                    set_add(nd->set, (unsigned char)a, p->icase);
                }
            }
            if (p->i >= p->n) { p->bad = 1; return 0; }
            p->i++; /* ']' */
        } else if (c == '\\') {
            if (p->i >= p->n) { p->bad = 1; return 0; }
            char e = p->s[p->i++];
            if (e == 'b') nd->kind = N_WORDB;
            else if (class_escape(nd->set, e)) nd->kind = N_SET;
            else if ((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) { p->bad = 1; return 0; }
            else { nd->kind = N_SET; set_add(nd->set, (unsigned char)e, p->icase); }
        } else if (c == '^') {
            nd->kind = N_BOL;
        } else if (c == '$') {
            nd->kind = N_EOL;
        } else if (c == '.' || c == '*' || c == '+' || c == '?' || c == '{' || c == '}' || c == ']' || c == '#' ||
                   c == ' ' || (unsigned char)c < 0x21 || (unsigned char)c > 0x7e) {
            p->bad = 1; /* (space and '#' are fine without re.VERBOSE, but no pattern needs them) */
            return 0;
        } else {
            nd->kind = N_SET;
            set_add(nd->set, (unsigned char)c, p->icase);
        }
        if (p->i < p->n && p->s[p->i] == '?') {
            if (nd->kind != N_SET && nd->kind != N_GROUP) { p->bad = 1; return 0; }
            nd->optional = 1;
            p->i++;
        }
        if (p->i < p->n && strchr("?*+{", p->s[p->i])) { p->bad = 1; return 0; } /* lazy, repeats */
    }
    return 0;
}

static int parse_alts(Parser *p, Seq **out, int *nout)
{
    Seq *alts = NULL;
    int n = 0;
    for (;;) {
        Seq *grown = PyMem_Realloc(alts, (size_t)(n + 1) * sizeof(Seq));
        if (!grown) { free_alts(alts, n); return -1; }
        alts = grown;
        memset(&alts[n], 0, sizeof(Seq));
        n++;
        if (parse_seq(p, &alts[n - 1]) < 0) { free_alts(alts, n); return -1; }
        if (p->bad || p->i >= p->n || p->s[p->i] != '|') break;
        p->i++;
    }
    *out = alts;
    *nout = n;
    return 0;
}

typedef struct Cont { const Seq *seq; int i; const struct Cont *next; } Cont;

/* Does `seq` from node i, then the continuations `k`, match `s` at pos? Explores every path, so the
 * answer is re.search's: its backtracking also stops only when all paths failed. */
static int match(const unsigned char *s, Py_ssize_t n, const Seq *seq, int i, Py_ssize_t pos, const Cont *k)
{
    for (;;) {
        if (i == seq->n) {
            if (!k) return 1;
            seq = k->seq; i = k->i; k = k->next;
            continue;
        }
        const Node *nd = &seq->nodes[i];
        switch (nd->kind) {
        case N_SET:
            if (pos < n && in_set(nd->set, s[pos])) {
                if (!nd->optional) { pos++; i++; continue; }
                if (match(s, n, seq, i + 1, pos + 1, k)) return 1;
            } else if (!nd->optional) {
                return 0;
            }
            i++;
            continue;
        case N_BOL:
            if (pos != 0) return 0;
            i++;
            continue;
        case N_EOL: /* end of string, or before a newline that ends it */
            if (!(pos == n || (pos == n - 1 && s[pos] == '\n'))) return 0;
            i++;
            continue;
        case N_WORDB: { /* (re: never at all in an empty string) */
            int before = pos > 0 && is_word(s[pos - 1]), after = pos < n && is_word(s[pos]);
            if (n == 0 || before == after) return 0;
            i++;
            continue;
        }
        case N_GROUP: {
            Cont then = {seq, i + 1, k};
            for (int a = 0; a < nd->nalts; a++)
                if (match(s, n, &nd->alts[a], 0, pos, &then)) return 1;
            if (!nd->optional) return 0;
            i++;
            continue;
        }
        case N_NOT:
            for (int a = 0; a < nd->nalts; a++)
                if (match(s, n, &nd->alts[a], 0, pos, NULL)) return 0;
            i++;
            continue;
        }
        return 0;
    }
}

/* Can a match of seq[i:] begin with the bytes s[:n]? A superset of the answer: assertions count as true
 * and running out of bytes counts as success. Used once per pattern to build its pair table. */
static int viable(const unsigned char *s, Py_ssize_t n, const Seq *seq, int i, Py_ssize_t pos, const Cont *k)
{
    for (;;) {
        if (i == seq->n) {
            if (!k) return 1;
            seq = k->seq; i = k->i; k = k->next;
            continue;
        }
        const Node *nd = &seq->nodes[i];
        if (nd->kind == N_SET) {
            if (pos == n) return 1;
            if (in_set(nd->set, s[pos])) {
                if (!nd->optional) { pos++; i++; continue; }
                if (viable(s, n, seq, i + 1, pos + 1, k)) return 1;
            } else if (!nd->optional) {
                return 0;
            }
        } else if (nd->kind == N_GROUP) {
            Cont then = {seq, i + 1, k};
            for (int a = 0; a < nd->nalts; a++)
                if (viable(s, n, &nd->alts[a], 0, pos, &then)) return 1;
            if (!nd->optional) return 0;
        }
        i++;
    }
}

/* The bytes a match of seq[i:] can consume first, into `first`; returns 1 when it can match while
 * consuming nothing. Assertions consume nothing and only narrow a match: they are passed over. */
static int first_bytes(const Seq *seq, int i, unsigned char *first)
{
    for (; i < seq->n; i++) {
        const Node *nd = &seq->nodes[i];
        if (nd->kind == N_SET) {
            for (int b = 0; b < 32; b++) first[b] |= nd->set[b];
            if (!nd->optional) return 0;
        } else if (nd->kind == N_GROUP) {
            int empty = nd->optional;
            for (int a = 0; a < nd->nalts; a++) empty |= first_bytes(&nd->alts[a], 0, first);
            if (!empty) return 0;
        }
    }
    return 1;
}

static short *index_list(const short *tmp, int n)
{
    short *out = PyMem_Malloc((size_t)(n + 1) * sizeof(short));
    if (!out) return NULL;
    memcpy(out, tmp, (size_t)n * sizeof(short));
    out[n] = -1;
    return out;
}

/* Compile `regex` (a re.Pattern) into `p`; a source outside the subset leaves p->alts NULL. */
static int compile_pattern(Pattern *p, PyObject *regex)
{
    clear_pattern(p);
    Py_INCREF(regex);
    p->regex = regex;
    PyObject *src = PyObject_GetAttrString(regex, "pattern");
    PyObject *flags = src ? PyObject_GetAttrString(regex, "flags") : NULL;
    long fl = flags ? PyLong_AsLong(flags) : -1;
    Py_XDECREF(flags);
    if (!src || (fl == -1 && PyErr_Occurred())) { Py_XDECREF(src); return -1; }
    /* re.IGNORECASE = 2, re.UNICODE = 32; MULTILINE, DOTALL, VERBOSE, ASCII... change what the subset means */
    if (!PyUnicode_Check(src) || !PyUnicode_IS_ASCII(src) || (fl & ~(2L | 32L))) { Py_DECREF(src); return 0; }
    Parser ps = {(const char *)PyUnicode_1BYTE_DATA(src), 0, PyUnicode_GET_LENGTH(src), (fl & 2) != 0, 0};
    Seq *alts = NULL;
    int nalts = 0;
    int err = parse_alts(&ps, &alts, &nalts);
    Py_DECREF(src);
    if (err < 0) { PyErr_NoMemory(); return -1; }
    if (ps.bad || ps.i != ps.n || nalts > 30000) { free_alts(alts, nalts); return 0; }
    p->alts = alts;
    p->nalts = nalts;
    short *tmp = PyMem_Malloc((size_t)nalts * sizeof(short) + 1);
    unsigned char(*firsts)[32] = PyMem_Calloc((size_t)nalts, 32);
    int *empty = PyMem_Calloc((size_t)nalts, sizeof(int));
    int ok = tmp && firsts && empty;
    for (int a = 0; ok && a < nalts; a++) empty[a] = first_bytes(&alts[a], 0, firsts[a]);
    for (int c = 0; ok && c < 256; c++) {
        int m = 0;
        for (int a = 0; a < nalts; a++)
            if (empty[a] || in_set(firsts[a], c)) tmp[m++] = (short)a;
        ok = (p->first[c] = index_list(tmp, m)) != NULL;
    }
    if (ok) {
        int m = 0;
        for (int a = 0; a < nalts; a++)
            if (empty[a]) tmp[m++] = (short)a;
        ok = (p->at_end = index_list(tmp, m)) != NULL;
    }
    if (ok) {
        p->lead = PyMem_Calloc((size_t)nalts, sizeof *p->lead);
        p->nlead = PyMem_Calloc((size_t)nalts, 1);
        ok = p->lead && p->nlead;
        for (int a = 0; ok && a < nalts; a++) {
            int k = 0;
            while (k < 4 && k < alts[a].n && alts[a].nodes[k].kind == N_SET && !alts[a].nodes[k].optional) {
                p->lead[a][k] = alts[a].nodes[k].set;
                k++;
            }
            p->nlead[a] = (unsigned char)k;
        }
    }
    /* (Only ASCII subjects reach the matcher: pairs of ASCII bytes are enough.) */
    if (ok) ok = (p->pairs = PyMem_Calloc(256, 32)) != NULL;
    for (int a = 0; ok && a < nalts; a++)
        for (int c1 = 0; c1 < 128; c1++) {
            if (!empty[a] && !in_set(firsts[a], c1)) continue;
            for (int c2 = 0; c2 < 128; c2++) {
                unsigned char two[2] = {(unsigned char)c1, (unsigned char)c2};
                if (!in_set(p->pairs[c1], c2) && viable(two, 2, &alts[a], 0, 0, NULL)) set_add(p->pairs[c1], c2, 0);
            }
        }
    PyMem_Free(tmp);
    PyMem_Free(firsts);
    PyMem_Free(empty);
    if (!ok) { clear_pattern(p); PyErr_NoMemory(); return -1; }
    return 0;
}

/* re.search(pattern, s) is not None: 1, 0, or -1 with an exception (from the `re` fallback). */
static int search(const Pattern *p, PyObject *s)
{
    if (p->alts && PyUnicode_Check(s) && PyUnicode_IS_ASCII(s)) {
        const unsigned char *b = PyUnicode_1BYTE_DATA(s);
        Py_ssize_t n = PyUnicode_GET_LENGTH(s);
        for (Py_ssize_t pos = 0; pos <= n; pos++) {
            if (pos + 1 < n && !in_set(p->pairs[b[pos]], b[pos + 1])) continue;
            for (const short *a = pos < n ? p->first[b[pos]] : p->at_end; *a >= 0; a++) {
                int k = p->nlead[*a];
                if (pos + k > n) continue;
                const unsigned char *const *lead = p->lead[*a];
                while (k > 0 && in_set(lead[k - 1], b[pos + k - 1])) k--;
                if (k == 0 && match(b, n, &p->alts[*a], 0, pos, NULL)) return 1;
            }
        }
        return 0;
    }
    PyObject *m = PyObject_CallMethod(p->regex, "search", "O", s);
    if (!m) return -1;
    int found = m != Py_None;
    Py_DECREF(m);
    return found;
}


#endif
