"""The server-side SVG charts: valid XML, points where expected, accessible, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from motcua.indicators.charts import HEIGHT, Point, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def test_line_chart_points_and_accessibility() -> None:
    points = [Point("2026-09", 20.0), Point("2026-10", 40.0), Point("2026-11", 10.0)]
    root = _parse(line_chart(points, title="Tổng điểm", chart_id="c1", y_max=100, unit=""))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Tổng điểm"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Tổng điểm"
    desc = root.find(f"{SVG}desc").text
    assert desc == "2026-09: 20; 2026-10: 40; 2026-11: 10"
    circles = root.findall(f"{SVG}circle")
    assert [c.get("data-label") for c in circles] == ["2026-09", "2026-10", "2026-11"]
    assert [c.get("data-value") for c in circles] == ["20", "40", "10"]
    ys = [float(c.get("cy")) for c in circles]
    xs = [float(c.get("cx")) for c in circles]
    # higher value = higher on the chart (smaller y); months left to right
    assert ys[1] < ys[0] < ys[2]
    assert xs[0] < xs[1] < xs[2]
    # on a 0–100 scale, 40 is twice as far from the x axis as 20
    axis = max(float(line.get("y1")) for line in root.findall(f"{SVG}line"))
    assert axis - ys[1] == pytest.approx(2 * (axis - ys[0]), abs=0.2)
    assert len(root.findall(f"{SVG}polyline")) == 1
    # every point reads out its value
    assert circles[1].find(f"{SVG}title").text == "2026-10: 40"


def test_line_chart_gap_for_missing_month() -> None:
    points = [
        Point("01", 1.0),
        Point("02", 2.0),
        Point("03", None),
        Point("04", 3.0),
        Point("05", 4.0),
    ]
    root = _parse(line_chart(points, title="t", no_value="không có số liệu"))
    assert len(root.findall(f"{SVG}circle")) == 4
    assert len(root.findall(f"{SVG}polyline")) == 2  # the line breaks at March
    assert "03: không có số liệu" in root.find(f"{SVG}desc").text


def test_empty_series() -> None:
    for chart in (line_chart, bar_chart):
        root = _parse(chart([], title="Trống", no_value="không có số liệu"))
        assert root.find(f"{SVG}desc").text == "không có số liệu"
        assert root.findall(f"{SVG}circle") == [] and root.findall(f"{SVG}rect") == []


def test_all_zero_series_has_a_scale() -> None:
    root = _parse(line_chart([Point("a", 0.0), Point("b", 0.0)], title="z"))
    ys = {float(c.get("cy")) for c in root.findall(f"{SVG}circle")}
    assert len(ys) == 1 and ys.pop() <= HEIGHT


def test_bar_chart_heights() -> None:
    root = _parse(bar_chart([Point("a", 5.0), Point("b", 10.0), Point("c", None)], title="b"))
    bars = root.findall(f"{SVG}rect")
    assert [b.get("data-label") for b in bars] == ["a", "b"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)


def test_labels_are_escaped() -> None:
    evil = 'Q<1> & "x" </svg><script>alert(1)</script>'
    svg = line_chart([Point(evil, 1.0)], title=evil, chart_id='id"><x', y_label=evil)
    assert "<script>" not in svg
    root = _parse(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == evil
    assert root.get("aria-label") == evil
    assert root.find(f"{SVG}circle").get("data-label") == evil
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert evil in texts
