//! Charts and point maps of datastore tables as server-rendered SVG: no
//! script, no library, readable by screen readers (`role="img"` with a
//! title; the page shows the numbers as a table next to the chart), and
//! allowed by the site's CSP (presentation attributes, no `style`).
//!
//! Everything here is pure: numbers and labels in, markup out. Every text
//! that reaches the markup goes through [`esc`].

use std::fmt::Write;

/// Width of every drawing (the viewBox; the CSS scales it to the page).
pub const WIDTH: f64 = 720.0;
/// Height of a map.
pub const MAP_HEIGHT: f64 = 440.0;

/// Fill colours of bars, slices and points: the site's blue first, then
/// colours that keep a 3:1 contrast against white (WCAG 1.4.11).
const PALETTE: [&str; 8] = [
    "#0b5394", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#6b7280",
];

/// Escapes text for an XML attribute or element.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to `max` characters (with an ellipsis).
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

/// One group of a chart: its label (the x value), the aggregate shown and
/// that aggregate formatted for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

fn open(out: &mut String, height: f64, id: &str, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ds-svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-labelledby=\"{id}\" focusable=\"false\"><title id=\"{id}\">{}</title>",
        esc(title)
    );
}

/// "Nice" upper bound and step of an axis from 0 to `max`.
fn axis(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.25);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

/// A horizontal bar chart (labels on the left, so long Ukrainian labels
/// stay readable at any width). Negative values are drawn as zero-length
/// bars; their numbers are still printed.
pub fn bar(points: &[Point], title: &str, fmt: &dyn Fn(f64) -> String) -> String {
    let row = 26.0;
    let top = 24.0;
    let label_w = 220.0;
    let right = 90.0;
    let height = top + row * points.len() as f64 + 8.0;
    let max = points.iter().map(|p| p.value).fold(0.0, f64::max);
    let (hi, step) = axis(max);
    let plot = WIDTH - label_w - right;
    let mut out = String::new();
    open(&mut out, height, "chart-title", title);
    // Grid and ticks.
    let mut t = 0.0;
    while t <= hi + step / 2.0 {
        let x = label_w + plot * t / hi;
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d3d8df\"/>\
             <text x=\"{x:.1}\" y=\"14\" font-size=\"11\" text-anchor=\"middle\" fill=\"#4a5360\">{}</text>",
            top - 4.0,
            height - 8.0,
            esc(&fmt(t))
        );
        t += step;
    }
    for (i, p) in points.iter().enumerate() {
        let y = top + row * i as f64;
        let w = (plot * p.value.max(0.0) / hi).max(0.0);
        let _ = write!(
            out,
            "<g><title>{}: {}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1b1f24\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1b1f24\">{}</text></g>",
            esc(&p.label),
            esc(&p.shown),
            label_w - 6.0,
            y + row * 0.62,
            esc(&cut(&p.label, 32)),
            y + 4.0,
            row - 8.0,
            PALETTE[0],
            label_w + w + 4.0,
            y + row * 0.62,
            esc(&p.shown)
        );
    }
    out.push_str("</svg>");
    out
}

/// A line chart over the groups in their order (x ascending).
pub fn line(points: &[Point], title: &str, fmt: &dyn Fn(f64) -> String) -> String {
    let height = 320.0;
    let (left, right, top, bottom) = (70.0, 20.0, 16.0, 60.0);
    let max = points.iter().map(|p| p.value).fold(0.0, f64::max);
    let min = points.iter().map(|p| p.value).fold(0.0, f64::min);
    let (hi, step) = axis(max - min);
    let lo = if min < 0.0 {
        (min / step).floor() * step
    } else {
        0.0
    };
    let hi = lo + hi.max(step);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let n = points.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |v: f64| top + plot_h * (1.0 - (v - lo) / (hi - lo));
    let mut out = String::new();
    open(&mut out, height, "chart-title", title);
    let mut t = lo;
    while t <= hi + step / 2.0 {
        let y = y_of(t);
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#d3d8df\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#4a5360\">{}</text>",
            WIDTH - right,
            left - 6.0,
            y + 4.0,
            esc(&fmt(t))
        );
        t += step;
    }
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x_of(i), y_of(p.value)))
        .collect();
    let _ = write!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\"/>",
        path.join(" "),
        PALETTE[0]
    );
    // Label at most ~12 x values so they do not overlap.
    let every = n.div_ceil(12).max(1);
    for (i, p) in points.iter().enumerate() {
        let (x, y) = (x_of(i), y_of(p.value));
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{}\"><title>{}: {}</title></circle>",
            PALETTE[0],
            esc(&p.label),
            esc(&p.shown)
        );
        if i % every == 0 || i + 1 == n {
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#1b1f24\" \
                 transform=\"rotate(-35 {x:.1} {:.1})\">{}</text>",
                height - bottom + 16.0,
                height - bottom + 16.0,
                esc(&cut(&p.label, 16))
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A pie chart with a legend. Callers pass at most a handful of slices
/// (the largest groups and "other"); non-positive values are left out.
/// `percent` formats a share (0–100) for the language.
pub fn pie(points: &[Point], title: &str, percent: &dyn Fn(f64) -> String) -> String {
    let slices: Vec<&Point> = points.iter().filter(|p| p.value > 0.0).collect();
    let total: f64 = slices.iter().map(|p| p.value).sum();
    let height = (40.0 + 24.0 * slices.len() as f64).max(300.0);
    let (cx, cy, r) = (150.0, 150.0, 130.0);
    let mut out = String::new();
    open(&mut out, height, "chart-title", title);
    let mut angle = -std::f64::consts::FRAC_PI_2;
    for (i, p) in slices.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let share = p.value / total;
        let pct = percent(share * 100.0);
        if slices.len() == 1 {
            let _ = write!(
                out,
                "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"{colour}\"><title>{}: {} ({pct})</title></circle>",
                esc(&p.label),
                esc(&p.shown)
            );
        } else {
            let end = angle + share * std::f64::consts::TAU;
            let (x1, y1) = (cx + r * angle.cos(), cy + r * angle.sin());
            let (x2, y2) = (cx + r * end.cos(), cy + r * end.sin());
            let large = i32::from(share > 0.5);
            let _ = write!(
                out,
                "<path d=\"M{cx},{cy} L{x1:.2},{y1:.2} A{r},{r} 0 {large} 1 {x2:.2},{y2:.2} Z\" \
                 fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{}: {} ({pct})</title></path>",
                esc(&p.label),
                esc(&p.shown)
            );
            angle = end;
        }
        let ly = 30.0 + 24.0 * i as f64;
        let _ = write!(
            out,
            "<rect x=\"320\" y=\"{:.1}\" width=\"14\" height=\"14\" fill=\"{colour}\"/>\
             <text x=\"342\" y=\"{:.1}\" font-size=\"13\" fill=\"#1b1f24\">{} — {} ({pct})</text>",
            ly - 11.0,
            ly,
            esc(&cut(&p.label, 30)),
            esc(&p.shown)
        );
    }
    out.push_str("</svg>");
    out
}

/// A point of a map, in degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub lon: f64,
    pub lat: f64,
    pub label: String,
}

/// Web Mercator pixel coordinates of a point at zoom 0 (a 256 px world).
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.0511, 85.0511).to_radians();
    let x = (lon + 180.0) / 360.0 * 256.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * 256.0;
    (x, y)
}

/// The tile URL of a `{z}/{x}/{y}` template (`{s}` becomes `a`).
fn tile_url(template: &str, z: u32, x: i64, y: i64) -> String {
    template
        .replace("{s}", "a")
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

/// A map of points: Web Mercator at the largest zoom (up to 17) that fits
/// every point, markers as circles with the label as their title, and,
/// when `tiles` is given (a `{z}/{x}/{y}` URL template), the base map as
/// `<image>` tiles under the markers. Markers do not depend on the tiles:
/// a tile that fails to load leaves the plain background.
pub fn map(places: &[Place], title: &str, tiles: Option<&str>) -> String {
    let height = MAP_HEIGHT;
    let pad = 24.0;
    let pts: Vec<(f64, f64, &str)> = places
        .iter()
        .filter(|p| p.lon.is_finite() && p.lat.is_finite())
        .map(|p| {
            let (x, y) = mercator(p.lon, p.lat);
            (x, y, p.label.as_str())
        })
        .collect();
    let mut out = String::new();
    open(&mut out, height, "map-title", title);
    let _ = write!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#eef2f6\"/>"
    );
    if pts.is_empty() {
        out.push_str("</svg>");
        return out;
    }
    let (min_x, max_x) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let mut zoom = 17u32;
    while zoom > 0 {
        let s = f64::from(1u32 << zoom);
        if (max_x - min_x) * s <= WIDTH - 2.0 * pad && (max_y - min_y) * s <= height - 2.0 * pad {
            break;
        }
        zoom -= 1;
    }
    let scale = f64::from(1u32 << zoom);
    // The top-left corner of the view in world pixels at this zoom.
    let ox = (min_x + max_x) / 2.0 * scale - WIDTH / 2.0;
    let oy = (min_y + max_y) / 2.0 * scale - height / 2.0;
    if let Some(template) = tiles {
        let n = 1i64 << zoom;
        let tx0 = (ox / 256.0).floor() as i64;
        let tx1 = ((ox + WIDTH) / 256.0).floor() as i64;
        let ty0 = (oy / 256.0).floor().max(0.0) as i64;
        let ty1 = (((oy + height) / 256.0).floor() as i64).min(n - 1);
        out.push_str("<g aria-hidden=\"true\">");
        for ty in ty0..=ty1 {
            for tx in tx0..=tx1 {
                let wrapped = tx.rem_euclid(n);
                let _ = write!(
                    out,
                    "<image href=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"256\" height=\"256\"/>",
                    esc(&tile_url(template, zoom, wrapped, ty)),
                    tx as f64 * 256.0 - ox,
                    ty as f64 * 256.0 - oy
                );
            }
        }
        out.push_str("</g>");
    }
    out.push_str("<g class=\"ds-markers\">");
    for (x, y, label) in &pts {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\">",
            x * scale - ox,
            y * scale - oy,
            PALETTE[0]
        );
        if !label.is_empty() {
            let _ = write!(out, "<title>{}</title>", esc(label));
        }
        out.push_str("</circle>");
    }
    out.push_str("</g></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(values: &[(&str, f64)]) -> Vec<Point> {
        values
            .iter()
            .map(|(l, v)| Point {
                label: (*l).to_string(),
                value: *v,
                shown: v.to_string(),
            })
            .collect()
    }

    #[test]
    fn bar_has_one_rect_per_group_and_escapes_labels() {
        let svg = bar(
            &pts(&[("Шевченківський", 10.0), ("<script>", 5.0)]),
            "Кількість",
            &|v| v.to_string(),
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("role=\"img\""));
        // The longest bar spans the plot up to the axis maximum (10 → 10).
        assert!(svg.contains("width=\"410.0\""), "{svg}");
    }

    #[test]
    fn pie_shares_add_up() {
        let pct = |v: f64| format!("{v:.1} %");
        let svg = pie(&pts(&[("a", 1.0), ("b", 3.0), ("c", 0.0)]), "t", &pct);
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains("(25.0 %)"));
        assert!(svg.contains("(75.0 %)"));
        let one = pie(&pts(&[("a", 2.0)]), "t", &pct);
        assert!(one.contains("<circle"));
    }

    #[test]
    fn line_has_a_point_per_group() {
        let svg = line(
            &pts(&[("2020", 1.0), ("2021", -2.0), ("2022", 3.0)]),
            "t",
            &|v| v.to_string(),
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("<polyline"));
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(axis(10.0), (10.0, 2.5));
        assert_eq!(axis(87.0), (100.0, 25.0));
        assert_eq!(axis(0.0), (1.0, 0.25));
    }

    #[test]
    fn map_places_markers_inside_the_view_with_or_without_tiles() {
        let places = vec![
            Place {
                lon: 30.52,
                lat: 50.45,
                label: "Школа №1".into(),
            },
            Place {
                lon: 30.60,
                lat: 50.40,
                label: String::new(),
            },
        ];
        let plain = map(&places, "Мапа", None);
        assert_eq!(plain.matches("<circle").count(), 2);
        assert!(!plain.contains("<image"));
        assert!(plain.contains("<title>Школа №1</title>"));
        for c in plain.split("<circle cx=\"").skip(1) {
            let x: f64 = c.split('"').next().unwrap().parse().unwrap();
            assert!((0.0..=WIDTH).contains(&x), "{x}");
        }
        let tiled = map(
            &places,
            "Мапа",
            Some("https://{s}.tile.example/{z}/{x}/{y}.png"),
        );
        assert!(tiled.contains("<image href=\"https://a.tile.example/"));
        assert_eq!(tiled.matches("<circle").count(), 2);
        assert!(map(&[], "t", None).ends_with("</svg>"));
    }
}
