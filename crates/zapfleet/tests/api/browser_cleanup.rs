//! Every browser a test starts ends with it, even when the test fails: no
//! chromium outlives the suite (a dozen orphaned processes per run otherwise).

use crate::webdriver::{self, Browser};
use std::time::Duration;

/// Waits (bounded) until no process runs with this browser profile.
async fn none_left(profile: &std::path::Path) -> Vec<u32> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = webdriver::processes_using(profile);
        if left.is_empty() || tokio::time::Instant::now() > deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_browser_leaves_no_chromium_behind() {
    if !webdriver::available() {
        return;
    }
    let browser = Browser::start().await;
    browser.goto("about:blank").await;
    let profile = browser.profile().to_owned();
    assert!(
        !webdriver::processes_using(&profile).is_empty(),
        "chromium runs with the profile {}",
        profile.display()
    );
    drop(browser);
    assert_eq!(
        none_left(&profile).await,
        Vec::<u32>::new(),
        "chromium left running"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_browser_test_leaves_no_chromium_behind() {
    if !webdriver::available() {
        return;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    // A "test" that panics while its browser is open.
    let failed = tokio::spawn(async move {
        let browser = Browser::start().await;
        browser.goto("about:blank").await;
        tx.send(browser.profile().to_owned()).unwrap();
        panic!("a browser test fails");
    })
    .await;
    assert!(failed.is_err(), "the inner test failed");
    let profile = rx.await.unwrap();
    assert_eq!(
        none_left(&profile).await,
        Vec::<u32>::new(),
        "chromium left running"
    );
}
