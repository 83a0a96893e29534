//! Reading and driving the pages over HTTP as a browser would: a client that
//! keeps cookies, forms posted with their CSRF token, and HTML read with CSS
//! selectors (not substring searches).

use crate::helpers::TestApp;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use scraper::{Html, Selector};

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Browser {
    pub client: reqwest::Client,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A page, read.
    pub async fn page(&self, path: &str) -> Page {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        Page::parse(&response.text().await.unwrap())
    }

    /// A GET as it answers.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A form POST.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Signs up through the form; returns the CSRF token of the new session
    /// (read from the home page, since it changes at sign-in).
    pub async fn sign_up(&self, email: &str) -> String {
        let csrf = self.page("/signup").await.csrf();
        let done = self
            .post(
                "/signup",
                &[
                    ("_csrf", csrf.as_str()),
                    ("email", email),
                    ("password", "uma senha forte"),
                ],
            )
            .await;
        assert_eq!(
            done.status(),
            StatusCode::SEE_OTHER,
            "{}",
            done.text().await.unwrap_or_default()
        );
        self.page("/").await.csrf()
    }
}

/// A `multipart/form-data` body as a browser writes it: each field is a name,
/// a file name for file fields, and the value. Returns the content type and body.
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----zapfleet-test-boundary";
    let mut body = Vec::new();
    for (name, file_name, value) in fields {
        let file_name = file_name.map_or(String::new(), |f| format!("; filename=\"{f}\""));
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file_name}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A parsed HTML page or fragment.
pub struct Page {
    pub html: Html,
}

impl Page {
    pub fn parse(text: &str) -> Self {
        Self {
            html: Html::parse_document(text),
        }
    }

    fn selector(css: &str) -> Selector {
        Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"))
    }

    /// How many elements match.
    pub fn count(&self, css: &str) -> usize {
        self.html.select(&Self::selector(css)).count()
    }

    /// The text of every element that matches, trimmed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.html
            .select(&Self::selector(css))
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    /// The text of the one element that matches.
    pub fn text(&self, css: &str) -> String {
        let texts = self.texts(css);
        assert_eq!(texts.len(), 1, "one element for {css}: {texts:?}");
        texts[0].clone()
    }

    /// An attribute of every element that matches.
    pub fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        self.html
            .select(&Self::selector(css))
            .filter_map(|e| e.value().attr(name).map(str::to_owned))
            .collect()
    }

    /// An attribute of the first element that matches.
    pub fn attr(&self, css: &str, name: &str) -> String {
        self.attrs(css, name)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {css} with {name}"))
    }

    /// The form's CSRF token.
    pub fn csrf(&self) -> String {
        self.attr("input[name=_csrf]", "value")
    }
}
