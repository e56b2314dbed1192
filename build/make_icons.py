"""Draw the Messagerie icon (a speech bubble) and save it as .png, .ico and .icns.

Run once with the project's venv (`.venv/bin/python build/make_icons.py`); the three files it
writes next to it are tracked, so builds need neither this script nor a drawing step. It is
kept so that the icon can be changed by editing code instead of a binary file.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
# Drawn large and scaled down: Pillow has no anti-aliasing for shapes, so supersampling is
# what gives smooth edges. 1024 px is also the largest size an .icns holds.
SIZE = 1024
SUPERSAMPLE = 4
BACKGROUND = (13, 110, 253, 255)  # Bootstrap's primary blue, the app's default theme colour
BUBBLE = (255, 255, 255, 255)
DOTS = (13, 110, 253, 255)


def draw(size: int = SIZE) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * big), round(y0 * big), round(x1 * big), round(y1 * big))

    # A rounded square tile, like the platforms' own app icons, so it reads at 16 px.
    pen.rounded_rectangle(box(0.04, 0.04, 0.96, 0.96), radius=round(0.2 * big), fill=BACKGROUND)
    # The bubble: a rounded body and a tail pointing down-left.
    pen.rounded_rectangle(box(0.17, 0.22, 0.83, 0.68), radius=round(0.14 * big), fill=BUBBLE)
    pen.polygon(
        [
            (round(0.28 * big), round(0.62 * big)),
            (round(0.46 * big), round(0.66 * big)),
            (round(0.24 * big), round(0.82 * big)),
        ],
        fill=BUBBLE,
    )
    # Three dots: "someone is writing", the usual sign for a chat.
    for cx in (0.34, 0.50, 0.66):
        pen.ellipse(box(cx - 0.055, 0.395, cx + 0.055, 0.505), fill=DOTS)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icon = draw()
    icon.resize((512, 512), Image.Resampling.LANCZOS).save(HERE / "icon.png", optimize=True)
    icon.save(
        HERE / "icon.ico",
        sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)],
    )
    # Pillow builds every .icns size (16 px to 1024 px) from this one image.
    icon.save(HERE / "icon.icns")
    for name in ("icon.png", "icon.ico", "icon.icns"):
        print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
