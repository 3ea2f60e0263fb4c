"""paint.js draws the data view's primitives (issue 16): an Image scaled crisp or smooth, and a
Polyline, on a real canvas in Chromium, read back pixel by pixel; a repeated Image is decoded once.

No built site is needed: paint.js goes into a blank page as it is in site/sim/."""

import base64
import json
from pathlib import Path

import pytest

from backprop_sim.scene import Image, Polyline

pytestmark = pytest.mark.browser

PAINT_JS = Path(__file__).resolve().parent.parent / "site" / "sim" / "paint.js"

RED, BLUE, GREEN = (220, 20, 30, 255), (10, 40, 200, 255), "#00a000"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 200, "height": 100}, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content("<canvas id='c'></canvas>")
    page.add_script_tag(content=PAINT_JS.read_text())
    # count the decodes: each Image's pixels are base64, decoded with atob
    page.evaluate("() => { window.decodes = 0; const atob0 = window.atob; window.atob = (s) => { window.decodes++; return atob0(s); }; }")
    yield page
    assert errors == []
    context.close()


def paint(page, items, width=120, height=60):
    """Paints the items on a white canvas; returns a function reading the RGBA of pixel (x, y)."""
    page.evaluate("([json, w, h]) => window.backpropPaint(document.getElementById('c'), json, w, h, '#ffffff')",
                  [json.dumps(items), width, height])
    data = page.evaluate("""([w, h]) => Array.from(document.getElementById('c').getContext('2d').getImageData(0, 0, w, h).data)""",
                         [width, height])
    return lambda x, y: tuple(data[4 * (y * width + x) : 4 * (y * width + x) + 4])


def test_an_image_is_scaled_into_its_box_and_a_polyline_is_stroked(page):
    # 2 × 1 pixels (red, blue) stretched over 40 × 20 px, crisp: two solid halves
    pixels = base64.b64encode(bytes(RED + BLUE)).decode()
    crisp = Image(10, 5, 40, 20, 2, 1, pixels, False)
    line = Polyline(((60, 10), (110, 10), (110, 50)), GREEN, 4)
    at = paint(page, [crisp, line])
    assert at(12, 7) == RED and at(29, 20) == RED and at(31, 20) == BLUE and at(48, 23) == BLUE
    assert at(5, 5) == (255, 255, 255, 255) and at(51, 15) == (255, 255, 255, 255)  # nothing outside its box
    green = (0, 160, 0, 255)
    assert at(80, 10) == green and at(110, 30) == green  # along both segments
    assert at(80, 20) == (255, 255, 255, 255)  # an open line: not closed back to its start, nothing filled
    # smooth: the same pixels blend in the middle of the box
    smooth = paint(page, [crisp._replace(smooth=True)])
    middle = smooth(30, 15)
    assert middle != RED and middle != BLUE and middle[0] > BLUE[0] and middle[2] > RED[2]


def test_a_repeated_image_is_decoded_once(page):
    pixels = base64.b64encode(bytes(BLUE + RED + RED + BLUE)).decode()  # 2 × 2, top row first
    image = Image(0, 0, 20, 20, 2, 2, pixels, False)
    for _ in range(3):
        at = paint(page, [image, image._replace(x=30)])
    assert page.evaluate("window.decodes") == 1
    assert at(5, 5) == BLUE and at(15, 5) == RED and at(5, 15) == RED and at(35, 15) == RED and at(45, 15) == BLUE
    paint(page, [image._replace(pixels=base64.b64encode(bytes(RED * 4)).decode())])
    assert page.evaluate("window.decodes") == 2  # other pixels: decoded anew
