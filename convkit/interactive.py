"""Interactive figures that work in a live kernel *and* on a static web page.

An :class:`Explorer` wraps a function ``render(**values) -> str`` that returns
an HTML snippet (usually an SVG from :mod:`convkit.svg`) for one setting of
its controls.  Displaying an explorer in a notebook produces one output with
two representations:

``application/vnd.jupyter.widget-view+json``
    Real ipywidgets sliders that call ``render`` on every change.  JupyterLab,
    VS Code and Colab pick this one.

``text/html``
    The same sliders as plain HTML ``<input type="range">`` elements, the
    rendered frame for *every* combination of control values, and a few lines
    of JavaScript that swap frames when a slider moves.  It needs no kernel and
    no network, so the static book (which selects ``text/html``) stays
    interactive.  Identical frames are stored once.

Example
-------
>>> def render(k, s):
...     return f"<p>kernel {k}, stride {s}</p>"
>>> explorer = Explorer(render, {"k": [1, 2, 3], "s": [1, 2]})
>>> len(explorer.frames())
6
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import numbers
import uuid
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Mapping, Sequence

MAX_FRAMES = 2000
MAX_BYTES = 4_000_000


@dataclass
class Control:
    """One control of an :class:`Explorer`.

    Attributes
    ----------
    name : str
        Keyword passed to ``render``.
    values : sequence
        The allowed values, in slider order.  Numbers give a slider, anything
        else (e.g. strings) a drop-down menu.
    label : str
        Text shown beside the control (defaults to ``name``).
    value : object
        Initial value (defaults to the first of ``values``).
    """

    name: str
    values: Sequence[Any]
    label: str = ""
    value: Any = None
    _kind: str = field(init=False, default="slider")

    def __post_init__(self) -> None:
        self.values = tuple(self.values)
        if not self.values:
            raise ValueError(f"control {self.name!r} needs at least one value")
        if len(set(map(repr, self.values))) != len(self.values):
            raise ValueError(f"control {self.name!r} has repeated values: {self.values!r}")
        if self.value is None:
            self.value = self.values[0]
        if self.value not in self.values:
            raise ValueError(
                f"initial value {self.value!r} of control {self.name!r} is not one of {self.values!r}"
            )
        self.label = self.label or self.name
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in self.values)
        self._kind = "slider" if numeric else "dropdown"

    @property
    def kind(self) -> str:
        """``'slider'`` for numeric values, ``'dropdown'`` otherwise."""
        return self._kind

    @property
    def index(self) -> int:
        """Position of the initial value in ``values``."""
        return self.values.index(self.value)


def _as_controls(controls: Mapping[str, Sequence[Any]] | Sequence[Control]) -> list[Control]:
    if isinstance(controls, Mapping):
        return [Control(name, values) for name, values in controls.items()]
    result = list(controls)
    if not all(isinstance(c, Control) for c in result):
        raise TypeError("controls must be a mapping name -> values or a sequence of Control")
    return result


_STYLE = """
.ck-explorer{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;
 background:#fff;color:#222;border:1px solid #d8dde3;border-radius:6px;padding:10px 12px;margin:8px 0;
 max-width:100%;overflow-x:auto}
.ck-explorer .ck-controls{display:flex;flex-wrap:wrap;gap:6px 18px;margin-bottom:8px;align-items:center}
.ck-explorer label{display:flex;align-items:center;gap:6px;white-space:nowrap}
.ck-explorer input[type=range]{width:110px}
.ck-explorer output{display:inline-block;min-width:2.2em;font-weight:600}
.ck-explorer button{font:inherit;padding:2px 10px;border:1px solid #99a;border-radius:4px;background:#f4f6f8;cursor:pointer}
.ck-explorer .ck-view svg{max-width:100%;height:auto}
"""

# Swaps frames when a control changes. `data` holds the value lists, the
# frames (deduplicated) and, for every combination in row-major order of the
# controls, the index of its frame.
_SCRIPT = """
(function () {
  var root = document.getElementById(%(uid)s);
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var data = JSON.parse(root.querySelector("script.ck-data").textContent);
  var inputs = root.querySelectorAll("[data-ck-control]");
  var view = root.querySelector(".ck-view");
  function show() {
    var flat = 0;
    inputs.forEach(function (input, j) {
      var index = parseInt(input.value, 10);
      flat = flat * data.sizes[j] + index;
      var out = root.querySelector("output[data-ck-for='" + input.dataset.ckControl + "']");
      if (out) { out.textContent = data.labels[j][index]; }
    });
    view.innerHTML = data.frames[data.lookup[flat]];
  }
  inputs.forEach(function (input) { input.addEventListener("input", show); });
  var play = root.querySelector("button.ck-play");
  if (play) {
    var target = root.querySelector("[data-ck-control='" + play.dataset.ckTarget + "']");
    var timer = null;
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "\\u25B6 play"; return; }
      play.textContent = "\\u275A\\u275A pause";
      timer = setInterval(function () {
        var next = (parseInt(target.value, 10) + 1) %% (parseInt(target.max, 10) + 1);
        target.value = next; show();
      }, %(interval)d);
    });
  }
  show();
})();
"""


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Explorer:
    """A figure driven by controls, live in Jupyter and responsive on a static page.

    Parameters
    ----------
    render : callable
        ``render(**values) -> str`` returns HTML (for example an SVG) for one
        setting of the controls.  It must be deterministic.
    controls : mapping or sequence of Control
        ``{"name": [values...]}`` or a list of :class:`Control`.
    play : str, optional
        Name of a control to animate with a play button.
    interval : int
        Milliseconds between animation steps.
    max_frames : int
        Refuse to build a static figure with more combinations than this
        (keeps pages light; narrow the value lists instead).
    label : str, optional
        Accessible name of the whole figure (``aria-label`` of the static
        version), for figures whose frames are not pictures with their own
        labels, e.g. a table.

    Notes
    -----
    The static version evaluates ``render`` for every combination of values,
    so keep the value lists short (a few hundred combinations at most).
    """

    def __init__(
        self,
        render: Callable[..., str],
        controls: Mapping[str, Sequence[Any]] | Sequence[Control],
        *,
        play: str | None = None,
        interval: int = 800,
        max_frames: int = MAX_FRAMES,
        label: str | None = None,
    ) -> None:
        if not callable(render):
            raise TypeError("render must be a callable returning an HTML string")
        self.render = render
        self.controls = _as_controls(controls)
        if not self.controls:
            raise ValueError("an Explorer needs at least one control")
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be unique, got {names}")
        if play is not None and play not in names:
            raise ValueError(f"play must name one of the controls {names}, got {play!r}")
        if play is not None and self.controls[names.index(play)].kind != "slider":
            raise ValueError(f"play needs a numeric control, {play!r} is a drop-down")
        combinations = math.prod(len(c.values) for c in self.controls)
        if combinations > max_frames:
            raise ValueError(
                f"{combinations} combinations of control values exceed max_frames={max_frames}; "
                "use fewer values per control"
            )
        self.play = play
        self.label = label
        self.interval = int(interval)
        self._render_cached = functools.lru_cache(maxsize=None)(self._render_key)

    # -- rendering -----------------------------------------------------------
    def _render_key(self, key: tuple[Any, ...]) -> str:
        html = self.render(**dict(zip((c.name for c in self.controls), key)))
        if not isinstance(html, str):
            raise TypeError(f"render must return an HTML string, got {type(html).__name__}")
        return html

    def view(self, **values: Any) -> str:
        """HTML for one setting; missing controls take their initial value."""
        unknown = set(values) - {c.name for c in self.controls}
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}")
        key = tuple(values.get(c.name, c.value) for c in self.controls)
        for control, value in zip(self.controls, key):
            if value not in control.values:
                raise ValueError(f"{control.name}={value!r} is not one of {control.values!r}")
        return self._render_cached(key)

    def frames(self) -> dict[tuple[Any, ...], str]:
        """The rendered HTML of every combination of control values."""
        return {
            key: self._render_cached(key)
            for key in itertools.product(*(c.values for c in self.controls))
        }

    # -- static HTML ---------------------------------------------------------
    def static_html(self) -> str:
        """Self-contained HTML + JavaScript version of the explorer (no kernel, no network)."""
        uid = "ck-" + uuid.uuid4().hex[:12]
        frames: list[str] = []
        seen: dict[str, int] = {}
        lookup = []
        for html in self.frames().values():  # row-major order of the controls
            if html not in seen:
                seen[html] = len(frames)
                frames.append(html)
            lookup.append(seen[html])
        data = {
            "sizes": [len(c.values) for c in self.controls],
            "labels": [[_label(v) for v in c.values] for c in self.controls],
            "frames": frames,
            "lookup": lookup,
        }
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        if len(payload) > MAX_BYTES:
            raise ValueError(
                f"the static figure would weigh {len(payload)} bytes (> {MAX_BYTES}); "
                "use fewer control values or lighter frames"
            )
        named = f" role='group' aria-label='{escape(self.label, quote=True)}'" if self.label else ""
        parts = [f"<div class='ck-explorer' id='{uid}'{named}><style>{_STYLE}</style>"]
        parts.append("<div class='ck-controls'>")
        for control in self.controls:
            parts.append(self._static_control(control))
        if self.play:
            parts.append(
                f"<button type='button' class='ck-play' data-ck-target='{escape(self.play)}'>"
                "&#9654; play</button>"
            )
        parts.append("</div>")
        initial = tuple(c.value for c in self.controls)
        parts.append(f"<div class='ck-view'>{self._render_cached(initial)}</div>")
        parts.append(f"<script type='application/json' class='ck-data'>{payload}</script>")
        script = _SCRIPT % {"uid": json.dumps(uid), "interval": self.interval}
        parts.append(f"<script>{script}</script></div>")
        return "".join(parts)

    @staticmethod
    def _static_control(control: Control) -> str:
        name = escape(control.name, quote=True)
        label = escape(control.label)
        if control.kind == "slider":
            return (
                f"<label>{label} <input type='range' min='0' max='{len(control.values) - 1}' "
                f"step='1' value='{control.index}' data-ck-control='{name}' "
                f"aria-label='{escape(control.label, quote=True)}'>"
                f"<output data-ck-for='{name}'>{escape(_label(control.value))}</output></label>"
            )
        options = "".join(
            f"<option value='{i}'{' selected' if i == control.index else ''}>{escape(_label(v))}</option>"
            for i, v in enumerate(control.values)
        )
        return f"<label>{label} <select data-ck-control='{name}'>{options}</select></label>"

    # -- live widget ---------------------------------------------------------
    def widget(self):
        """An ipywidgets box with one control per :class:`Control` and the view."""
        import ipywidgets as widgets

        view = widgets.HTML(value=self.view())
        inputs = {}
        for control in self.controls:
            style = {"description_width": "initial"}
            values = control.values
            is_range = (
                control.kind == "slider"
                and all(isinstance(v, numbers.Integral) for v in values)
                and len(values) > 1
                and all(b - a == values[1] - values[0] for a, b in zip(values, values[1:]))
                and values[1] > values[0]
            )
            if is_range:
                box = widgets.IntSlider(
                    value=control.value, min=values[0], max=values[-1], step=values[1] - values[0],
                    description=control.label, style=style, continuous_update=True,
                )
            elif control.kind == "slider":
                box = widgets.SelectionSlider(
                    options=[(_label(v), v) for v in values], value=control.value,
                    description=control.label, style=style,
                )
            else:
                box = widgets.Dropdown(
                    options=[(_label(v), v) for v in values], value=control.value,
                    description=control.label, style=style,
                )
            inputs[control.name] = box

        def update(_change: object = None) -> None:
            view.value = self.view(**{name: box.value for name, box in inputs.items()})

        for box in inputs.values():
            box.observe(update, names="value")
        row = list(inputs.values())
        if self.play:
            control = next(c for c in self.controls if c.name == self.play)
            player = widgets.Play(
                value=control.index, min=0, max=len(control.values) - 1, step=1,
                interval=self.interval, description="play",
            )
            target = inputs[self.play]
            # an IntSlider counts in values, a SelectionSlider in positions
            if isinstance(target, widgets.IntSlider):
                player.min, player.max, player.step = target.min, target.max, target.step
                player.value = target.value
                widgets.jslink((player, "value"), (target, "value"))
            else:
                widgets.jslink((player, "value"), (target, "index"))
            row.append(player)
        return widgets.VBox([widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap")), view])

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"<Explorer: {', '.join(c.name for c in self.controls)}>"
        return bundle

    def __repr__(self) -> str:
        return f"Explorer(controls={[c.name for c in self.controls]}, play={self.play!r})"
