"""Prints the spec example of the README's "The spec language" section, so a
test can check that the README shows a spec that compiles."""
import sys

text = open(sys.argv[1]).read()
section = text.index("## The spec language")
start = text.index("```\n", section) + 4
print(text[start:text.index("```", start)], end="")
