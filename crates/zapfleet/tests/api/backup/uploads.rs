//! Generated bad files uploaded to the Backup page's restore: each is taken as
//! a job that fails (or a form error), and nothing along the way is a 500.

use super::PASSPHRASE;
use super::generated::{encrypt, plain, record_line};
use crate::helpers::{TestApp, eventually};
use crate::on_both_backends;
use crate::pages::{Browser, multipart};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::time::Duration;

on_both_backends!(generated_bad_uploads_never_get_a_500);

/// The restore form as a browser sends it.
fn form(csrf: &str, file: &[u8]) -> (String, Vec<u8>) {
    multipart(&[
        ("_csrf", None, csrf.as_bytes()),
        ("file", Some("b.age"), file),
        ("passphrase", None, PASSPHRASE.as_bytes()),
    ])
}

/// A few bad files: random bytes, a sound archive cut and flipped, and sound
/// archives of random records.
fn bad_files() -> Vec<Vec<u8>> {
    let mut runner = TestRunner::deterministic();
    let mut sample = |strategy: proptest::strategy::BoxedStrategy<Vec<u8>>| {
        strategy.new_tree(&mut runner).unwrap().current()
    };
    let mut files = vec![
        sample(proptest::collection::vec(proptest::arbitrary::any::<u8>(), 1..400).boxed()),
        [
            b"age-encryption.org/v1\n".to_vec(),
            b"-> scrypt \n".to_vec(),
        ]
        .concat(),
    ];
    let sound = encrypt(&plain(&[]));
    files.push(sound[..sound.len() / 2].to_vec());
    let mut flipped = sound.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    files.push(flipped);
    for _ in 0..4 {
        let lines = sample(
            proptest::collection::vec(record_line(), 1..8)
                .prop_map(|lines| plain(&lines))
                .boxed(),
        );
        files.push(encrypt(&lines));
    }
    files
}

async fn generated_bad_uploads_never_get_a_500(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("dona@loja.com.br").await;
    let files = bad_files();
    let mut jobs = 0;
    for (n, file) in files.iter().enumerate() {
        let (content_type, body) = form(&csrf, file);
        let response = browser
            .client
            .post(browser.url("/backup/restore"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(!status.is_server_error(), "file {n}: {status}");
        let Some(job) = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.strip_prefix("/backup?job="))
            .map(str::to_owned)
        else {
            continue;
        };
        jobs += 1;
        eventually(Duration::from_secs(20), "the restore to end", || async {
            let card = browser
                .client
                .get(browser.url(&format!("/backup/jobs/{job}")))
                .header("hx-request", "true")
                .send()
                .await
                .unwrap();
            assert!(
                !card.status().is_server_error(),
                "file {n}: {}",
                card.status()
            );
            let text = card.text().await.unwrap();
            (!text.contains("data-state=\"running\"")).then_some(())
        })
        .await;
    }
    // Each file reached the restore itself (not a refusal of the form).
    assert_eq!(jobs, files.len());
}
