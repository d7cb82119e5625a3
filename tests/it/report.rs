//! The report a planner opens or attaches (issue 6, scope 2): `report.html`
//! is valid HTML that fetches nothing, every chart sits in its own section,
//! and each chart's PNG and SVG sit beside the page. (That a browser draws
//! them is `browser.rs`.)

use crate::support;
use scraper::{ElementRef, Html, Selector};
use std::fs;
use std::path::{Path, PathBuf};

/// A run with three services, three scaling policies and two capacity
/// providers (20 simulated minutes, about a second): every kind of run chart.
pub fn run_report(dir: &Path) -> PathBuf {
    let scenario = support::scenarios_dir().join("determinism-cluster.toml");
    let output = support::fleetsim().arg("run").arg(&scenario).arg("--out").arg(dir).output().expect("fleetsim runs");
    assert!(output.status.success(), "run failed: {}", String::from_utf8_lossy(&output.stderr));
    dir.join("report.html")
}

/// A sweep of three variants over two seeds, with `[expect]` bounds so one
/// is chosen: the scatter with its front and its highlighted point.
pub fn sweep_report(dir: &Path) -> PathBuf {
    let path = crate::sweep::scenario(dir);
    let text = fs::read_to_string(&path).expect("scenario") + "[expect]\nlatency_p99_ms = { max = 300.0 }\n";
    crate::sweep::write(&path, &text);
    let out = dir.join("sweep-out");
    let output = crate::sweep::sweep(&path, &out, &["service.desired_count=3,4,5"], "2", None);
    assert!(output.status.success(), "sweep failed: {}", String::from_utf8_lossy(&output.stderr));
    out.join("report.html")
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e}"))
}

/// Parses a page as a browser would; panics on any parse error HTML's
/// specification names (html5ever reports each), or on anything that would
/// reach outside the file.
fn parse_standalone(path: &Path) -> Html {
    let text = fs::read_to_string(path).expect("report.html");
    let page = Html::parse_document(&text);
    assert!(page.errors.is_empty(), "{} is not valid HTML: {:?}", path.display(), page.errors);
    // The type is html5ever's, not re-exported: compare its name.
    let mode = format!("{:?}", page.quirks_mode);
    assert_eq!(mode, "NoQuirks", "{}: the doctype should put browsers in standards mode", path.display());
    for scheme in ["http://", "https://", "file:", "data:", "javascript:"] {
        assert!(!text.contains(scheme), "{} names a URL ({scheme})", path.display());
    }
    let fetching = ["script", "link", "img", "iframe", "object", "embed", "base", "audio", "video", "source", "image"];
    let reference_attributes = ["src", "srcset", "href", "action", "formaction", "data", "poster", "background"];
    for node in page.tree.nodes() {
        let Some(element) = ElementRef::wrap(node) else { continue };
        let name = element.value().name();
        assert!(!fetching.contains(&name), "{} has a <{name}>", path.display());
        for (attribute, value) in element.value().attrs() {
            // `xlink:href` is `href` to the parser: no namespace gets a pass.
            assert!(
                !reference_attributes.contains(&attribute),
                "{}: <{name} {attribute}=\"{value}\"> refers to something outside",
                path.display()
            );
            assert!(!value.contains("url("), "{}: <{name} {attribute}> has url(…)", path.display());
        }
        if name == "style" {
            let css: String = element.text().collect();
            assert!(!css.contains("url(") && !css.contains("@import"), "the style sheet fetches nothing");
        }
    }
    page
}

/// Each `<section>` of "Over time": its heading, its inline SVG's text and
/// the chart files it names.
fn chart_sections(page: &Html) -> Vec<(String, String, Vec<String>)> {
    let (heading, svg, meta) = (selector("h3"), selector("svg"), selector("p.meta"));
    page.select(&selector("section"))
        .map(|section| {
            let title = section.select(&heading).next().expect("a heading").text().collect::<String>();
            let svgs: Vec<ElementRef> = section.select(&svg).collect();
            assert_eq!(svgs.len(), 1, "section {title}: one chart");
            let files = section.select(&meta).next().expect("the chart's files").text().collect::<String>();
            (title, svgs[0].html(), files.split(", ").map(String::from).collect())
        })
        .collect()
}

/// A chart's PNG decodes, has the size its SVG declares, and is not blank:
/// some pixels not white, in more than a few colours (axes, text, lines).
pub fn assert_png_drawn(path: &Path, size: (u32, u32)) {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("PNG pixels");
    assert_eq!((frame.width, frame.height), size, "{}", path.display());
    assert_eq!(frame.color_type, png::ColorType::Rgb, "{}", path.display());
    let rgb: Vec<[u8; 3]> = pixels[..frame.buffer_size()].chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    let inked = rgb.iter().filter(|p| **p != [255, 255, 255]).count();
    let mut colours = rgb.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(inked * 100 > rgb.len(), "{}: only {inked} of {} pixels drawn", path.display(), rgb.len());
    assert!(colours.len() >= 4, "{}: {} colours", path.display(), colours.len());
}

/// The `width` and `height` an SVG's opening tag declares.
fn declared_size(svg: &str) -> (u32, u32) {
    let number = |attribute: &str| -> u32 {
        let start = svg.find(&format!(" {attribute}=\"")).expect(attribute) + attribute.len() + 3;
        svg[start..].split('"').next().and_then(|n| n.parse().ok()).expect("a number")
    };
    (number("width"), number("height"))
}

/// Goal: a run's report.html is valid HTML with no external reference, and
/// every chart (traffic, tasks, latency, cost, each scaling policy) is in
/// its own section, its SVG inline and, beside the page, the same SVG and
/// a PNG that decodes, is the same size and is not blank.
/// Method: parse with html5ever (as browsers do; every parse error the
/// specification names is reported) and walk every element; read each file.
#[test]
fn a_run_report_is_valid_html_with_each_chart_beside_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let html = run_report(&tmp.path().join("run"));
    let page = parse_standalone(&html);
    let sections = chart_sections(&page);
    let headings: Vec<&str> = sections.iter().map(|(h, _, _)| h.as_str()).collect();
    assert_eq!(&headings[..4], ["Traffic", "Tasks", "Latency", "Cost"]);
    assert_eq!(headings.len(), 7, "four charts and one per scaling policy: {headings:?}");
    for service in ["web", "api", "backend"] {
        assert!(headings.iter().any(|h| h.starts_with(&format!("Scaling metric: {service}: target tracking"))));
    }
    let dir = html.parent().expect("folder");
    let mut files: Vec<String> = Vec::new();
    for (heading, inline, named) in &sections {
        let [png, svg] = &named[..] else { panic!("{heading}: names {named:?}") };
        assert!(png.starts_with("charts/") && png.ends_with(".png") && svg.ends_with(".svg"), "{named:?}");
        let svg_text = fs::read_to_string(dir.join(svg)).expect("the chart's SVG");
        assert!(svg_text.contains("xmlns=\"http://www.w3.org/2000/svg\""), "a standalone SVG names its namespace");
        // The page's copy is the file's element, less the namespace HTML implies.
        let element = &svg_text[svg_text.find("<svg").expect("<svg")..];
        assert_eq!(declared_size(inline), declared_size(element));
        assert!(inline.matches("<polyline").count() >= 1, "{heading}: a line drawn");
        assert_png_drawn(&dir.join(png), declared_size(element));
        files.push(png.clone());
        files.push(svg.clone());
    }
    let mut on_disk: Vec<String> = fs::read_dir(dir.join("charts"))
        .expect("charts/")
        .map(|e| format!("charts/{}", e.expect("entry").file_name().to_string_lossy()))
        .collect();
    on_disk.sort();
    files.sort();
    assert_eq!(on_disk, files, "charts/ holds the page's charts and nothing else");
    assert!(page.select(&selector("h3")).all(|h| h.text().next().is_some()));
}

/// Goal: the same for a sweep's report.html: valid, standalone, the
/// cost-versus-availability chart inline, and sweep.png and sweep.svg
/// beside it (the PNG decodes and is not blank).
#[test]
fn a_sweep_report_is_valid_html_with_its_chart_beside_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let html = sweep_report(tmp.path());
    let page = parse_standalone(&html);
    let svgs: Vec<ElementRef> = page.select(&selector("svg")).collect();
    assert_eq!(svgs.len(), 1, "the scatter, inlined once");
    let dir = html.parent().expect("folder");
    let svg_text = fs::read_to_string(dir.join("sweep.svg")).expect("sweep.svg");
    assert_eq!(declared_size(&svgs[0].html()), declared_size(&svg_text));
    assert!(svgs[0].html().contains("<circle"), "the variants drawn as points");
    assert_png_drawn(&dir.join("sweep.png"), declared_size(&svg_text));
}

/// Goal: the checks above would catch what they guard against, so their
/// passing means something. Method: pages with one flaw each must fail
/// `parse_standalone`.
#[test]
fn the_checks_catch_a_broken_page() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>t</title></head><body>\
                <svg width=\"10\" height=\"10\"><rect x=\"0\" y=\"0\" width=\"5\" height=\"5\"/></svg></body></html>\n";
    let path = tmp.path().join("page.html");
    crate::sweep::write(&path, good);
    parse_standalone(&path);
    let flaws = [
        ("<!doctype html>\n", ""),
        ("</title>", ""),
        ("<rect", "<image href=\"chart.png\"/><rect"),
        ("<rect", "<use xlink:href=\"other.svg#a\"/><rect"),
        ("</body>", "<script>1</script></body>"),
        ("</head>", "<link rel=\"stylesheet\" href=\"s.css\"></head>"),
        ("<title>t", "<title>http://example.com"),
        ("</svg>", "</svg></p>"),
    ];
    for (from, to) in flaws {
        let page = good.replacen(from, to, 1);
        assert_ne!(page, good);
        crate::sweep::write(&path, &page);
        let caught = std::panic::catch_unwind(|| parse_standalone(&path)).is_err();
        assert!(caught, "a page with {to:?} for {from:?} passed");
    }
}
