//! Repository rules checked inside `cargo test`, in the style of rust-analyzer's
//! `xtask/src/tidy.rs`: module docs, who may use whom (design.md §2), writes only
//! through `report::atomic_write`, and no `should_panic` or ignored tests. Each rule
//! states its reason; a failure lists every offending file and line.
//!
//! The rules read code, not prose: comments and the contents of string and char
//! literals are blanked out first, so a doc comment may say "the model" and a test
//! may hold TOML text without tripping a rule.

use std::fs;
use std::path::{Path, PathBuf};

/// Built with `concat!` so that this file, which `tests/` rules also scan, never
/// holds the attributes it bans, even in a string.
const SHOULD_PANIC: &str = concat!("#[", "should_", "panic");
const IGNORE: &str = concat!("#[", "ig", "nore");

/// A Rust file of the repository: its path relative to the crate root (with `/`),
/// its text, and its code with comments and literal contents blanked out.
struct SourceFile {
    path: String,
    text: String,
    code: String,
}

impl SourceFile {
    /// Whether the file lives in module `name` (`src/name.rs` or under `src/name/`).
    fn in_module(&self, name: &str) -> bool {
        self.path == format!("src/{name}.rs") || self.path.starts_with(&format!("src/{name}/"))
    }
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` (relative to the crate root), sorted by path.
fn rust_files(dir: &str) -> Vec<SourceFile> {
    let root = crate_root();
    let mut paths = Vec::new();
    collect_rs(&root.join(dir), &mut paths);
    paths.sort();
    assert!(!paths.is_empty(), "tidy: no .rs files under {dir}/; is the crate root {}?", root.display());
    paths
        .into_iter()
        .map(|path| {
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("tidy: cannot read {}: {e}", path.display()));
            let relative = path.strip_prefix(&root).unwrap_or(&path);
            let path = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let code = code_only(&text);
            SourceFile { path, text, code }
        })
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("tidy: cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("tidy: cannot list {}: {e}", dir.display())).path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The code of a Rust file with comments removed and the contents of string and
/// char literals blanked (the quotes stay). Newlines are kept, so line numbers hold.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ident_before = |at: usize| at > 0 && is_ident(chars[at - 1]);
        // `r` opens a raw string only at a token start, or after a byte-string `b`.
        let raw_can_start = !ident_before(i) || (chars[i - 1] == 'b' && !ident_before(i - 1));
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && raw_can_start && matches!(next, Some('"' | '#')) {
            // A raw string r"…" or r#"…"# (also br"…": the b is kept as code).
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                // r#ident, a raw identifier.
                out.push(c);
                i += 1;
                continue;
            }
            out.push_str("r\"");
            i += 2 + hashes;
            while i < chars.len() {
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes {
                    i += 1 + hashes;
                    break;
                }
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            // An escaped char literal: '\n', '\'', '\u{1F600}'; skip the quote, the backslash and the escaped char.
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            out.push_str("' '");
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("' '");
            i += 3;
        } else {
            // Code, including a lifetime's quote.
            out.push(c);
            i += 1;
        }
    }
    out
}

/// 1-based lines of `code` where `needle` occurs as a whole token: not preceded by
/// an identifier character, nor followed by one when it ends in one.
fn token_lines(code: &str, needle: &str) -> Vec<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let needle_ends_in_ident = needle.chars().last().is_some_and(is_ident);
    let mut lines = Vec::new();
    for (start, _) in code.match_indices(needle) {
        let before = code[..start].chars().next_back();
        let after = code[start + needle.len()..].chars().next();
        let starts_clean = !before.is_some_and(is_ident);
        let ends_clean = !needle_ends_in_ident || !after.is_some_and(is_ident);
        if starts_clean && ends_clean {
            lines.push(code[..start].matches('\n').count() + 1);
        }
    }
    lines
}

/// Lines where `code` uses `std::fs`: the path itself, or `fs` inside a `use std::{…}` group.
fn std_fs_lines(code: &str) -> Vec<usize> {
    let mut lines = token_lines(code, "std::fs");
    for (start, _) in code.match_indices("std::{") {
        let group_start = start + "std::{".len();
        let mut depth = 1;
        let mut group_end = code.len();
        for (offset, c) in code[group_start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                group_end = group_start + offset;
                break;
            }
        }
        let first_line = code[..group_start].matches('\n').count();
        lines.extend(token_lines(&code[group_start..group_end], "fs").into_iter().map(|l| first_line + l));
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// Lines where `file` uses `needle` (`std::fs` also in a `use std::{…}` group).
fn uses(file: &SourceFile, needle: &str) -> Vec<usize> {
    if needle == "std::fs" {
        std_fs_lines(&file.code)
    } else {
        token_lines(&file.code, needle)
    }
}

/// Fails, naming each offending file and line, when any file uses a banned token.
#[track_caller]
fn forbid(rule: &str, reason: &str, files: &[&SourceFile], banned: &[&str]) {
    let mut offences = Vec::new();
    for file in files {
        for needle in banned {
            offences.extend(uses(file, needle).into_iter().map(|line| (file.path.as_str(), line, *needle)));
        }
    }
    offences.sort();
    let listed: Vec<String> =
        offences.iter().map(|(path, line, needle)| format!("  {path}:{line}: `{needle}`")).collect();
    assert!(listed.is_empty(), "\n{rule}\nwhy: {reason}\n\n{}\n", listed.join("\n"));
}

// Every src file starts with a `//!` line saying what the module owns.
#[test]
fn every_src_file_has_module_docs() {
    // Reason: design.md §9: the first `//!` line says what the module owns, the second what it never does.
    let missing: Vec<String> = rust_files("src")
        .iter()
        .filter(|f| !f.text.trim_start_matches('\u{feff}').trim_start().starts_with("//!"))
        .map(|f| format!("  {}", f.path))
        .collect();
    assert!(
        missing.is_empty(),
        "\nthese src files do not begin with a `//!` module doc comment:\n\n{}\n",
        missing.join("\n")
    );
}

// The engine knows nothing of the ECS model, serde, files or the command line.
#[test]
fn engine_knows_nothing_of_model_serde_files_or_clap() {
    let files = rust_files("src");
    let engine: Vec<&SourceFile> = files.iter().filter(|f| f.in_module("engine")).collect();
    assert!(!engine.is_empty(), "tidy: found no src/engine.rs or src/engine/");
    forbid(
        "src/engine* must not mention model, serde, std::fs, clap or chrono",
        "the engine is virtual time, the event queue and RNG streams, on std and rand; the model drives it \
         (design.md §2); time zones are the model's (model/time_zone.rs)",
        &engine,
        &["model", "serde", "std::fs", "clap", "chrono"],
    );
}

// The model does no I/O and has no serialisation: it emits Observations.
#[test]
fn model_does_no_io_and_no_serialisation() {
    let files = rust_files("src");
    let model: Vec<&SourceFile> = files.iter().filter(|f| f.in_module("model")).collect();
    assert!(!model.is_empty(), "tidy: found no src/model.rs or src/model/");
    forbid(
        "src/model* must not use std::fs, serde, csv, plotters, rayon, println! or eprintln!",
        "the model takes validated config and reports only Observations; callers read and write files (design.md §2)",
        &model,
        &["std::fs", "serde", "csv", "plotters", "rayon", "println!", "eprintln!"],
    );
}

// Only report and cli create or write files, and report does it through atomic_write.
#[test]
fn only_report_and_cli_write_files() {
    let files = rust_files("src");
    let others: Vec<&SourceFile> = files.iter().filter(|f| !f.in_module("report") && !f.in_module("cli")).collect();
    forbid(
        "only src/report* and src/cli* may call std::fs::write or File::create",
        "files are written to a temporary path and renamed (report::atomic_write), so a failed run never \
         leaves a half-written file that looks whole (design.md §3, §7)",
        &others,
        &["fs::write", "File::create"],
    );
}

// No test passes on a panic or is skipped.
#[test]
fn no_should_panic_or_ignored_tests() {
    // Unit tests live in src/, so both trees are scanned.
    let files: Vec<SourceFile> = rust_files("tests").into_iter().chain(rust_files("src")).collect();
    let all: Vec<&SourceFile> = files.iter().collect();
    forbid(
        "tests must not use should_panic or ignore attributes",
        "a should_panic test passes on any panic, including the wrong one (assert on a Result or an \
         error message instead); an ignored test is one nobody runs (rust-analyzer style.md)",
        &all,
        &[SHOULD_PANIC, IGNORE],
    );
}

// The rules' matcher sees code, not comments or literals, and matches whole tokens only.
#[test]
fn matcher_reads_code_not_prose() {
    let file = |text: &str| SourceFile { path: "sample.rs".into(), text: text.into(), code: code_only(text) };
    let hits = |text: &str, needle: &str| uses(&file(text), needle);
    // Code is seen, on the right line.
    assert_eq!(hits("//! docs\nuse crate::model::Task;\n", "model"), vec![2]);
    assert_eq!(hits("fn f() {\n    println!(\"x\");\n}\n", "println!"), vec![2]);
    assert_eq!(hits("use std::{fs, io};\n", "std::fs"), vec![1]);
    assert_eq!(hits("use std::{\n    io,\n    fs::File,\n};\n", "std::fs"), vec![3]);
    assert_eq!(hits("let f = std::fs::File::create(p);\n", "File::create"), vec![1]);
    assert_eq!(hits("fs::write(p, b)?;\n", "fs::write"), vec![1]);
    // Comments, strings, raw strings and char literals are not.
    assert!(hits("// the model drives it\n/* serde /* nested */ model */\n", "model").is_empty());
    assert!(hits("let s = \"model \\\" model\";\nlet r = r#\"model \"q\" \"#;\n", "model").is_empty());
    let attribute = format!("{SHOULD_PANIC}]");
    assert!(hits(&format!("let t = \"{attribute}\";\n"), SHOULD_PANIC).is_empty());
    assert_eq!(hits(&format!("#[test]\n{attribute}\nfn t() {{}}\n"), SHOULD_PANIC), vec![2]);
    assert_eq!(hits(&format!("{IGNORE} = \"slow\"]\nfn t() {{}}\n"), IGNORE), vec![1]);
    // A quote in a char literal does not open a string; a lifetime is not a char literal.
    assert_eq!(hits("let q = '\"'; let e = '\\''; model\n", "model"), vec![1]);
    assert_eq!(hits("let b = br\"\\\"; model\n", "model"), vec![1]);
    assert_eq!(hits("fn f<'a>(x: &'a str) -> &'a str { model::f(x) }\n", "model"), vec![1]);
    // Whole tokens only.
    assert!(hits("let models = 1; let model_id = 2; use csv_like;\n", "model").is_empty());
    assert!(hits("eprintln!(\"x\");\n", "println!").is_empty());
    assert!(hits("use std::fsx;\n", "std::fs").is_empty());
}
