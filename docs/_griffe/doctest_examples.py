"""A griffe extension for the API reference (mkdocs.yml loads it; it is not a page).

keras-seq docstrings write their doctests flush under an `Example:` header:

    Example:
    >>> layer = ...

Google-style parsers (griffe's included) expect a section's body to be indented, and
read `Example:` (singular) as an admonition, so the `>>>` lines would render as nested
block quotes. This extension indents such bodies and renames the header `Examples:`,
which griffe renders as highlighted Python console code (an indented body only gets
the new header).
"""

import re

import griffe

_EXAMPLE_HEADER = re.compile(r"^Examples?:\s*$")
_ANY_HEADER = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


def indent_examples(text):
    """Returns `text` with flush `Example:` section bodies indented by four spaces."""
    lines = text.split("\n")
    result = []
    inside = False
    for index, line in enumerate(lines):
        if inside and _ANY_HEADER.match(line):
            inside = False  # the next section (References:, ...) ends the example
        if inside and line.strip():
            line = "    " + line
        if _EXAMPLE_HEADER.match(line):
            following = next((rest for rest in lines[index + 1 :] if rest.strip()), "")
            inside = bool(following) and not following.startswith((" ", "\t"))
            line = "Examples:"
        result.append(line)
    return "\n".join(result)


class DoctestExamples(griffe.Extension):
    """Applies `indent_examples` to every docstring griffe loads."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = indent_examples(obj.docstring.value)
