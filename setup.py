"""Only the optional C parts live here; everything else is in pyproject.toml.

`newsgrab.extraction._lightcopy` copies lexbor's tree into newsgrab's light tree (see its source for
why). `newsgrab.extraction._tagscan` finds tags with too many attributes for guard.py. `newsgrab._storefast`
does the store's text work: repost sketch, search index text, NFKC. All are optional: without a C compiler
the build goes on, dom.py uses its Python walk, guard.py leaves attributes alone and the store uses its Python
code (reposts.sketch_python, storetext._index_folded_python, unicodedata).
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
        # The store's per-article text work (reposts.py, storetext.py say when it is trusted).
        Extension(
            "newsgrab._storefast",
            sources=["src/newsgrab/_storefast.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
