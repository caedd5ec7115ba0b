//! The shape of the source tree: no module imports one that imports it back, and no file
//! grows past what one reader can hold.
//!
//! References are read from the source (`crate::…` and `super::…` paths, including one level
//! of `{…}` groups). A module and its own descendants form one unit (a parent declares its
//! children and re-exports them), so only references between different branches count: each
//! is lifted to the two sibling modules under the modules' lowest common ancestor, and the
//! graph among siblings must have no cycle. Test-only code is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

/// The longest file in `src/` this project accepts, in lines.
const MAX_LINES: usize = 600;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("src/ is readable");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every library module with the file that holds it (the binary's `main.rs` and test-only
/// files are left out).
fn modules() -> BTreeMap<ModPath, PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src/");
        if relative == Path::new("main.rs") {
            continue;
        }
        let mut parts: ModPath = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        if matches!(parts.last().map(String::as_str), Some("tests" | "fixtures")) {
            continue;
        }
        modules.insert(parts, file);
    }
    modules
}

/// The file's code without its trailing test module and comment lines.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file is readable");
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// Reads `a::b::c` from the start of `text`: the lower-case segments (modules, functions),
/// and the rest of the text after them.
fn segments(text: &str) -> (Vec<String>, &str) {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(after) = rest.strip_prefix("::") {
        let len = after.chars().take_while(|c| is_ident_char(*c)).count();
        if len == 0 {
            break;
        }
        out.push(after[..len].to_string());
        rest = &after[len..];
    }
    (out, rest)
}

/// The items of a `{…}` group at the start of `text`, split at its top-level commas.
fn group_items(text: &str) -> Vec<&str> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut items = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                if depth == 0 {
                    items.push(&text[start..i]);
                    return items;
                }
                depth -= 1;
            }
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// The module paths `code`, which lives in module `here`, refers to.
fn references(code: &str, here: &ModPath) -> Vec<ModPath> {
    let mut found = Vec::new();
    for keyword in ["crate", "super"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(keyword) {
            let start = from + at;
            from = start + keyword.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| is_ident_char(c) || c == ':') {
                continue;
            }
            let (mut path, rest) = segments(&code[from..]);
            let mut base: ModPath = if keyword == "crate" {
                Vec::new()
            } else {
                here[..here.len().saturating_sub(1)].to_vec()
            };
            while path.first().map(String::as_str) == Some("super") {
                path.remove(0);
                base.pop();
            }
            base.extend(path);
            if let Some(group) = rest.strip_prefix("::{") {
                for item in group_items(group) {
                    let (inner, _) = segments(&format!("::{}", item.trim()));
                    let mut target = base.clone();
                    target.extend(inner);
                    found.push(target);
                }
            }
            found.push(base);
        }
    }
    found
}

/// The longest prefix of `path` that is a module.
fn module_of(path: &[String], modules: &BTreeMap<ModPath, PathBuf>) -> ModPath {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains_key(p))
        .unwrap_or_default()
}

/// Edges between sibling modules, each with one reference that makes it.
fn sibling_edges() -> BTreeMap<(ModPath, ModPath), (ModPath, ModPath)> {
    let modules = modules();
    let mut edges = BTreeMap::new();
    for (here, file) in &modules {
        for path in references(&code_of(file), here) {
            let target = module_of(&path, &modules);
            if target.starts_with(here) || here.starts_with(&target) {
                continue;
            }
            let common = here.iter().zip(&target).take_while(|(a, b)| a == b).count();
            let from = here[..=common].to_vec();
            let to = target[..=common].to_vec();
            edges
                .entry((from, to))
                .or_insert_with(|| (here.clone(), target.clone()));
        }
    }
    edges
}

fn name(path: &ModPath) -> String {
    format!("crate::{}", path.join("::"))
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    start: &ModPath,
    graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
) -> Option<Vec<ModPath>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((node, trail)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                return Some(trail);
            }
            if seen.insert(next.clone()) {
                let mut longer = trail.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = sibling_edges();
    assert!(
        edges.len() > 100,
        "the scan found the references ({})",
        edges.len()
    );
    let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from.clone()).or_default().insert(to.clone());
    }
    let mut cycles = Vec::new();
    for start in graph.keys() {
        if let Some(cycle) = cycle_from(start, &graph) {
            let mut lines = Vec::new();
            for (i, from) in cycle.iter().enumerate() {
                let to = &cycle[(i + 1) % cycle.len()];
                let (a, b) = &edges[&(from.clone(), to.clone())];
                lines.push(format!(
                    "  {} → {}  ({} uses {})",
                    name(from),
                    name(to),
                    name(a),
                    name(b)
                ));
            }
            cycles.push(lines.join("\n"));
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n\n"));
}

#[test]
fn the_scan_sees_known_references() {
    let edges = sibling_edges();
    let path = |p: &str| -> ModPath { p.split("::").map(str::to_string).collect() };
    for (from, to) in [
        ("ui", "app"),
        ("app", "domain"),
        ("commands", "services"),
        ("app::update", "app::layout"),
    ] {
        assert!(
            edges.contains_key(&(path(from), path(to))),
            "{from} → {to} was not seen"
        );
    }
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let mut long = Vec::new();
    for file in modules().values() {
        let lines = std::fs::read_to_string(file)
            .expect("readable")
            .lines()
            .count();
        if lines > MAX_LINES {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}
