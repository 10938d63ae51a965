//! The layering rule, read from the source: every `crate::` path in `src/` (in `use` lines,
//! inline paths and derive attributes alike) names a layer that the file's own layer may use.
//!
//! `domain ← db ← services ← http ← startup ← main`: a layer imports only from layers to its
//! left. `telemetry` sits before `db` and `cache` between `db` and `services`, so neither ever
//! imports `http` or `startup`. `config` is read by `startup` and `main` only.

use std::path::{Path, PathBuf};

/// The layers, leftmost first.
const LAYERS: &[&str] =
    &["domain", "telemetry", "db", "cache", "services", "http", "config", "startup", "main"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|known| *known == layer)
}

/// The layer a source file belongs to: its first path segment under `src/`.
fn layer_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file under src");
    let first = relative.components().next().expect("a path").as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level modules a line refers to through `crate::` (or `attest::` in the binary),
/// including every name of a grouped `use crate::{a::x, b::{y, z}}`.
fn modules_named(line: &str, root: &str) -> Vec<String> {
    let mut named = Vec::new();
    let marker = format!("{root}::");
    let mut rest = line;
    while let Some(at) = rest.find(&marker) {
        let preceded_by_ident =
            rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + marker.len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start_of_name = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start_of_name = true,
                    c if start_of_name && (c.is_alphanumeric() || c == '_') => {
                        let name: String =
                            group[i..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        named.push(name);
                        start_of_name = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                named.push(name);
            }
        }
    }
    named
}

/// Joins a multi-line `use crate::{...};` into one line, so its names are read together.
fn statements(text: &str) -> Vec<(usize, String)> {
    let mut joined = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        match &mut open {
            Some((_, statement)) => {
                statement.push_str(code);
                if code.contains(';') {
                    joined.push(open.take().expect("an open statement"));
                }
            }
            None if code.starts_with("use ") || code.starts_with("pub use ") => {
                if code.contains(';') {
                    joined.push((i + 1, code.to_owned()));
                } else {
                    open = Some((i + 1, code.to_owned()));
                }
            }
            None => joined.push((i + 1, code.to_owned())),
        }
    }
    joined
}

fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let layer = layer_of(&src, &file);
        if layer == "lib" {
            continue;
        }
        let Some(own) = rank(&layer) else {
            found.push(format!("{}: {layer} is not a layer of the rule", file.display()));
            continue;
        };
        // The binary reaches the library by its name.
        let root = if layer == "main" { "attest" } else { "crate" };
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for (line, statement) in statements(&text) {
            for module in modules_named(&statement, root) {
                match rank(&module) {
                    Some(theirs) if theirs <= own => {}
                    Some(_) => found.push(format!(
                        "{}:{line}: {layer} imports {module}, a layer to its right",
                        file.strip_prefix(src.parent().expect("the crate")).unwrap_or(&file).display()
                    )),
                    None => found.push(format!(
                        "{}:{line}: {module} is not a layer of the rule",
                        file.strip_prefix(src.parent().expect("the crate")).unwrap_or(&file).display()
                    )),
                }
            }
        }
    }
    found
}

#[test]
fn every_import_points_left() {
    let found = violations();
    assert!(found.is_empty(), "imports against the layering rule:\n{}", found.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_inline_paths() {
    assert_eq!(modules_named("use crate::{db::claim, http::error::ApiError};", "crate"), ["db", "http"]);
    assert_eq!(modules_named("use crate::{domain::{a, b}, cache};", "crate"), ["domain", "cache"]);
    assert_eq!(modules_named("let x = crate::services::cpu::run(f);", "crate"), ["services"]);
    assert_eq!(modules_named("#[ExistingTypePath = \"crate::db::schema::X\"]", "crate"), ["db"]);
    assert_eq!(modules_named("$crate::db::Page", "crate"), ["db"]);
    assert!(modules_named("let my_crate::x = 1;", "crate").is_empty());
    let joined = statements("use crate::{\n    db::claim,\n    http::x,\n};\nfn f() {}\n");
    assert_eq!(joined[0], (1, "use crate::{db::claim,http::x,};".to_owned()));
}
