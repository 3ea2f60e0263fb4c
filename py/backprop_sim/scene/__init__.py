"""The drawings as display lists: pure functions of the simulation's state and the canvas size.

The painter sends a list to a canvas in one call (site/sim/paint.js); svg.py turns the same
list into SVG (tests, the static preview, the export). The scene computes every point, so
both painters only fill and stroke what they are given and cannot drift apart.

    primitives  the records drawn (Rect, Circle, Line, Polygon, Polyline, Text, Image), the
                palettes, the Scene, arrows
    labels      the one box a text covers, and label placement without overlaps
    targets     the click targets (NeuronTarget, WeightTarget, PointTarget) and their look-ups
    layout      where the neurons go
    network     the network: network_scene
    maps        the neurons' small maps over the plane (the data view)
    heat        colour scales and heat-map pixels
    plots       the plane with the data set's points, and the loss curves
"""

from .heat import HEAT, PLANE_FINER, UNBOUNDED, Scale, heat_image, plane_heat_image, scale_for
from .labels import Box, Label, LabelMemory, box_of, label, overlaps, text_box, text_width
from .network import View, chain_path, network_scene
from .plots import LEGEND_BESIDE, Curve, curve_scene, data_loss_scene, flow_scene, loss_scene, plane_scene
from .primitives import FONT, PALETTES, Circle, Image, Line, Palette, Polygon, Polyline, Rect, Scene, Text, palette
from .targets import NeuronTarget, PointTarget, WeightTarget, hit, hit_point, nearby_point

__all__ = [
    "FONT", "HEAT", "LEGEND_BESIDE", "PALETTES", "PLANE_FINER", "UNBOUNDED",
    "Box", "Circle", "Curve", "Image", "Label", "LabelMemory", "Line", "NeuronTarget", "Palette", "PointTarget", "Polygon", "Polyline",
    "Rect", "Scale", "Scene", "Text", "View", "WeightTarget",
    "chain_path", "curve_scene", "data_loss_scene", "flow_scene", "heat_image", "hit", "hit_point", "label", "loss_scene", "nearby_point",
    "box_of", "network_scene", "overlaps", "palette", "plane_heat_image", "plane_scene", "scale_for", "text_box", "text_width",
]
