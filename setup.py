"""Only the optional C part lives here; everything else is in pyproject.toml.

`newsgrab.extraction._lightcopy` copies lexbor's tree into newsgrab's light tree (see its source for
why). `newsgrab.extraction._tagscan` finds tags with too many attributes for guard.py. Both are optional:
without a C compiler the build goes on, dom.py uses its Python walk and guard.py leaves attributes alone.
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
    ]
)
