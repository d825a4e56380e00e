// Package chart draws the service's charts as SVG, with gonum/plot (axes,
// ticks, grids, text metrics) on its SVG canvas (vg/vgsvg). These are pure
// functions: data in, a standalone SVG document out. Nothing here knows
// about HTTP; the handlers that load the data and serve the bytes live in
// package api.
//
// Conventions shared by all charts:
//   - Colours come from the Okabe–Ito palette, which stays distinguishable
//     for the common forms of colour blindness; where colour carries meaning
//     a text label or a shape says the same thing.
//   - Text is Liberation Sans, measured with its real metrics; the SVG names
//     Arial/Helvetica as fallbacks, which are metric-compatible, so the
//     layout holds in browsers without Liberation. No font data is embedded.
//   - All user text is cleaned (control and bidi-override characters
//     dropped, whitespace collapsed, invalid UTF-8 replaced) and truncated;
//     the SVG canvas escapes it for XML.
//   - Rendering never panics: a panic inside the plotting library is turned
//     into an error.
package chart
