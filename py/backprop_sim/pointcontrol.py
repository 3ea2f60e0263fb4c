"""The controller's own-data part: drawing, moving and erasing points, and pasting a CSV.

Each edit is one moment of the one timeline (Step Back undoes it): the moment's place holds the
data set's points (training.Place.dataset), and Step Back restores them with the weights. The
points are numbered in the order drawn (datasets.DataSet.points); a problem's points become the
learner's own at the first edit. The weights stay; the loss curve starts again.
"""

from __future__ import annotations

import numpy as np

from . import csvdata, datasets, reading
from .training import DataTraining, Place, Progress


class PointControl:
    """A part of DataControl (the point actions); reads the controller's data, sim and features."""

    def on_add_point(self, value):
        """{"x1", "x2", "label"} (or [x1, x2, label]): a point of class label (0 …), or of target value label."""
        data = self._drawable()
        if isinstance(value, (list, tuple)) and len(value) == 3:
            value = dict(zip(("x1", "x2", "label"), value))
        if not isinstance(value, dict) or set(value) != {"x1", "x2", "label"}:
            raise ValueError(f'Add a point with {{"x1": …, "x2": …, "label": …}}, got {value!r}.')
        x1, x2, label = datasets.check_point(value["x1"], value["x2"], value["label"], data.kind)
        if len(data.points) >= datasets.MAX_POINTS:
            raise ValueError(f"The plane holds at most {datasets.MAX_POINTS:,} points: remove some first.")
        n = len(data.points)
        self._edit(np.vstack([data.points, [[x1, x2]]]), np.append(data.labels, label), show=n)

    def on_move_point(self, value):
        """[i, x1, x2]: point i (in the order drawn, from 0) moves there, keeping its target."""
        data = self._drawable()
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            raise ValueError(f"Move a point with [i, x1, x2], got {value!r}.")
        i = self._point_number(value[0], data)
        x1, x2, _ = datasets.check_point(value[1], value[2], data.labels[i], data.kind)
        points = np.array(data.points)
        points[i] = (x1, x2)
        self._edit(points, data.labels, show=i)

    def on_remove_point(self, value):
        """i: point i (in the order drawn, from 0) is erased; the later points' numbers go down by one."""
        data = self._drawable()
        i = self._point_number(value, data)
        self._edit(np.delete(data.points, i, axis=0), np.delete(data.labels, i), show=0)

    def on_clear_points(self, _):
        """Every point erased: an empty plane of the same kind (Step Back brings them back)."""
        data = self._drawable()
        if not len(data.points):
            raise ValueError("The plane is empty already.")
        self._edit(np.zeros((0, 2)), np.zeros(0), show=0)

    def on_csv(self, value):
        """CSV text (x1,x2,label, a header optional; or the export's set,x1,x2,target,y_hat): its points
        replace the plane's, or the refusal names the row and its problem and the plane stays."""
        data = self._drawable()
        points, labels = csvdata.read(value, data.kind)
        self._edit(points, labels, show=0)
        return f"Loaded {len(points):,} point(s)."

    def on_points(self, value):
        """A link's drawn set (urlstate.encode_points): its kind and points, a new timeline, a network
        for its targets; the share, batch and seed as the data set's now."""
        from .urlstate import decode_points  # urlstate reads the settings table, which names this action
        if self.data is None:
            raise ValueError("Points belong to a data set: the link chose none.")
        kind, points, labels = decode_points(value)
        now = self.dataset
        data = datasets.custom(kind, points, labels, now.train_share, now.batch, now.seed)
        self._use_data(data, self._data_network(data, self.features), new_problem=True)

    # ---- helpers

    def _drawable(self) -> datasets.DataSet:
        if self.data is None:
            raise ValueError("Points belong to a data set: choose your own (custom) data, an empty plane, or one of the six problems.")
        return self.dataset

    @staticmethod
    def _point_number(value, data: datasets.DataSet) -> int:
        i, n = reading.whole(value, "The point"), len(data.points)
        if n == 0:
            raise ValueError("There are no points yet: add one first.")
        if not 0 <= i < n:
            raise ValueError(f"The points are numbered 0 to {n - 1} (in the order drawn), got {i}.")
        return i

    def _edit(self, points, labels, show: int) -> None:
        """The points replaced, as ONE new moment: the same weights, the curve from the start, the
        lesson's point the drawn point `show` (an added or moved one: its backward pass is the next to walk)."""
        new = datasets.with_points(self.dataset, points, labels)  # refuses before anything changes
        data = DataTraining(new, self.features, self.regularization)
        net = self._output_for(new)  # a third class drawn: one output per class, softmax
        picked = new.row(min(show, len(new.points) - 1)) if len(new.points) else None
        x, y = data.point(picked)
        self.auto = self.training = False
        self.data = data
        if net is not self.sim.net:
            self._set_network(net, x, y, place=Place(Progress(), picked, new))
        else:
            self.sim.set_network(net, x, y, place=Place(Progress(), picked, new))

    def _restore_points(self) -> None:
        """After Step Back: the points of the moment now, if an edit changed them since."""
        place = self.sim.now.place
        if self.data is not None and place is not None and place.dataset is not None and place.dataset is not self.dataset:
            self.data = self.data.replaced(dataset=place.dataset)
