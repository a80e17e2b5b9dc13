"""The architecture as an SVG picture: a layered layout of the architecture's boxes (one column
per layer of `model.COLUMNS`, boxes ordered to keep lines short) and the lines between them.
Each box has an empty count line (`<text class="count" data-key=…>`) that the page fills
with live counts."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from localcloud.console.model import COLUMNS

if TYPE_CHECKING:
    from localcloud.console.model import Architecture, Node

BOX_WIDTH, BOX_HEIGHT = 200, 46
COLUMN_GAP, ROW_GAP, MARGIN, HEADER = 56, 10, 16, 30
KIND_LABELS = {
    "api": "HTTP API",
    "graphql": "GraphQL API",
    "schedule": "Scheduler schedule",
    "function": "Lambda function",
    "pipe": "EventBridge pipe",
    "bus": "event bus",
    "rule": "rule",
    "queue": "SQS queue",
    "dlq": "SQS dead-letter queue",
    "machine": "state machine",
    "topic": "SNS topic",
    "table": "DynamoDB table",
}
MAX_LABEL = 30
STYLE = (
    ".box rect{fill:#fff;stroke:#777}.box .count{fill:#555}"
    ".kind-api rect,.kind-graphql rect{fill:#e8f0fe}.kind-schedule rect{fill:#f1f3f4}"
    ".kind-function rect{fill:#fff4e0}"
    ".kind-pipe rect{fill:#f3e8fd}.kind-bus rect{fill:#fde8ef}.kind-rule rect{fill:#fdf0f4}"
    ".kind-queue rect{fill:#e6f4ea}.kind-dlq rect{fill:#fce8e6}.kind-machine rect{fill:#e8eaf6}"
    ".kind-topic rect{fill:#fff8e1}.kind-table rect{fill:#e0f2f1}"
    ".box.busy rect{stroke:#1a73e8;stroke-width:2}.box.alert rect{stroke:#d93025;stroke-width:2}"
)


def layout(architecture: Architecture) -> dict[str, tuple[float, float]]:
    """Each box's top-left corner: columns left to right; within a column, boxes sorted by
    the mean row of the boxes that lead to them (then by name), so lines run mostly level."""
    rows: dict[str, float] = {}
    sources: dict[str, list[str]] = {}
    for edge in architecture.edges:
        sources.setdefault(edge.target, []).append(edge.source)
    positions: dict[str, tuple[float, float]] = {}
    for column in range(len(COLUMNS)):
        nodes = [n for n in architecture.nodes.values() if n.column == column]

        def weight(node: Node) -> tuple[float, str]:
            before = [rows[s] for s in sources.get(node.key, []) if s in rows]
            return (sum(before) / len(before) if before else float("inf"), node.label)

        for row, node in enumerate(sorted(nodes, key=weight)):
            rows[node.key] = row
            positions[node.key] = (
                MARGIN + column * (BOX_WIDTH + COLUMN_GAP),
                MARGIN + HEADER + row * (BOX_HEIGHT + ROW_GAP),
            )
    return positions


def dom_id(key: str) -> str:
    return "box-" + "".join(c if c.isalnum() or c == "-" else "-" for c in key)


def render(architecture: Architecture) -> str:
    positions = layout(architecture)
    width = MARGIN * 2 + len(COLUMNS) * BOX_WIDTH + (len(COLUMNS) - 1) * COLUMN_GAP
    height = max((y for _, y in positions.values()), default=0) + BOX_HEIGHT + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="architecture" width="{width}" '
        f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" font-family="sans-serif">',
        "<defs><marker id='arrow' viewBox='0 0 8 8' refX='8' refY='4' markerWidth='6' "
        "markerHeight='6' orient='auto-start-reverse'><path d='M0,0 L8,4 L0,8 z' "
        "fill='#888'/></marker></defs>",
        f"<style>{STYLE}</style>",
    ]
    for column, title in enumerate(COLUMNS):
        x = MARGIN + column * (BOX_WIDTH + COLUMN_GAP)
        parts.append(
            f'<text class="column" x="{x}" y="{MARGIN + 12}" font-size="13" '
            f'font-weight="bold" fill="#444">{escape(title)}</text>'
        )
    for edge in architecture.edges:
        parts.append(_edge(positions[edge.source], positions[edge.target], edge.dashed))
    for key, node in architecture.nodes.items():
        parts.append(_box(node, *positions[key]))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(source: tuple[float, float], target: tuple[float, float], dashed: bool) -> str:
    x1, y1 = source[0] + BOX_WIDTH, source[1] + BOX_HEIGHT / 2
    x2, y2 = target[0], target[1] + BOX_HEIGHT / 2
    bend = max(40.0, abs(x2 - x1) / 3)
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<path d="M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} {x2 - bend:.0f},{y2:.0f} '
        f'{x2:.0f},{y2:.0f}" fill="none" stroke="#aaa" stroke-width="1"{dash} '
        'marker-end="url(#arrow)"/>'
    )


def _box(node: Node, x: float, y: float) -> str:
    label = node.label if len(node.label) <= MAX_LABEL else node.label[: MAX_LABEL - 1] + "…"
    return (
        f'<g class="box kind-{node.kind}" id="{dom_id(node.key)}" data-key="{escape(node.key)}">'
        f"<title>{escape(KIND_LABELS[node.kind])}: {escape(node.name)}</title>"
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="5"/>'
        f'<text class="name" x="{x + 7:.0f}" y="{y + 17:.0f}" font-size="12">{escape(label)}</text>'
        f'<text class="count" data-key="{escape(node.key)}" x="{x + 7:.0f}" y="{y + 35:.0f}" '
        f'font-size="11">{escape(KIND_LABELS[node.kind])}</text></g>'
    )
