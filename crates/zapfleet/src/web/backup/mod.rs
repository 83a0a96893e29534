//! The Backup page: take a backup and download it, upload one to restore (or
//! try it dry). Both run in the background while the page shows their counts
//! (see [`jobs`](crate::services::backup::jobs)).

mod job;

use super::multipart;
use super::session::SignedIn;
use super::{PageCtx, render};
use crate::domain::Email;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::Routes;
use crate::services::backup::Scope;
use crate::services::backup::archive::passphrase as checked_passphrase;
use crate::services::backup::export::BackupOptions;
use crate::services::backup::import::RestoreOptions;
use crate::services::backup::jobs::{JobKind, Slot, TempFile};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use job::{JobView, gone, job_view};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest backup the page accepts to restore (larger ones: the command line).
const MAX_UPLOAD: usize = 2 * 1024 * 1024 * 1024;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/backup", get(backup_page))
        .route("/backup/download", post(start_backup))
        .route(
            "/backup/restore",
            post(start_restore).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/backup/jobs/{id}", get(job_status))
        .route("/backup/jobs/{id}/file", get(download))
}

/// The errors of the two forms, each under its field.
#[derive(Default)]
struct FormErrors {
    passphrase: Option<&'static str>,
    confirm: Option<&'static str>,
    restore_passphrase: Option<&'static str>,
    file: Option<&'static str>,
    busy: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "backup.html")]
struct BackupPage {
    page: PageCtx,
    errors: FormErrors,
    job: Option<JobView>,
}

#[derive(Template)]
#[template(path = "backup_job.html")]
struct JobFragment {
    page: PageCtx,
    job: JobView,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JobQuery {
    job: Option<String>,
}

fn page_with(
    state: &AppState,
    signed: &SignedIn,
    errors: FormErrors,
    job: Option<&str>,
) -> BackupPage {
    let l = signed.visitor.locale;
    let job = job.and_then(|id| {
        state
            .backup_jobs
            .with(&signed.user.user_id, id, |job| job_view(l, id, job))
    });
    BackupPage {
        page: PageCtx::new(&signed.visitor, state),
        errors,
        job,
    }
}

async fn backup_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<JobQuery>,
) -> Response {
    render(&page_with(
        &state,
        &signed,
        FormErrors::default(),
        query.job.as_deref(),
    ))
}

/// The page again with the forms' errors.
fn refused(
    state: &AppState,
    signed: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
) -> Response {
    (status, render(&page_with(state, signed, errors, None))).into_response()
}

fn started(id: &str) -> Response {
    Redirect::to(&format!("/backup?job={id}")).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BackupForm {
    _csrf: String,
    passphrase: String,
    confirm: String,
    with_messages: Option<String>,
    all: Option<String>,
}

async fn start_backup(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<BackupForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let l = signed.visitor.locale;
    let passphrase = match checked_passphrase(&form.passphrase) {
        Ok(_) if form.passphrase != form.confirm => {
            let errors = FormErrors {
                confirm: Some(l.t(Msg::PassphraseMismatch)),
                ..FormErrors::default()
            };
            return Ok(refused(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            ));
        }
        Ok(passphrase) => passphrase,
        Err(_) => {
            let errors = FormErrors {
                passphrase: Some(l.t(Msg::BackupPassphraseShort)),
                ..FormErrors::default()
            };
            return Ok(refused(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            ));
        }
    };
    let scope = if form.all.is_some() && signed.user.is_admin {
        Scope::All
    } else {
        Scope::User(Email::parse(&signed.user.email).map_err(|_| AppError::Forbidden)?)
    };
    let options = BackupOptions {
        scope,
        with_messages: form.with_messages.is_some(),
    };
    let Ok(slot) = state
        .backup_jobs
        .reserve(&signed.user.user_id, JobKind::Backup)
    else {
        return Ok(busy(&state, &signed));
    };
    let id = state
        .backup_jobs
        .start_backup(&state.platform, slot, options, passphrase);
    Ok(started(&id))
}

fn busy(state: &AppState, signed: &SignedIn) -> Response {
    let errors = FormErrors {
        busy: Some(signed.visitor.locale.t(Msg::BackupBusy)),
        ..FormErrors::default()
    };
    refused(state, signed, StatusCode::TOO_MANY_REQUESTS, errors)
}

/// The largest text field of the restore form (a passphrase, a token).
const MAX_FIELD: usize = 4 * 1024;

/// A text field of the form, refused beyond [`MAX_FIELD`] bytes.
async fn small_text(field: Field<'_>) -> Result<String, AppError> {
    multipart::text(field, MAX_FIELD).await
}

/// Streams the uploaded file into a temporary file only its owner reads;
/// `None` when it is empty.
async fn save_upload(mut field: Field<'_>) -> Result<Option<TempFile>, AppError> {
    let file = TempFile::new("upload");
    let failed = |error: std::io::Error| AppError::Internal(error.into());
    let mut out = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file.path())
        .await
        .map_err(failed)?;
    let mut size = 0;
    while let Some(chunk) = field.chunk().await.map_err(multipart::unreadable)? {
        size += chunk.len();
        out.write_all(&chunk).await.map_err(failed)?;
    }
    out.flush().await.map_err(failed)?;
    Ok((size > 0).then_some(file))
}

/// The restore form, read field by field in the form's order: the CSRF token
/// first; the file is written to disk only then, and only when the server has
/// room for the job (else nothing of it is kept).
async fn start_restore(
    State(state): State<AppState>,
    signed: SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let (mut checked, mut passphrase, mut dry_run, mut all) = (false, String::new(), false, false);
    let mut upload: Option<(Slot, Option<TempFile>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(multipart::unreadable)?
    {
        match field.name().unwrap_or_default() {
            "_csrf" => {
                signed.visitor.check_csrf(Some(&small_text(field).await?))?;
                checked = true;
            }
            "passphrase" => passphrase = small_text(field).await?,
            "dry_run" => dry_run = true,
            "all" => all = true,
            "file" if checked && upload.is_none() => {
                let Ok(slot) = state
                    .backup_jobs
                    .reserve(&signed.user.user_id, JobKind::Restore)
                else {
                    return Ok(busy(&state, &signed));
                };
                upload = Some((slot, save_upload(field).await?));
            }
            _ => {}
        }
    }
    if !checked {
        return Err(AppError::Forbidden);
    }
    let l = signed.visitor.locale;
    let Some((slot, Some(upload))) = upload else {
        let errors = FormErrors {
            file: Some(l.t(Msg::BackupFileMissing)),
            ..FormErrors::default()
        };
        return Ok(refused(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
        ));
    };
    let Ok(passphrase) = checked_passphrase(&passphrase) else {
        let errors = FormErrors {
            restore_passphrase: Some(l.t(Msg::BackupPassphraseShort)),
            ..FormErrors::default()
        };
        return Ok(refused(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
        ));
    };
    // The page restores into the signed-in account; an administrator may
    // restore every account of the file (a server rebuilt after a loss).
    let everyone = all && signed.user.is_admin;
    let options = RestoreOptions {
        scope: if everyone {
            Scope::All
        } else {
            Scope::User(Email::parse(&signed.user.email).map_err(|_| AppError::Forbidden)?)
        },
        create_users: everyone,
        dry_run,
        untrusted: true,
    };
    let id = state
        .backup_jobs
        .start_restore(&state.platform, slot, upload, passphrase, options);
    Ok(started(&id))
}

/// The job's card: for htmx (which polls it while it runs), or the page.
async fn job_status(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Ids are ours (nanoids): anything else is no job, and never goes into a header.
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    if !headers.contains_key("hx-request") {
        return Ok(started(&id));
    }
    let l = signed.visitor.locale;
    let job = state
        .backup_jobs
        .with(&signed.user.user_id, &id, |job| job_view(l, &id, job))
        .unwrap_or_else(|| gone(l, &id));
    Ok(render(&JobFragment {
        page: PageCtx::new(&signed.visitor, &state),
        job,
    }))
}

/// The backup file, streamed.
async fn download(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (file, size, name) = state
        .backup_jobs
        .open_file(&signed.user.user_id, &id)
        .ok_or(AppError::NotFound)?;
    let chunks =
        futures_util::stream::unfold(Some(tokio::fs::File::from_std(file)), |file| async move {
            let mut file = file?;
            let mut chunk = vec![0; 64 * 1024];
            match file.read(&mut chunk).await {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some((Ok(chunk), Some(file)))
                }
                Err(error) => Some((Err(error), None)),
            }
        });
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}
