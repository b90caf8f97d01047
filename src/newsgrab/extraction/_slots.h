/* Reading newsgrab's slotted Python objects (dom.El, render's Block) field by field, without attribute
 * look-ups: the offset of a `__slots__` member, taken once from the class's member descriptor.
 *
 * Included by _lightcopy.c, _render.c and _scorefast.c (each a module of its own, so each gets a copy). */

#include <structmember.h>

/* The offset of object slot `name` of `cls`, or -1 with TypeError when it is not one. */
static Py_ssize_t slot_offset(PyObject *cls, const char *name)
{
    PyObject *d = PyObject_GetAttrString(cls, name);
    if (!d) return -1;
    if (!PyObject_TypeCheck(d, &PyMemberDescr_Type) || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
        Py_DECREF(d);
        PyErr_Format(PyExc_TypeError, "%s is not an object slot", name);
        return -1;
    }
    Py_ssize_t off = ((PyMemberDescrObject *)d)->d_member->offset;
    Py_DECREF(d);
    return off;
}
