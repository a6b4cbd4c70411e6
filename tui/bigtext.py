"""Ticket numbers in letters five rows high, drawn with block characters: readable from a few metres,
on any terminal font (Textual's `Digits` lacks most letters)."""

from __future__ import annotations

# Each glyph: five rows of four cells, '#' for a block.
_FONT = """
A .##. #..# #### #..# #..#
B ###. #..# ###. #..# ###.
C .### #... #... #... .###
D ###. #..# #..# #..# ###.
E #### #... ###. #... ####
F #### #... ###. #... #...
G .### #... #.## #..# .###
H #..# #..# #### #..# #..#
I .### ..#. ..#. ..#. .###
J ..## ...# ...# #..# .##.
K #..# #.#. ##.. #.#. #..#
L #... #... #... #... ####
M #..# #### #### #..# #..#
N #..# ##.# #.## #..# #..#
O .##. #..# #..# #..# .##.
P ###. #..# ###. #... #...
Q .##. #..# #..# #.## .###
R ###. #..# ###. #.#. #..#
S .### #... .##. ...# ###.
T #### .##. .##. .##. .##.
U #..# #..# #..# #..# .##.
V #..# #..# #..# .##. .##.
W #..# #..# #### #### #..#
X #..# .##. .##. .##. #..#
Y #..# #..# .##. .##. .##.
Z #### ..#. .#.. #... ####
0 .##. #..# #..# #..# .##.
1 ..#. .##. ..#. ..#. .###
2 ###. ...# .##. #... ####
3 ###. ...# .##. ...# ###.
4 #..# #..# #### ...# ...#
5 #### #... ###. ...# ###.
6 .##. #... ###. #..# .##.
7 #### ...# ..#. .#.. .#..
8 .##. #..# .##. #..# .##.
9 .##. #..# .### ...# .##.
- .... .... #### .... ....
"""
GLYPHS: dict[str, tuple[str, ...]] = {
    line[0]: tuple(row.replace("#", "█").replace(".", " ") for row in line[2:].split())
    for line in _FONT.strip().splitlines()
}
HEIGHT = 5


def big(text: str) -> str:
    """`text` in five-row block letters (unknown characters as blanks), one space between letters."""
    rows = [[] for _ in range(HEIGHT)]  # type: list[list[str]]
    for char in text.upper():
        glyph = GLYPHS.get(char, ("    ",) * HEIGHT)
        for row, part in zip(rows, glyph, strict=True):
            row.append(part)
    return "\n".join(" ".join(row) for row in rows)
