//! The layering rule, read from the source: every `crate::` path in `src/` (in `use` lines,
//! inline paths and derive attributes alike) names a layer that the file's own layer may use;
//! and no module reaches itself again through the modules it imports.
//!
//! `domain ← db ← services ← http ← startup ← main`: a layer imports only from layers to its
//! left. `telemetry` sits before `db`, and `config` (the command line's settings, which may open
//! the database) and `cache` between `db` and `services`, so none of them imports `http` or
//! `startup`.

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

/// Every path a line names after `root::`, groups expanded: `use crate::{a::x, b::{y, z}}`
/// names `a::x`, `b::y` and `b::z`.
fn paths_named(line: &str, root: &str) -> Vec<Vec<String>> {
    let marker = format!("{root}::");
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(&marker) {
        let preceded_by_ident =
            rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + marker.len()..];
        if !preceded_by_ident {
            found.extend(tree(rest).0);
        }
    }
    found
}

/// The paths of the use tree at the start of `text` (a name, a `::` chain or a `{...}` group),
/// and how many bytes of `text` it took.
fn tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let skip = |at: usize| at + (text[at..].len() - text[at..].trim_start().len());
    let mut at = skip(0);
    if text[at..].starts_with('{') {
        at += 1;
        let mut paths = Vec::new();
        loop {
            let (more, used) = tree(&text[at..]);
            paths.extend(more);
            at = skip(at + used);
            match text[at..].chars().next() {
                Some(',') => at += 1,
                Some('}') => return (paths, at + 1),
                _ => return (paths, at),
            }
        }
    }
    if text[at..].starts_with('*') {
        return (Vec::new(), at + 1);
    }
    let name: String = text[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    at += name.len();
    if name.is_empty() {
        return (Vec::new(), at);
    }
    if text[at..].starts_with("::") {
        let (more, used) = tree(&text[at + 2..]);
        at += 2 + used;
        if !more.is_empty() {
            return (more.into_iter().map(|tail| [vec![name.clone()], tail].concat()).collect(), at);
        }
    }
    (vec![vec![name]], at)
}

/// The top-level modules a line refers to through `root::`, in order, each once in a row.
fn modules_named(line: &str, root: &str) -> Vec<String> {
    let mut named: Vec<String> = paths_named(line, root).into_iter().map(|path| path[0].clone()).collect();
    named.dedup();
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

/// A file's module path: `src/db/quote.rs` is `db::quote`, `src/db/mod.rs` is `db`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let mut path: Vec<String> = file
        .strip_prefix(src)
        .expect("a file under src")
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|last| last == "mod" || last == "lib") {
        path.pop();
    }
    path
}

/// The library's modules, and for each the modules its `crate::` and `super::` paths reach.
fn import_graph() -> std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|file| !file.ends_with("main.rs"));
    let modules: Vec<Vec<String>> = files.iter().map(|file| module_of(&src, file)).collect();
    let resolve = |path: &[String]| {
        (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|prefix| modules.contains(prefix))
    };
    let mut graph = std::collections::BTreeMap::new();
    for (file, module) in files.iter().zip(&modules) {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let mut reached = std::collections::BTreeSet::new();
        for (_, statement) in statements(&text) {
            let from_crate = paths_named(&statement, "crate");
            // `super` is the module's parent; each further `super` one more step up.
            let from_parent = paths_named(&statement, "super").into_iter().map(|mut path| {
                let mut base = module[..module.len().saturating_sub(1)].to_vec();
                while path.first().is_some_and(|p| p == "super") {
                    path.remove(0);
                    base.pop();
                }
                [base, path].concat()
            });
            for path in from_crate.into_iter().chain(from_parent) {
                let path: Vec<String> = path.into_iter().filter(|p| p != "self").collect();
                if let Some(target) = resolve(&path).filter(|target| target != module) {
                    reached.insert(target);
                }
            }
        }
        graph.insert(module.clone(), reached);
    }
    graph
}

/// A cycle through `from`, if its imports lead back to it.
fn cycle_from(
    graph: &std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>>,
    from: &Vec<String>,
) -> Option<Vec<Vec<String>>> {
    let mut stack = vec![(from.clone(), vec![from.clone()])];
    let mut seen = std::collections::BTreeSet::new();
    while let Some((module, trail)) = stack.pop() {
        for next in &graph[&module] {
            if next == from {
                return Some(trail);
            }
            if seen.insert(next.clone()) {
                stack.push((next.clone(), [trail.clone(), vec![next.clone()]].concat()));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_itself_in_a_circle() {
    let graph = import_graph();
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| cycle_from(&graph, module))
        .map(|cycle| cycle.iter().map(|m| m.join("::")).collect::<Vec<_>>().join(" -> "))
        .collect();
    assert!(graph.len() > 50, "the graph holds the library's modules ({})", graph.len());
    assert!(cycles.is_empty(), "modules that import each other in a circle:\n{}", cycles.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_inline_paths() {
    assert_eq!(modules_named("use crate::{db::claim, http::error::ApiError};", "crate"), ["db", "http"]);
    assert_eq!(modules_named("use crate::{domain::{a, b}, cache};", "crate"), ["domain", "cache"]);
    assert_eq!(modules_named("let x = crate::services::cpu::run(f);", "crate"), ["services"]);
    assert_eq!(modules_named("#[ExistingTypePath = \"crate::db::schema::X\"]", "crate"), ["db"]);
    assert_eq!(modules_named("$crate::db::Page", "crate"), ["db"]);
    assert!(modules_named("let my_crate::x = 1;", "crate").is_empty());
    let names = |line| paths_named(line, "crate").into_iter().map(|p| p.join("::")).collect::<Vec<_>>();
    assert_eq!(
        names("use crate::{a::{b, c::d}, e::*, f::{self, g}};"),
        ["a::b", "a::c::d", "e", "f::self", "f::g"]
    );
    let joined = statements("use crate::{\n    db::claim,\n    http::x,\n};\nfn f() {}\n");
    assert_eq!(joined[0], (1, "use crate::{db::claim,http::x,};".to_owned()));
}
