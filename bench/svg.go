package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
)

// chart is a grouped bar chart: a group of bars per shape, a bar per
// target (series) in each.
type chart struct {
	title, xLabel, yLabel string
	groups                []string
	series                []string
	values                [][]float64 // by group, then series
}

// The chart's layout, in SVG user units.
const (
	chartWidth   = 960
	chartHeight  = 520
	marginLeft   = 90
	marginRight  = 30
	marginTop    = 80
	marginBottom = 70
	plotWidth    = chartWidth - marginLeft - marginRight
	plotHeight   = chartHeight - marginTop - marginBottom
	yTicks       = 5
)

// palette colours the series, in order.
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"}

// writeChart writes c as a standalone SVG document.
func writeChart(w io.Writer, c chart) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n",
		chartWidth, chartHeight, chartWidth, chartHeight)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, chartHeight)
	text(&b, chartWidth/2, 30, "middle", 18, "", c.title)
	top := niceCeiling(maxValue(c.values))
	writeAxes(&b, c, top)
	writeBars(&b, c, top)
	writeLegend(&b, c.series)
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// writeAxes draws the y axis with its grid and labels, and the x axis with
// the groups' names.
func writeAxes(b *bytes.Buffer, c chart, top float64) {
	for i := 0; i <= yTicks; i++ {
		v := top * float64(i) / yTicks
		y := yOf(v, top)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n",
			marginLeft, y, marginLeft+plotWidth, y)
		text(b, marginLeft-8, y+4, "end", 12, "", shortNumber(v))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n",
		marginLeft, marginTop, marginLeft, marginTop+plotHeight)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n",
		marginLeft, marginTop+plotHeight, marginLeft+plotWidth, marginTop+plotHeight)
	groupWidth := float64(plotWidth) / float64(max(len(c.groups), 1))
	for i, g := range c.groups {
		x := marginLeft + groupWidth*(float64(i)+0.5)
		text(b, x, marginTop+plotHeight+20, "middle", 13, "", g)
	}
	text(b, marginLeft+plotWidth/2, chartHeight-15, "middle", 13, "", c.xLabel)
	y := marginTop + plotHeight/2
	text(b, 25, float64(y), "middle", 13, fmt.Sprintf(`transform="rotate(-90 25 %d)"`, y), c.yLabel)
}

// writeBars draws a bar per value, with the value above it.
func writeBars(b *bytes.Buffer, c chart, top float64) {
	groupWidth := float64(plotWidth) / float64(max(len(c.groups), 1))
	barWidth := groupWidth * 0.8 / float64(max(len(c.series), 1))
	for i, values := range c.values {
		left := marginLeft + groupWidth*float64(i) + groupWidth*0.1
		for j, v := range values {
			x, y := left+barWidth*float64(j), yOf(v, top)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.0f</title></rect>`+"\n",
				x+1, y, barWidth-2, float64(marginTop+plotHeight)-y, palette[j%len(palette)],
				escape(c.groups[i]), escape(c.series[j]), v)
			text(b, x+barWidth/2, y-4, "middle", 11, "", shortNumber(v))
		}
	}
}

// writeLegend draws a swatch and a name per series, in a row under the
// title.
func writeLegend(b *bytes.Buffer, series []string) {
	x := float64(marginLeft)
	for i, s := range series {
		fmt.Fprintf(b, `<rect x="%.1f" y="48" width="14" height="14" fill="%s"/>`+"\n", x, palette[i%len(palette)])
		text(b, x+20, 60, "start", 13, "", s)
		x += 40 + 8*float64(len(s))
	}
}

// text draws an escaped string; extra is more attributes, or "".
func text(b *bytes.Buffer, x, y float64, anchor string, size int, extra, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" %s>%s</text>`+"\n",
		x, y, anchor, size, extra, escape(s))
}

func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// yOf is the y coordinate of value v on an axis from 0 to top.
func yOf(v, top float64) float64 {
	return float64(marginTop+plotHeight) - float64(plotHeight)*v/top
}

func maxValue(values [][]float64) float64 {
	m := 0.0
	for _, row := range values {
		for _, v := range row {
			m = max(m, v)
		}
	}
	return m
}

// niceCeiling is the y axis's top for a largest value v: yTicks steps of
// 1, 2, 2.5 or 5 times a power of ten, the smallest that reach v. It is 1
// for v <= 0.
func niceCeiling(v float64) float64 {
	if v <= 0 {
		return 1
	}
	step := v / yTicks
	magnitude := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*magnitude >= step {
			return m * magnitude * yTicks
		}
	}
	return 10 * magnitude * yTicks
}

// shortNumber writes v as 950, 12.3k or 1.2M.
func shortNumber(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
