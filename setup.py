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

setup(
    ext_modules=[
        Extension(
            "newsgrab.extraction._lightcopy",
            sources=["src/newsgrab/extraction/_lightcopy.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # Tags with thousands of attributes, found before lexbor spends minutes on them (guard.py).
        Extension(
            "newsgrab.extraction._tagscan",
            sources=["src/newsgrab/extraction/_tagscan.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # Script counts and stop words for language detection (language.py checks it against its patterns).
        Extension(
            "newsgrab._scripts",
            sources=["src/newsgrab/_scripts.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # The article's blocks from the light tree (render.py checks it against its Python renderer).
        Extension(
            "newsgrab.extraction._render",
            sources=["src/newsgrab/extraction/_render.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # Scoring's hot paths and the class/id hint patterns (scoring.py checks it against its Python code).
        Extension(
            "newsgrab.extraction._scorefast",
            sources=["src/newsgrab/extraction/_scorefast.c"],
            depends=[
                "src/newsgrab/extraction/_hintmatch.h",
                "src/newsgrab/extraction/_scorefast_found.h",
                "src/newsgrab/extraction/_scorefast_lead.h",
            ],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # The store's per-article text work (reposts.py, storetext.py say when it is trusted).
        Extension(
            "newsgrab._storefast",
            sources=["src/newsgrab/_storefast.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
