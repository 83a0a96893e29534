//! The shape a newcomer relies on, checked on the source itself: handlers never
//! reach the store (they extract, call a service, render), the API does not
//! depend on the pages, the domain does no I/O, and no file grows past ~400
//! lines of code.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

/// The code of a file without its unit tests.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn offenders(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = crate_dir("zapfleet").join("src").join(dir);
    sources(&root)
        .into_iter()
        .flat_map(|path| {
            let text = code(&path);
            forbidden
                .iter()
                .filter(|word| text.contains(**word))
                .map(|word| format!("{} uses {word}", path.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn handlers_go_through_the_services_never_the_store() {
    let forbidden = ["crate::store", ".store", "store()", "sqlx"];
    let mut found = offenders("api", &forbidden);
    found.extend(offenders("web", &forbidden));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_api_does_not_depend_on_the_pages() {
    let found = offenders("api", &["crate::web", "web::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_domain_does_no_io() {
    let found = offenders(
        "domain",
        &[
            "sqlx",
            "axum",
            "reqwest",
            "tokio",
            "crate::store",
            "crate::services",
            "std::fs",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn no_source_file_grows_past_about_400_lines_of_code() {
    let mut long = Vec::new();
    for name in ["zapfleet", "uazapi", "uazapi-sandbox"] {
        for path in sources(&crate_dir(name).join("src")) {
            // The message catalog is data (one line a sentence), not code.
            if path.ends_with("i18n/catalog.rs") {
                continue;
            }
            let lines = code(&path).lines().count();
            if lines > 420 {
                long.push(format!("{}: {lines}", path.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these by concern: {long:#?}");
}

#[test]
fn routes_are_added_where_the_route_table_sees_them() {
    // `Routes` records each path for the authorization matrix; a bare axum
    // `Router`, or an undocumented route on an `OpenApiRouter`, would not be.
    let mut found = Vec::new();
    for dir in ["api", "web"] {
        for path in sources(&crate_dir("zapfleet").join("src").join(dir)) {
            let text = code(&path);
            let bare = text.matches("Router::new()").count();
            let documented = text.matches("OpenApiRouter::new()").count();
            if bare > documented {
                found.push(format!("{} builds a bare Router", path.display()));
            }
            if documented > 0 && text.contains(".route(") {
                found.push(format!("{} adds an undocumented route", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
