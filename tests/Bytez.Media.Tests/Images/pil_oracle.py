# The Python reference for the image tests: PIL (Debian's python3-pil, 9.4) and numpy, run once per test run as a
# server on stdin/stdout. Each request is a JSON line followed by `n` raw bytes; each answer is a JSON line followed
# by `n` raw bytes. Ops:
#   decode     {path}                 -> {w,h} + RGB bytes, as transformers.image_utils.load_image (4.57) gives them:
#                                        PIL.Image.open, ImageOps.exif_transpose, convert("RGB")
#   read       {path}                 -> {w,h,mode,format} + the bytes of Image.open as it is (no conversion)
#   resize     {w,h,nw,nh,filter} + RGB bytes -> RGB bytes of Image.resize((nw, nh), filter)
#   fixtures   {dir}                  -> {files:[{name, what}]}: images written by PIL in every mode
#   preprocess {path, processor, config} -> image_processors.py (beside this file)
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

out = sys.stdout.buffer
inp = sys.stdin.buffer


def answer(header, payload=b""):
    header["n"] = len(payload)
    out.write(json.dumps(header).encode() + b"\n")
    out.write(payload)
    out.flush()


def load_image(path):
    image = Image.open(path)
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(path, w, h, color_type, bit_depth, samples):
    """A PNG written by hand (PIL cannot write 16-bit RGB): samples is a uint16/uint8 array h x (w*channels)."""
    rows = b""
    data = samples.astype(">u2" if bit_depth == 16 else "u1")
    for y in range(h):
        rows += b"\x00" + data[y].tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def fixtures(directory):
    rng = np.random.default_rng(1234)
    files = []

    def add(name, what):
        files.append({"name": name, "what": what})

    w, h = 23, 17
    rgba = rng.integers(0, 256, size=(h, w, 4), dtype=np.uint8)
    rgba[0, :, 3] = 0  # fully transparent pixels with colour: convert("RGB") keeps the colour
    rgb = rgba[:, :, :3].copy()
    base = Image.fromarray(rgb, "RGB")
    base.save(os.path.join(directory, "rgb.png")); add("rgb.png", "PNG RGB 8-bit")
    Image.fromarray(rgba, "RGBA").save(os.path.join(directory, "rgba.png")); add("rgba.png", "PNG RGBA 8-bit, transparent row")
    base.convert("L").save(os.path.join(directory, "l.png")); add("l.png", "PNG greyscale (L)")
    Image.fromarray(rgba[:, :, ::3].copy(), "LA").save(os.path.join(directory, "la.png")); add("la.png", "PNG grey + alpha (LA)")
    base.convert("1").save(os.path.join(directory, "bilevel.png")); add("bilevel.png", "PNG 1-bit (mode 1)")
    pal = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=37)
    pal.save(os.path.join(directory, "p.png")); add("p.png", "PNG palette (P)")
    pal.save(os.path.join(directory, "p_trns.png"), transparency=3); add("p_trns.png", "PNG palette with tRNS")
    g16 = rng.integers(0, 65536, size=(h, w), dtype=np.uint16)
    g16[0, :5] = [0, 1, 255, 256, 65535]
    raw_png(os.path.join(directory, "l16.png"), w, h, 0, 16, g16); add("l16.png", "PNG greyscale 16-bit")
    rgb16 = rng.integers(0, 65536, size=(h, w * 3), dtype=np.uint16)
    raw_png(os.path.join(directory, "rgb16.png"), w, h, 2, 16, rgb16); add("rgb16.png", "PNG RGB 16-bit")
    rgba16 = rng.integers(0, 65536, size=(h, w * 4), dtype=np.uint16)
    raw_png(os.path.join(directory, "rgba16.png"), w, h, 6, 16, rgba16); add("rgba16.png", "PNG RGBA 16-bit")
    base.save(os.path.join(directory, "rgb.bmp")); add("rgb.bmp", "BMP 24-bit")
    pal.save(os.path.join(directory, "p.gif")); add("p.gif", "GIF (palette)")
    base.save(os.path.join(directory, "lossless.webp"), lossless=True); add("lossless.webp", "WebP lossless")
    # A photo-like image for JPEG: smooth gradients plus noise (JPEG decoders differ most on flat noise).
    yy, xx = np.mgrid[0:64, 0:48]
    photo = np.stack([xx * 5, yy * 4, (xx + yy) * 2], axis=-1).astype(np.int32) + rng.integers(-8, 9, size=(64, 48, 3))
    photo = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    photo.save(os.path.join(directory, "q90_420.jpg"), quality=90); add("q90_420.jpg", "JPEG quality 90, 4:2:0")
    photo.save(os.path.join(directory, "q95_444.jpg"), quality=95, subsampling=0); add("q95_444.jpg", "JPEG quality 95, 4:4:4")
    photo.convert("L").save(os.path.join(directory, "grey.jpg"), quality=90); add("grey.jpg", "JPEG greyscale")
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        photo.save(os.path.join(directory, f"exif{o}.jpg"), quality=95, subsampling=0, exif=exif.tobytes()); add(f"exif{o}.jpg", f"JPEG EXIF orientation {o}")
        base.save(os.path.join(directory, f"exif{o}.png"), exif=exif.tobytes()); add(f"exif{o}.png", f"PNG eXIf orientation {o}")
    # Larger photo-like PNGs for the processors: landscape, portrait, small.
    for name, (pw, ph) in {"landscape.png": (320, 240), "portrait.png": (151, 401), "small.png": (40, 30)}.items():
        yy, xx = np.mgrid[0:ph, 0:pw]
        img = np.stack([xx * 255 // pw, yy * 255 // ph, (xx * yy) % 256], axis=-1).astype(np.int32) + rng.integers(-20, 21, size=(ph, pw, 3))
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").save(os.path.join(directory, name)); add(name, f"PNG {pw}x{ph}")
    return files


def main():
    import image_processors  # noqa: E402 (beside this file)

    while True:
        line = inp.readline()
        if not line:
            return
        req = json.loads(line)
        payload = inp.read(req.get("n", 0))
        op = req["op"]
        try:
            if op == "decode":
                image = load_image(req["path"])
                answer({"w": image.width, "h": image.height}, image.tobytes())
            elif op == "read":
                image = Image.open(req["path"])
                image.load()
                answer({"w": image.width, "h": image.height, "mode": image.mode, "format": image.format}, image.tobytes())
            elif op == "resize":
                image = Image.frombytes("RGB", (req["w"], req["h"]), payload)
                resized = image.resize((req["nw"], req["nh"]), req["filter"])
                answer({"w": resized.width, "h": resized.height}, resized.tobytes())
            elif op == "fixtures":
                answer({"files": fixtures(req["dir"])})
            elif op == "preprocess":
                header, data = image_processors.preprocess(load_image(req["path"]) if "path" in req else None, req)
                answer(header, data)
            else:
                answer({"error": f"unknown op {op}"})
        except Exception as e:  # noqa: BLE001 (the test shows it)
            answer({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
