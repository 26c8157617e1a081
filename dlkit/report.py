"""A self-contained HTML report: sections of prose, tables and embedded PNGs."""

import base64
import html
import io
from pathlib import Path

from dlkit.saving import write_text

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { border-bottom: 2px solid #444; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: .3em .7em; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { display: inline-block; margin: .5em; vertical-align: top; }
figcaption { font-size: .9em; color: #555; } img { max-width: 100%; }
.meta { color: #666; font-size: .9em; }
"""


def figure_to_png(fig, dpi=100):
    """Renders a matplotlib figure to PNG bytes and closes it."""
    import matplotlib.pyplot as plt  # lazily: kept out of `dlkit --help`

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


class Report:
    """Collects sections and writes one HTML file with every image inline.

    Example:

    >>> report = Report("dlkit tour")
    >>> report.section("Data", "Fashion-MNIST, CO2 and words.")
    >>> report.figure(fig, "Ten images per class")
    >>> report.write("tour/report.html")
    """

    def __init__(self, title):
        self.title = title
        self._parts = []

    def section(self, heading, text=None):
        self._parts.append(f"<h2>{html.escape(heading)}</h2>")
        if text:
            self.text(text)

    def text(self, text):
        self._parts.append(f"<p>{html.escape(text)}</p>")

    def meta(self, text):
        self._parts.append(f'<p class="meta">{html.escape(text)}</p>')

    def figure(self, fig, caption=""):
        """Embeds a matplotlib figure (closed afterwards) as a PNG."""
        self.image(figure_to_png(fig), caption)

    def image(self, png_bytes, caption="", mime="image/png"):
        data = base64.b64encode(png_bytes).decode("ascii")
        self._parts.append(
            f'<figure><img src="data:{mime};base64,{data}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def table(self, header, rows):
        """Adds a table; numbers are right-aligned and shown with 4 significant digits."""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = []
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, float):
                    cells.append(f'<td class="num">{value:.4g}</td>')
                elif isinstance(value, int):
                    cells.append(f'<td class="num">{value:,}</td>')
                else:
                    cells.append(f"<td>{html.escape(str(value))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        self._parts.append(f"<table><tr>{head}</tr>{''.join(body)}</table>")

    def to_html(self):
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{''.join(self._parts)}</body></html>"
        )

    def write(self, path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_text(path, self.to_html())
