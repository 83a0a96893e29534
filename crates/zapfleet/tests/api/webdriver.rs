//! A small W3C WebDriver client over reqwest, driving Debian's headless chromium
//! through chromedriver. Written here rather than pulled in as a crate: the tests
//! need a dozen commands, and no download of a browser or driver ever happens.

use crate::helpers::eventually;
use reqwest::Client;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The browser and driver binaries (overridable for other systems).
fn binaries() -> (String, String) {
    (
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
    )
}

/// Where the browser tests save their screenshots (one folder for all).
pub fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether a browser test can run here. Locally a missing browser skips loudly;
/// with `CI=true` it is a failure.
pub fn available() -> bool {
    let (browser, driver) = binaries();
    let found = std::path::Path::new(&browser).exists() && std::path::Path::new(&driver).exists();
    if !found {
        let message = format!(
            "chromium or chromedriver missing ({browser}, {driver}): apt-get install chromium chromium-driver"
        );
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{message} (CI=true: browser tests may not be skipped)"
        );
        eprintln!("\n*** SKIPPED (browser) *** {message}\n");
    }
    found
}

/// A chromedriver process and one browser session, both ended on drop.
pub struct Browser {
    base: String,
    session: String,
    http: Client,
    processes: Processes,
}

/// The driver process and the browser profile its chromium runs with: held
/// from the moment the driver starts, so a failure while the session opens
/// ends them too.
struct Processes {
    driver: Child,
    profile: std::path::PathBuf,
}

/// Sends SIGKILL to these processes (or, with a leading `-`, process groups).
fn kill_all(targets: &[String]) {
    if targets.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .args(targets)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Processes {
    /// Ends the driver and every browser process it started, also when a test
    /// panics: killing chromedriver alone orphans chromium. The driver leads its
    /// own process group (chromium inherits it), and anything still running with
    /// this browser's profile is killed by pid.
    fn drop(&mut self) {
        kill_all(&[format!("-{}", self.driver.id())]);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        for _ in 0..50 {
            let left: Vec<String> = processes_using(&self.profile)
                .iter()
                .map(u32::to_string)
                .collect();
            if left.is_empty() {
                break;
            }
            kill_all(&left);
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The processes whose command line names this browser profile (chromium
/// passes `--user-data-dir` to each of its helpers), read from `/proc`.
pub fn processes_using(profile: &std::path::Path) -> Vec<u32> {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                cmdline
                    .split(|b| *b == 0)
                    .any(|arg| arg == needle.as_bytes())
            })
        })
        .collect()
}

/// An element handle.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free port and opens a headless chromium session.
    pub async fn start() -> Self {
        let (browser, driver) = binaries();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let profile =
            std::env::temp_dir().join(format!("zapfleet-chromium-{}", nanoid::nanoid!(8)));
        // Its own process group, so that Drop can end it with its browsers.
        let child = Command::new(driver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let processes = Processes {
            driver: child,
            profile: profile.clone(),
        };
        let base = format!("http://127.0.0.1:{port}");
        let http = Client::new();
        eventually(Duration::from_secs(20), "chromedriver started", || async {
            http.get(format!("{base}/status"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
                .then_some(())
        })
        .await;
        // Flags that keep chromium from reaching out to the network at start.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--disable-default-apps",
            "--lang=pt-BR",
        ];
        let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": browser, "args": args, "prefs": {"intl.accept_languages": "pt-BR"}}}}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Self {
            base,
            session,
            http,
            processes,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    /// The browser's own profile folder (it names the browser's processes).
    pub fn profile(&self) -> &std::path::Path {
        &self.processes.profile
    }

    /// Opens a URL.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching a CSS selector, if any.
    pub async fn find_now(&self, css: &str) -> Option<Element> {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        found
            .get(ELEMENT)
            .and_then(Value::as_str)
            .map(|id| Element(id.to_owned()))
    }

    /// Waits (up to 10 s) for an element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Element {
        self.wait_for(&format!("element {css}"), || async {
            self.find_now(css).await
        })
        .await
    }

    /// Waits (up to 10 s) until `check` gives `Some`.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, check: F) -> T
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        eventually(Duration::from_secs(10), what, check).await
    }

    /// Clicks an element, as a person would: a hidden or covered element
    /// cannot be clicked, and the test fails saying so.
    pub async fn click(&self, element: &Element) {
        let answer = self
            .post(&format!("/element/{}/click", element.0), json!({}))
            .await;
        assert!(answer.get("error").is_none(), "click refused: {answer}");
    }

    /// Clicks an element; `false` if the browser refused (gone after a live
    /// swap, hidden, covered), for callers that look again and retry.
    pub async fn try_click(&self, element: &Element) -> bool {
        let answer = self
            .post(&format!("/element/{}/click", element.0), json!({}))
            .await;
        answer.get("error").is_none()
    }

    /// Whether an element is shown (WebDriver's "is displayed").
    pub async fn displayed(&self, element: &Element) -> bool {
        self.command(
            reqwest::Method::GET,
            &format!("/element/{}/displayed", element.0),
            None,
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    /// Types into an element (after clearing it).
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.post(&format!("/element/{}/clear", element.0), json!({}))
            .await;
        self.post(
            &format!("/element/{}/value", element.0),
            json!({"text": text}),
        )
        .await;
    }

    /// Chooses a file in an `<input type=file>`.
    pub async fn choose_file(&self, element: &Element, path: &std::path::Path) {
        self.post(
            &format!("/element/{}/value", element.0),
            json!({"text": path.display().to_string()}),
        )
        .await;
    }

    /// Resizes the window (e.g. to a phone's 390×844).
    pub async fn resize(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await;
    }

    /// An element's visible text.
    pub async fn text(&self, element: &Element) -> String {
        self.command(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.0),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    /// Runs asynchronous JavaScript in the page: the script calls its last
    /// argument with the result (WebDriver's "execute async script").
    pub async fn script_async(&self, script: &str) -> Value {
        self.post("/execute/async", json!({"script": script, "args": []}))
            .await
    }

    /// Accepts the open `confirm()` dialog.
    pub async fn accept_alert(&self) {
        self.wait_for("a confirm dialog", || async {
            let answer = self.post("/alert/accept", json!({})).await;
            answer.is_null().then_some(())
        })
        .await;
    }

    /// Opens a new tab and returns its handle.
    pub async fn new_tab(&self) -> String {
        self.post("/window/new", json!({"type": "tab"})).await["handle"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The current tab's handle.
    pub async fn tab(&self) -> String {
        self.command(reqwest::Method::GET, "/window", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Switches to a tab.
    pub async fn switch_to(&self, handle: &str) {
        self.post("/window", json!({"handle": handle})).await;
    }

    /// Saves a PNG screenshot of the current tab.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let data = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}
