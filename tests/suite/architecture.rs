//! The layering rules of the README's architecture section, checked on the sources: imports
//! only run down (ground floor < `codex` < `bridge` < the `mcp` and `cli` doors), the doors
//! do not import each other's internals, and no two modules (nor two folders) import each
//! other in a circle.
//!
//! Every `crate::`, `super::` and `self::` path of every file under `src/` (in `use`
//! declarations and in code) is resolved to the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

type Module = Vec<String>;

/// Every module file: its path in the crate (`codex::turn`) and its parsed source.
fn modules() -> BTreeMap<Module, syn::File> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let mut parts: Vec<String> = relative
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        let last = parts.pop().expect("file name");
        match last.as_str() {
            "main.rs" => continue, // the binary: it may use every floor
            "lib.rs" | "mod.rs" => {}
            other => parts.push(other.trim_end_matches(".rs").to_string()),
        }
        let text = std::fs::read_to_string(&file).expect("read source");
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        modules.insert(parts, parsed);
    }
    modules
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// The paths a file names, as written (`["crate", "codex", "turn", "TurnHandle"]`).
#[derive(Default)]
struct Paths(Vec<Vec<String>>);

impl Paths {
    fn tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let mut full = prefix.clone();
                full.push(name.ident.to_string());
                self.0.push(full);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                full.push(rename.ident.to_string());
                self.0.push(full);
            }
            syn::UseTree::Glob(_) => self.0.push(prefix.clone()),
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.tree(prefix, item);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.0.push(
            path.segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect(),
        );
        syn::visit::visit_path(self, path);
    }
}

/// Resolve a path written in `from` to the module it reaches (the longest module prefix),
/// or `None` for paths outside the crate (`std::`, `serde::`, a local name...).
fn resolve(from: &Module, path: &[String], known: &BTreeSet<Module>) -> Option<Module> {
    let mut absolute: Module = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => {
            let mut base = from.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            return longest_module(base, known);
        }
        _ => return None,
    };
    absolute.extend(path[1..].iter().cloned());
    longest_module(absolute, known)
}

fn longest_module(mut path: Module, known: &BTreeSet<Module>) -> Option<Module> {
    loop {
        if known.contains(&path) {
            return Some(path);
        }
        path.pop()?;
    }
}

/// Module -> the modules it imports (ancestors and descendants left out: a folder's
/// `mod.rs` and its files are one unit).
fn imports() -> BTreeMap<Module, BTreeSet<Module>> {
    let modules = modules();
    let known: BTreeSet<Module> = modules.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let mut paths = Paths::default();
        paths.visit_file(file);
        let targets = paths
            .0
            .iter()
            .filter_map(|path| resolve(module, path, &known))
            .filter(|target| !target.starts_with(module) && !module.starts_with(target))
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

fn floor(module: &Module) -> &str {
    match module.first().map(String::as_str) {
        Some("codex") => "codex",
        Some("bridge") => "bridge",
        Some("mcp") => "mcp",
        Some("cli") => "cli",
        _ => "ground",
    }
}

#[test]
fn imports_only_run_down() {
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("ground", &["ground"][..]),
        ("codex", &["codex", "ground"][..]),
        ("bridge", &["bridge", "codex", "ground"][..]),
        ("mcp", &["mcp", "bridge", "ground"][..]),
        ("cli", &["cli", "bridge", "codex", "ground"][..]),
    ]);
    let mut wrong = Vec::new();
    for (module, targets) in imports() {
        for target in targets {
            let (from, to) = (floor(&module), floor(&target));
            // The terminal door may use what the MCP door publishes at its root (the tool
            // list, for doctor), never its internals.
            let door_api = from == "cli" && target == ["mcp"];
            if !allowed[from].contains(&to) && !door_api {
                wrong.push(format!("{} -> {}", module.join("::"), target.join("::")));
            }
        }
    }
    assert!(wrong.is_empty(), "imports running up or across: {wrong:#?}");
}

#[test]
fn no_module_or_folder_imports_in_a_circle() {
    let graph = imports();
    assert_acyclic(&graph, "module");
    // The same graph with each folder two levels down (`bridge::ops`, `codex::protocol`)
    // as one node.
    let mut folders: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, targets) in &graph {
        let from: Module = module.iter().take(2).cloned().collect();
        let entry = folders.entry(from.clone()).or_default();
        for target in targets {
            let to: Module = target.iter().take(2).cloned().collect();
            if to != from && !to.starts_with(&from) && !from.starts_with(&to) {
                entry.insert(to);
            }
        }
    }
    assert_acyclic(&folders, "folder");
}

fn assert_acyclic(graph: &BTreeMap<Module, BTreeSet<Module>>, what: &str) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        marks: &mut BTreeMap<Module, Mark>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.clone());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            panic!("{what} imports run in a circle: {}", names.join(" -> "));
        }
    }
}

#[test]
fn the_rules_catch_a_wrong_import() {
    // The checker itself: a path from codex up to bridge resolves and is a wrong floor.
    let known: BTreeSet<Module> = [vec!["codex".to_string()], vec!["bridge".to_string()]]
        .into_iter()
        .collect();
    let from = vec!["codex".to_string()];
    let path: Vec<String> = ["crate", "bridge", "Thing"].map(String::from).to_vec();
    let target = resolve(&from, &path, &known).expect("resolves");
    assert_eq!(floor(&target), "bridge");
    assert_eq!(floor(&from), "codex");
}
