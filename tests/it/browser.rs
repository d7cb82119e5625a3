//! The report in a real browser (issue 6, "must show"): headless Chromium
//! opens a run's and a sweep's report.html and every chart renders.
//!
//! Chromium is a system package (Debian's `chromium`; `.ci/run` installs it).
//! Without it this test fails and says so, unless FLEETSIM_SKIP_BROWSER=1.

use crate::report::{run_report, sweep_report};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const SKIP_VARIABLE: &str = "FLEETSIM_SKIP_BROWSER";

/// The page's width in the browser: the report's 1240 px column and margins.
const WINDOW_WIDTH: u32 = 1300;

/// Measures every inline `<svg>` once the page is laid out, and writes the
/// figures into the page for `--dump-dom` to carry out: its place and size
/// on the page, the size of what it draws, how many shapes have a size and
/// how many texts have a width (a font was found). Added at the end of the
/// body of a copy, so it runs after every chart is parsed and moves none.
const PROBE: &str = r#"<script>
(function () {
  var rows = [];
  document.querySelectorAll('svg').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    var drawn = svg.getBBox();
    var shapes = 0;
    svg.querySelectorAll('polyline, path, line, rect, circle, polygon').forEach(function (e) {
      var b = e.getBBox();
      if (b.width > 0 || b.height > 0) shapes++;
    });
    var texts = 0;
    svg.querySelectorAll('text').forEach(function (e) {
      if (e.getComputedTextLength() > 0) texts++;
    });
    rows.push(['chart', box.left + window.scrollX, box.top + window.scrollY, box.width, box.height,
      drawn.width, drawn.height, shapes, texts].map(function (v) {
        return typeof v === 'number' ? Math.round(v) : v;
      }).join(' '));
  });
  rows.push('page ' + document.documentElement.scrollHeight);
  var out = document.createElement('pre');
  out.id = 'fleetsim-probe';
  out.textContent = '\n' + rows.join('\n') + '\n';
  document.body.appendChild(out);
})();
</script>
"#;

/// One `<svg>` as Chromium laid it out, px.
#[derive(Debug)]
struct Measured {
    left: u32,
    top: u32,
    width: u32,
    height: u32,
    drawn_width: u32,
    drawn_height: u32,
    shapes: u32,
    texts: u32,
}

/// Chromium on PATH; when absent, None if the user chose to skip, else a
/// failure that says how to get it.
fn chromium_or_skip() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file());
    if found.is_none() && std::env::var_os(SKIP_VARIABLE).is_some_and(|v| v == "1") {
        eprintln!("browser test skipped: {SKIP_VARIABLE}=1 and no chromium on PATH");
        return None;
    }
    assert!(
        found.is_some(),
        "the report's browser test needs headless Chromium: install it (Debian: \
         `apt-get install --no-install-recommends chromium`; .ci/run does) or set {SKIP_VARIABLE}=1 to skip it"
    );
    found
}

/// Runs Chromium headless, offline and with a fresh profile on `page`;
/// returns its stdout. Killed if it takes over a minute.
fn chromium(binary: &Path, profile: &Path, extra: &[String], page: &Path) -> String {
    let mut child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let (mut stdout, mut stderr) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut waited = Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().expect("chromium's status") {
            break status;
        }
        if waited > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took over a minute on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    };
    let (text, errors) = (reader.join().expect("stdout"), errors.join().expect("stderr"));
    assert!(status.success(), "chromium failed on {}: {status}\n{errors}", page.display());
    text
}

/// The probe's figures from the dumped page, and the page's height.
fn measurements(dom: &str) -> (Vec<Measured>, u32) {
    let start = dom.find("<pre id=\"fleetsim-probe\">").unwrap_or_else(|| panic!("the probe did not run:\n{dom}"));
    let body = &dom[start..dom[start..].find("</pre>").map_or(dom.len(), |end| start + end)];
    let mut charts = Vec::new();
    let mut height = 0;
    for line in body.lines().skip(1) {
        let fields: Vec<&str> = line.split(' ').collect();
        let number = |i: usize| -> u32 {
            fields.get(i).and_then(|f| f.parse::<f64>().ok()).map_or_else(
                || panic!("probe line {line:?}"),
                |v| {
                    assert!(v >= 0.0, "probe line {line:?}");
                    v as u32
                },
            )
        };
        match fields[0] {
            "chart" => charts.push(Measured {
                left: number(1),
                top: number(2),
                width: number(3),
                height: number(4),
                drawn_width: number(5),
                drawn_height: number(6),
                shapes: number(7),
                texts: number(8),
            }),
            "page" => height = number(1),
            _ => {}
        }
    }
    (charts, height)
}

/// Opens `page` in Chromium and asserts that each of its `expected` charts
/// was laid out at its size with shapes and text in it (the probe), and was
/// painted: in a screenshot of the whole page, each chart's area has ink in
/// more than a few colours.
fn assert_every_chart_renders(binary: &Path, page: &Path, expected: usize, work: &Path) {
    std::fs::create_dir_all(work).expect("a folder for the browser's files");
    let html = std::fs::read_to_string(page).expect("report.html");
    let probe_page = page.with_file_name("probe.html");
    crate::sweep::write(&probe_page, &html.replacen("</body>", &format!("{PROBE}</body>"), 1));
    let window = format!("--window-size={WINDOW_WIDTH},1000");
    let dom = chromium(binary, &work.join("profile-dom"), &["--dump-dom".into(), window], &probe_page);
    let (charts, page_height) = measurements(&dom);
    assert_eq!(charts.len(), expected, "{}: charts in the browser", page.display());
    for (i, chart) in charts.iter().enumerate() {
        assert!(chart.width >= 600 && chart.height >= 200, "chart {i} laid out at {chart:?}");
        assert!(chart.drawn_width * 2 >= chart.width && chart.drawn_height * 2 >= chart.height, "chart {i}: {chart:?}");
        assert!(chart.shapes >= 10, "chart {i}: too few shapes drawn: {chart:?}");
        assert!(chart.texts >= 3, "chart {i}: its title and labels should have a width: {chart:?}");
    }

    // The original page, not the probe's copy: the probe only sits below it.
    let screenshot = work.join("screenshot.png");
    let size = format!("--window-size={WINDOW_WIDTH},{page_height}");
    let shot = format!("--screenshot={}", screenshot.display());
    chromium(binary, &work.join("profile-shot"), &[shot, size], page);
    let file = std::fs::File::open(&screenshot).expect("the screenshot");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("pixels");
    let channels = frame.color_type.samples();
    for (i, chart) in charts.iter().enumerate() {
        let mut inked = 0;
        let mut colours = Vec::new();
        for y in chart.top..(chart.top + chart.height).min(frame.height) {
            for x in chart.left..(chart.left + chart.width).min(frame.width) {
                let at = (y as usize * frame.width as usize + x as usize) * channels;
                let rgb = [pixels[at], pixels[at + 1], pixels[at + 2]];
                if rgb != [255, 255, 255] {
                    inked += 1;
                }
                colours.push(rgb);
            }
        }
        let area = colours.len();
        colours.sort_unstable();
        colours.dedup();
        assert!(area > 0, "chart {i} lies outside the screenshot ({} px high): {chart:?}", frame.height);
        assert!(inked * 100 > area, "chart {i} painted {inked} of {area} pixels: {chart:?}");
        assert!(colours.len() >= 4, "chart {i} painted in {} colours: {chart:?}", colours.len());
    }
}

/// Goal: every chart of a run's report (traffic, tasks, latency, cost, one per
/// scaling policy) and a sweep's scatter renders in a browser.
/// Method: a copy of each page with a probe script, dumped by headless
/// Chromium, measures each inline SVG; then a screenshot of the page itself
/// must show ink where each chart was laid out.
#[test]
fn every_chart_renders_in_headless_chromium() {
    let Some(binary) = chromium_or_skip() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = run_report(&tmp.path().join("run"));
    let run_work = tmp.path().join("browser-run");
    assert_every_chart_renders(&binary, &run, 7, &run_work);
    let sweep = sweep_report(tmp.path());
    let sweep_work = tmp.path().join("browser-sweep");
    assert_every_chart_renders(&binary, &sweep, 1, &sweep_work);
}
