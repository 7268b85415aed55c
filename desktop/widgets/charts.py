"""Pictures drawn with QPainter (PySide6-Essentials has no QtCharts).

``OverlapPicture``: ours only / shared / partner only as two overlapping circles with counts.
``Heatmap``: our stage x partner stage, each cell with its count and potential revenue.
``BarChart``: a few labelled horizontal bars (co-sold vs other deals).
All are clickable and keyboard-driven (arrows move, Enter or Space opens).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.operations.formats import count, money

OURS = QColor("#2f6fde")
PARTNER = QColor("#e07b28")
SHARED = QColor("#7a4fc4")
TEXT = QColor("#1f2430")
MUTED = QColor("#5b6372")
GRID = QColor("#d5d9e0")


def compact(number: float) -> str:
    """Money as every page shows it ($145.9M, $4.96B): the one formatter."""
    return money(number)


def lens_area(r1: float, r2: float, distance: float) -> float:
    """The area two circles of radii ``r1`` and ``r2``, ``distance`` apart, have in common."""
    if distance >= r1 + r2:
        return 0.0
    if distance <= abs(r1 - r2):
        return math.pi * min(r1, r2) ** 2
    a = r1 * r1 * math.acos((distance**2 + r1 * r1 - r2 * r2) / (2 * distance * r1))
    b = r2 * r2 * math.acos((distance**2 + r2 * r2 - r1 * r1) / (2 * distance * r2))
    k = (-distance + r1 + r2) * (distance + r1 - r2) * (distance - r1 + r2) * (distance + r1 + r2)
    return a + b - 0.5 * math.sqrt(max(k, 0.0))


def venn_circles(ours: int, theirs: int, shared: int) -> tuple[float, float, float]:
    """Radii and the distance between centres of two circles whose areas are proportional to
    ``ours`` and ``theirs`` and whose common part is proportional to ``shared``.

    The larger circle has radius 1. With nothing to show, two equal circles overlap a little.
    """
    if ours <= 0 and theirs <= 0:
        return 1.0, 1.0, 1.24
    largest = max(ours, theirs)
    r1 = math.sqrt(max(ours, 0) / largest)
    r2 = math.sqrt(max(theirs, 0) / largest)
    # A side with no accounts still shows as a small ring, so it can be seen and clicked.
    r1, r2 = max(r1, 0.12), max(r2, 0.12)
    target = math.pi * min(max(shared, 0) / largest, min(r1, r2) ** 2)
    if target <= 0:
        return r1, r2, r1 + r2 + 0.05
    near, far = abs(r1 - r2), r1 + r2  # the common area falls as the centres move apart
    for _ in range(60):
        middle = (near + far) / 2
        if lens_area(r1, r2, middle) > target:
            near = middle
        else:
            far = middle
    return r1, r2, (near + far) / 2


class OverlapPicture(QWidget):
    """Two circles, ours and the partner's; their intersection is the shared accounts.

    Areas are proportional to the counts: each circle to its side's accounts, the common part
    to the shared ones, so a small partner looks small.
    """

    region_clicked = Signal(str)  # ours_only / shared / partner_only

    REGIONS = ("ours_only", "shared", "partner_only")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Overlap picture: ours only, shared, partner only")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.counts = {"ours_only": 0, "shared": 0, "partner_only": 0}
        self.names = ("Us", "Partner")
        self.selected = "shared"

    def set_counts(
        self, ours_only: int, shared: int, partner_only: int, names: tuple[str, str]
    ) -> None:
        self.counts = {"ours_only": ours_only, "shared": shared, "partner_only": partner_only}
        self.names = names
        self.setAccessibleDescription(
            f"{names[0]} only {ours_only:,}; shared {shared:,}; {names[1]} only {partner_only:,}"
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, 180)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 150)

    def _geometry(self) -> tuple[QRectF, QRectF]:
        ours = self.counts["ours_only"] + self.counts["shared"]
        theirs = self.counts["partner_only"] + self.counts["shared"]
        r1, r2, distance = venn_circles(ours, theirs, self.counts["shared"])
        # Scale the unit picture to the room below the names, keeping a margin on each side.
        room_w, room_h = self.width() - 16, self.height() - 34 - 8
        scale = min(room_w / (r1 + distance + r2), room_h / (2 * max(r1, r2)))
        r1, r2, distance = r1 * scale, r2 * scale, distance * scale
        cy = 30 + 4 + room_h / 2
        left_x = self.width() / 2 - (r1 + distance + r2) / 2 + r1
        left = QRectF(left_x - r1, cy - r1, 2 * r1, 2 * r1)
        right = QRectF(left_x + distance - r2, cy - r2, 2 * r2, 2 * r2)
        return left, right

    def region_at(self, point: QPointF) -> str | None:
        left, right = self._geometry()

        def inside(rect: QRectF) -> bool:
            c = rect.center()
            r = rect.width() / 2
            return (point.x() - c.x()) ** 2 + (point.y() - c.y()) ** 2 <= r * r

        a, b = inside(left), inside(right)
        if a and b:
            return "shared"
        if a:
            return "ours_only"
        if b:
            return "partner_only"
        return None

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        left, right = self._geometry()
        for rect, color in ((left, OURS), (right, PARTNER)):
            fill = QColor(color)
            fill.setAlpha(70)
            painter.setBrush(fill)
            painter.setPen(QPen(color, 2))
            painter.drawEllipse(rect)
        shared = QPainterPath()
        shared.addEllipse(left)
        other = QPainterPath()
        other.addEllipse(right)
        inter = shared.intersected(other)
        fill = QColor(SHARED)
        fill.setAlpha(120)
        painter.setBrush(fill)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPath(inter)

        base = QFont(self.font())
        title = QFont(base)
        title.setBold(True)
        big = QFont(base)
        big.setPointSizeF(base.pointSizeF() * 1.5)
        big.setBold(True)
        painter.setPen(TEXT)
        painter.setFont(title)
        metrics = QFontMetrics(title)
        names = (f"{self.names[0]} only", f"{self.names[1]} only")
        painter.drawText(
            QRectF(0, 4, self.width() / 2 - 8, 22),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(names[0], Qt.TextElideMode.ElideRight, int(self.width() / 2 - 8)),
        )
        painter.drawText(
            QRectF(self.width() / 2 + 8, 4, self.width() / 2 - 8, 22),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(names[1], Qt.TextElideMode.ElideRight, int(self.width() / 2 - 8)),
        )
        lc, rc = left.center(), right.center()
        overlap_x = (left.right() + right.left()) / 2
        spots = {
            "ours_only": QPointF((left.left() + right.left()) / 2, lc.y()),
            "shared": QPointF(overlap_x, lc.y()),
            "partner_only": QPointF((left.right() + right.right()) / 2, rc.y()),
        }
        labels = {"ours_only": "ours only", "shared": "shared", "partner_only": "partner only"}
        # How wide each region is at its label's height: a caption that does not fit is left
        # out (the count, which matters more, stays).
        room = {
            "ours_only": right.left() - left.left(),
            "shared": left.right() - right.left(),
            "partner_only": right.right() - left.right(),
        }
        captions = QFontMetrics(base)
        for region, spot in spots.items():
            painter.setFont(big)
            box = QRectF(spot.x() - 60, spot.y() - 24, 120, 28)
            painter.setPen(TEXT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, f"{self.counts[region]:,}")
            painter.setFont(base)
            painter.setPen(MUTED if region != "shared" else TEXT)
            if captions.horizontalAdvance(labels[region]) + 6 <= room[region]:
                painter.drawText(
                    QRectF(spot.x() - 60, spot.y() + 4, 120, 20),
                    Qt.AlignmentFlag.AlignCenter,
                    labels[region],
                )
            if region == self.selected and self.hasFocus():
                painter.setPen(QPen(TEXT, 1, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(QRectF(spot.x() - 56, spot.y() - 26, 112, 52), 6, 6)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        region = self.region_at(event.position())
        if region is not None:
            self.selected = region
            self.update()
            self.region_clicked.emit(region)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        position = self.REGIONS.index(self.selected)
        if event.key() == Qt.Key.Key_Left:
            self.selected = self.REGIONS[max(0, position - 1)]
            self.update()
        elif event.key() == Qt.Key.Key_Right:
            self.selected = self.REGIONS[min(2, position + 1)]
            self.update()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.region_clicked.emit(self.selected)
        else:
            super().keyPressEvent(event)


@dataclass
class Cell:
    accounts: int = 0
    revenue: float = 0.0


class Heatmap(QWidget):
    """Our stages down, the partner's across; darker cells hold more shared accounts."""

    cell_clicked = Signal(str, str)  # our stage, partner stage

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Stage by stage matrix of shared accounts")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.rows: list[str] = []
        self.cols: list[str] = []
        self.cells: dict[tuple[str, str], Cell] = {}
        self.names = ("Us", "Partner")
        self.current = (0, 0)

    def set_matrix(
        self,
        rows: Sequence[str],
        cols: Sequence[str],
        cells: dict[tuple[str, str], Cell],
        names: tuple[str, str],
    ) -> None:
        self.rows, self.cols, self.cells, self.names = list(rows), list(cols), cells, names
        self.current = (0, 0)
        self._describe()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, 180)

    def minimumSizeHint(self) -> QSize:
        # Room for four rows of cells tall enough to show the potential revenue too.
        metrics = QFontMetrics(self.font())
        return QSize(340, metrics.height() * 2 + 12 + 4 * 36)

    def _layout(self) -> tuple[float, float, float, float]:
        metrics = QFontMetrics(self.font())
        label_w = max([metrics.horizontalAdvance(f"{r}  ") for r in self.rows] + [60]) + 24
        top = metrics.height() * 2 + 12
        cols = max(1, len(self.cols))
        rows = max(1, len(self.rows))
        cell_w = (self.width() - label_w - 4) / cols
        cell_h = min(64.0, (self.height() - top - 4) / rows)
        return label_w, top, cell_w, cell_h

    def cell_at(self, point: QPointF) -> tuple[int, int] | None:
        left, top, cw, ch = self._layout()
        if point.x() < left or point.y() < top:
            return None
        col = int((point.x() - left) // cw)
        row = int((point.y() - top) // ch)
        if 0 <= row < len(self.rows) and 0 <= col < len(self.cols):
            return row, col
        return None

    def cell_rect(self, row: int, col: int) -> QRectF:
        left, top, cw, ch = self._layout()
        return QRectF(left + col * cw, top + row * ch, cw, ch)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        left, top, cw, ch = self._layout()
        metrics = QFontMetrics(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(left, 2, cw * max(1, len(self.cols)), metrics.height() + 2),
            Qt.AlignmentFlag.AlignCenter,
            f"{self.names[1]}'s stage",
        )
        painter.save()
        painter.translate(10, top + ch * len(self.rows) / 2)
        painter.rotate(-90)
        painter.drawText(
            QRectF(-80, -8, 160, 16), Qt.AlignmentFlag.AlignCenter, f"{self.names[0]}'s stage"
        )
        painter.restore()
        painter.setPen(TEXT)
        for c, name in enumerate(self.cols):
            painter.drawText(
                QRectF(left + c * cw, metrics.height() + 6, cw, metrics.height() + 4),
                Qt.AlignmentFlag.AlignCenter,
                name,
            )
        for r, name in enumerate(self.rows):
            painter.drawText(
                QRectF(18, top + r * ch, left - 24, ch),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
        peak = max([cell.accounts for cell in self.cells.values()] + [1])
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        for r, our in enumerate(self.rows):
            for c, theirs in enumerate(self.cols):
                cell = self.cells.get((our, theirs), Cell())
                rect = self.cell_rect(r, c).adjusted(2, 2, -2, -2)
                share = cell.accounts / peak
                fill = QColor(SHARED)
                fill.setAlphaF(0.08 + 0.8 * share if cell.accounts else 0.04)
                painter.setBrush(fill)
                painter.setPen(QPen(GRID, 1))
                painter.drawRoundedRect(rect, 4, 4)
                dark = share > 0.55
                painter.setPen(QColor("white") if dark else TEXT)
                painter.setFont(bold)
                self._paint_cell_text(painter, rect, cell, dark, bold, small)
                if (r, c) == self.current and self.hasFocus():
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.setPen(QPen(TEXT, 2, Qt.PenStyle.DashLine))
                    painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
                painter.setFont(self.font())
        painter.end()

    def _paint_cell_text(
        self, painter: QPainter, rect: QRectF, cell: Cell, dark: bool, bold: QFont, small: QFont
    ) -> None:
        """The count, and the potential under it; on one line beside it when the cell is too
        short for two (a laptop screen), and left to the tooltip when neither fits."""
        count_text = f"{cell.accounts:,}"
        money_text = compact(cell.revenue) if cell.revenue else ""
        money_pen = QColor("#f1ecfa") if dark else MUTED
        painter.setFont(bold)
        painter.setPen(QColor("white") if dark else TEXT)
        bold_metrics, small_metrics = QFontMetrics(bold), QFontMetrics(small)
        two_lines = bold_metrics.height() + small_metrics.height() + 2
        if not money_text or rect.height() >= two_lines:
            count_box = QRectF(rect.left(), rect.top() + 2, rect.width(), rect.height() / 2)
            if not money_text:
                count_box = rect
            painter.drawText(
                count_box,
                Qt.AlignmentFlag.AlignHCenter
                | (Qt.AlignmentFlag.AlignBottom if money_text else Qt.AlignmentFlag.AlignVCenter),
                count_text,
            )
            if money_text:
                painter.setFont(small)
                painter.setPen(money_pen)
                painter.drawText(
                    QRectF(rect.left(), rect.center().y(), rect.width(), rect.height() / 2 - 2),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    money_text,
                )
            return
        gap = 6
        count_w = bold_metrics.horizontalAdvance(count_text)
        money_w = small_metrics.horizontalAdvance(money_text)
        if count_w + gap + money_w + 8 > rect.width():
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, count_text)
            return
        left = rect.center().x() - (count_w + gap + money_w) / 2
        painter.drawText(
            QRectF(left, rect.top(), count_w + 1, rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            count_text,
        )
        painter.setFont(small)
        painter.setPen(money_pen)
        painter.drawText(
            QRectF(left + count_w + gap, rect.top(), money_w + 1, rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            money_text,
        )

    def _describe(self) -> None:
        if not self.rows or not self.cols:
            return
        r, c = self.current
        cell = self.cells.get((self.rows[r], self.cols[c]), Cell())
        self.setAccessibleDescription(
            f"{self.names[0]} {self.rows[r]}, {self.names[1]} {self.cols[c]}: "
            f"{count(cell.accounts)} accounts, {compact(cell.revenue)} potential"
        )

    def activate(self, row: int, col: int) -> None:
        self.current = (row, col)
        self._describe()
        self.update()
        self.cell_clicked.emit(self.rows[row], self.cols[col])

    def mousePressEvent(self, event: QMouseEvent) -> None:
        spot = self.cell_at(event.position())
        if spot is not None:
            self.setFocus()
            self.activate(*spot)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.rows:
            super().keyPressEvent(event)
            return
        r, c = self.current
        moves = {
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
        }
        if event.key() in moves:
            dr, dc = moves[Qt.Key(event.key())]
            self.current = (
                min(max(0, r + dr), len(self.rows) - 1),
                min(max(0, c + dc), len(self.cols) - 1),
            )
            self._describe()
            self.update()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activate(r, c)
        else:
            super().keyPressEvent(event)


@dataclass
class Bar:
    label: str
    value: float
    text: str
    color: QColor


class BarChart(QWidget):
    """A titled set of horizontal bars, each with its label and value written out."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: list[Bar] = []
        self.note = ""
        self.setAccessibleName(title)
        # As tall as its title, bars and note: no empty band under a short chart.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: Sequence[Bar], note: str = "") -> None:
        self.bars = list(bars)
        self.note = note
        self.setAccessibleDescription("; ".join(f"{b.label}: {b.text}" for b in self.bars))
        self.updateGeometry()
        self.update()

    def content_height(self) -> int:
        """The height the title, the bars (two at least) and the note take, as painted."""
        line = QFontMetrics(self.font()).height()
        height = line + 14 + max(2, len(self.bars)) * (line + 10)
        return height + (line + 8 if self.note else 4)

    def sizeHint(self) -> QSize:
        return QSize(300, self.content_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.content_height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(TEXT)
        # A narrow window shortens the title with an ellipsis (the accessible name keeps it).
        title = QFontMetrics(bold).elidedText(
            self.title, Qt.TextElideMode.ElideRight, max(0, self.width() - 16)
        )
        painter.drawText(
            QRectF(8, 4, self.width() - 16, line + 4), Qt.AlignmentFlag.AlignLeft, title
        )
        painter.setFont(self.font())
        label_w = max([metrics.horizontalAdvance(b.label) for b in self.bars] + [40]) + 12
        text_w = max([metrics.horizontalAdvance(b.text) for b in self.bars] + [40]) + 12
        peak = max([b.value for b in self.bars] + [1e-9])
        y = line + 14
        bar_h = line + 6
        for bar in self.bars:
            painter.setPen(MUTED)
            painter.drawText(
                QRectF(8, y, label_w - 8, bar_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                bar.label,
            )
            span = max(0.0, self.width() - label_w - text_w - 16)
            width = span * (bar.value / peak) if peak > 0 else 0
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bar.color)
            painter.drawRoundedRect(QRectF(label_w + 4, y + 3, max(2.0, width), bar_h - 6), 3, 3)
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(label_w + 8 + width, y, text_w, bar_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                bar.text,
            )
            y += bar_h + 4
        if self.note:
            painter.setPen(MUTED)
            painter.drawText(
                QRectF(8, y, self.width() - 16, line + 4),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(self.note, Qt.TextElideMode.ElideRight, self.width() - 16),
            )
        painter.end()
