#!/usr/bin/env python3
"""Converts an X window dump (xwd, 24/32-bit TrueColor ZPixmap, as Xvfb
writes) to PNG. Used by scripts/screenshot-editor.sh."""

import struct
import sys

from PIL import Image


def main(src: str, dst: str) -> None:
    data = open(src, "rb").read()
    fields = struct.unpack(">25I", data[:100])
    header_size, _, pixmap_format, depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    ncolors = fields[19]
    if pixmap_format != 2 or bits_per_pixel != 32 or depth not in (24, 32):
        sys.exit(f"{src}: only 24/32-bit ZPixmap dumps are supported "
                 f"(format {pixmap_format}, depth {depth}, {bits_per_pixel} bpp)")
    start = header_size + 12 * ncolors
    raw = data[start:start + bytes_per_line * height]
    mode = "BGRX" if byte_order == 0 else "XRGB"
    img = Image.frombuffer("RGB", (width, height), raw, "raw", mode, bytes_per_line, 1)
    img.save(dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: xwd_to_png.py IN.xwd OUT.png")
    main(sys.argv[1], sys.argv[2])
