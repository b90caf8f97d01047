"""Only the optional C part lives here; everything else is in pyproject.toml.

`newsgrab.extraction._lightcopy` copies lexbor's tree into newsgrab's light tree (see its source for
why). It is optional: without a C compiler the build goes on and dom.py uses its Python walk.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "newsgrab.extraction._lightcopy",
            sources=["src/newsgrab/extraction/_lightcopy.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
