"""Only the optional C parts live here; everything else is in pyproject.toml.

`newsgrab.extraction._lightcopy` copies lexbor's tree into newsgrab's light tree (see its source for
why). `newsgrab.extraction._tagscan` finds tags with too many attributes for guard.py.
`newsgrab._scripts` counts characters by script (language.py, encoding.py) and scans words (clean.py).
`newsgrab.extraction._render` turns the chosen part of the light tree into blocks, as render.py does.
`newsgrab.extraction._scorefast` runs scoring.py's hot paths and its class/id hint patterns.
`newsgrab._storefast` does the store's text work: repost sketch, search index text, NFKC. All are
optional: without a C compiler the build goes on, and each module that would use one uses its Python
code instead (dom.py its walk, guard.py leaves attributes alone, language.py its patterns, render.py its
renderer, scoring.py its Python scoring, the store reposts.sketch_python, storetext._index_folded_python and unicodedata).
"""

from setuptools import Extension, setup


def optional_c(module: str, *headers: str) -> Extension:
    """The C part ``newsgrab.<module>`` built from ``src/newsgrab/<module>.c`` (and rebuilt when one of the
    headers it includes, beside it, changes); the build goes on without it when it cannot be compiled."""
    path = "src/newsgrab/" + module.replace(".", "/")
    folder = path.rsplit("/", 1)[0]
    return Extension(
        "newsgrab." + module,
        sources=[path + ".c"],
        depends=[f"{folder}/{h}" for h in headers],
        extra_compile_args=["-O2"],
        optional=True,
    )


setup(
    ext_modules=[
        optional_c("extraction._lightcopy", "_slots.h"),
        # Tags with thousands of attributes, found before lexbor spends minutes on them (guard.py).
        optional_c("extraction._tagscan"),
        # Script counts and stop words for language detection (language.py checks it against its patterns).
        optional_c("_scripts"),
        # The article's blocks from the light tree (render.py checks it against its Python renderer).
        optional_c("extraction._render", "_slots.h"),
        # Scoring's hot paths and the class/id hint patterns (scoring.py checks it against its Python code).
        optional_c("extraction._scorefast", "_slots.h", "_hintmatch.h", "_scorefast_found.h", "_scorefast_lead.h"),
        # The store's per-article text work (reposts.py, storetext.py say when it is trusted).
        optional_c("_storefast"),
    ]
)
