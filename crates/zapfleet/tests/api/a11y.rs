//! Accessibility checks in the browser: axe-core (vendored, see
//! tests/vendor/axe-core/README.md) runs on the page as it is shown, and any
//! violation fails the test with its rule, its help text and the elements.

use crate::webdriver::Browser;
use serde_json::Value;

const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// Runs axe-core on the current page (WCAG 2.x A/AA and best practices) and
/// returns what it finds, one readable line per rule broken.
pub async fn violations(browser: &Browser, screen: &str) -> Vec<String> {
    let loaded = browser
        .script(&format!(
            "if (!window.axe) {{ {AXE}\n; }} return typeof window.axe === 'object';"
        ))
        .await;
    assert_eq!(loaded, Value::Bool(true), "axe-core loads on {screen}");
    let found = browser
        .script_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] })\
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,\
                 nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary) }))))\
               .catch(e => done([{ id: 'axe-error', help: String(e), nodes: [] }]));",
        )
        .await;
    assert!(found.is_array(), "axe-core ran on {screen}: {found}");
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            format!(
                "{screen}: {} ({}) {}",
                v["id"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                serde_json::to_string_pretty(&v["nodes"]).unwrap_or_default()
            )
        })
        .collect()
}
