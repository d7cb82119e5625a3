//! A results folder is written whole: `run` and `compare` write beside it and
//! swap the new folder in, so a rerun leaves nothing of the old result, a kill
//! leaves the old result or none (never old and new files mixed), and a
//! folder that is not fleetsim's is never replaced.

use crate::support;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// 10 minutes of one target tracking policy on CPU at `target` percent:
/// the policy's chart is named after its target.
fn tracking_scenario(path: &Path, target: u32) {
    let text = format!(
        r#"name = "rerun"
duration = "10m"
seed = 3
[traffic]
kind = "constant"
rate_per_second = 40.0
[service]
desired_count = 2
service_time = {{ distribution = "constant", value = "20ms" }}
[service.auto_scaling]
min_capacity = 1
max_capacity = 4
target_tracking = [{{ predefined_metric_type = "ECSServiceAverageCPUUtilization", target_value = {target}.0 }}]
"#
    );
    crate::sweep::write(path, &text);
}

fn run(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    support::fleetsim().arg("run").arg(scenario).arg("--out").arg(out).args(extra).output().expect("fleetsim runs")
}

fn assert_ok(output: &Output) {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// Every file under `dir` by its path inside it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.insert(path.strip_prefix(root).expect("inside").to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Goal: a rerun into the same folder (a scenario of the same name whose
/// policy changed, target 60 → 70) leaves exactly what a run into a fresh
/// folder writes: no chart of the old policy, and nothing else of the old
/// folder (it is fleetsim's: a file put in it goes too), nothing hidden beside it.
#[test]
fn a_rerun_replaces_the_folder_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("rerun.toml");
    let (out, fresh) = (dir.path().join("out"), dir.path().join("fresh"));
    tracking_scenario(&scenario, 60);
    assert_ok(&run(&scenario, &out, &[]));
    assert!(out.join("charts/scaling-1-web-ecsserviceaveragecpuutilization-60.png").exists());
    crate::sweep::write(&out.join("notes.txt"), "mine");
    tracking_scenario(&scenario, 70);
    assert_ok(&run(&scenario, &out, &[]));
    assert_ok(&run(&scenario, &fresh, &[]));
    assert_eq!(tree(&out), tree(&fresh), "the rerun's folder is a fresh run's, byte for byte");
    assert_eq!(names(dir.path()), ["fresh", "out", "rerun.toml"]);
}

/// Goal: `--out` at a folder that holds files but no fleetsim result (as a
/// home folder would) is refused with exit 2 and one error line naming it,
/// before anything runs, and the folder is left as it was; so is `--out` at
/// a file. `compare` and `sweep` refuse it alike.
#[test]
fn a_folder_that_is_not_a_result_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("rerun.toml");
    tracking_scenario(&scenario, 60);
    let home = dir.path().join("home");
    fs::create_dir(&home).expect("mkdir");
    crate::sweep::write(&home.join("notes.txt"), "mine");
    let file = dir.path().join("rerun.toml");
    let compare_b = dir.path().join("b.toml");
    crate::sweep::write(&compare_b, &fs::read_to_string(&scenario).expect("read").replace("\"rerun\"", "\"b\""));
    for (out, why) in [(&home, "holds no fleetsim result"), (&file, "is not a folder")] {
        let outputs = [
            run(&scenario, out, &[]),
            support::fleetsim()
                .arg("compare")
                .args([&scenario, &compare_b])
                .arg("--out")
                .arg(out)
                .output()
                .expect("runs"),
            crate::sweep::sweep(&scenario, out, &["service.desired_count=2,3"], "1", None),
        ];
        for output in outputs {
            assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
            let stderr = String::from_utf8_lossy(&output.stderr);
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{stderr}");
            assert!(lines[0].starts_with(&format!("error: {}: ", out.display())) && lines[0].contains(why), "{stderr}");
        }
    }
    assert_eq!(names(&home), ["notes.txt"]);
    assert_eq!(names(dir.path()), ["b.toml", "home", "rerun.toml"], "nothing left beside them");
}

/// Goal: a run killed while it writes leaves, at its out path, the old
/// complete result or nothing: never the new run's files among the old's.
/// Method: a run of seed 1 into `out`; a run of seed 2 into `out` killed
/// (SIGKILL, as a shutdown would) as soon as its `timeseries.csv` exists
/// anywhere in the parent folder (the first file a run writes; its report
/// takes a few hundred ms more). `out` must then be absent, or, byte for
/// byte, the seed-1 folder or the seed-2 folder. What the kill left beside
/// it is hidden, and the next run removes it; a leftover named for a live
/// process (this test's) stays, as it may be a run still writing.
#[test]
fn a_killed_run_leaves_the_old_result_or_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = support::scenarios_dir().join("determinism-cluster.toml");
    let (out, reference) = (dir.path().join("out"), dir.path().join("reference"));
    assert_ok(&run(&scenario, &out, &["--seed", "1"]));
    assert_ok(&run(&scenario, &reference, &["--seed", "2"]));
    let (old, new) = (tree(&out), tree(&reference));
    let new_timeseries = &new[Path::new("timeseries.csv")];
    let mut child = support::fleetsim()
        .arg("run")
        .arg(&scenario)
        .args(["--seed", "2", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("fleetsim starts");
    let written = |folder: PathBuf| fs::read(folder.join("timeseries.csv")).is_ok_and(|b| &b == new_timeseries);
    loop {
        let folders = fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.path()).filter(|p| p != &reference);
        if folders.into_iter().any(written) || child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
    if out.exists() {
        let left = tree(&out);
        assert!(left == old || left == new, "old and new files mixed: {:?}", left.keys().collect::<Vec<_>>());
    }
    // A live process's leftover stays; the dead one's go with the next run.
    let live = dir.path().join(format!(".out.tmp-{}", std::process::id()));
    fs::create_dir(&live).expect("mkdir");
    assert_ok(&run(&scenario, &out, &["--seed", "2"]));
    assert_eq!(tree(&out), new);
    let live_name = format!(".out.tmp-{}", std::process::id());
    assert_eq!(names(dir.path()), [live_name.as_str(), "out", "reference"]);
}

/// Goal: `compare` rerun into its folder with other scenarios leaves no
/// report of a scenario it no longer compares.
#[test]
fn a_rerun_compare_replaces_its_folder_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let [a, b, c] = ["a", "b", "c"].map(|name| {
        let path = dir.path().join(format!("{name}.toml"));
        tracking_scenario(&path, 60);
        let text = fs::read_to_string(&path).expect("read").replace("\"rerun\"", &format!("\"{name}\""));
        crate::sweep::write(&path, &text);
        path
    });
    let out = dir.path().join("out");
    let compare = |scenarios: [&Path; 2]| {
        support::fleetsim().arg("compare").args(scenarios).arg("--out").arg(&out).output().expect("fleetsim runs")
    };
    assert_ok(&compare([&a, &b]));
    assert_eq!(names(&out), ["a", "b", "comparison.csv", "comparison.png"]);
    assert_ok(&compare([&a, &c]));
    assert_eq!(names(&out), ["a", "c", "comparison.csv", "comparison.png"]);
}
