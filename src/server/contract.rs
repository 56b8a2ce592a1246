//! The order's contract: "Download Contratto" (a PDF made from the order), "Upload Firma
//! Contratto" (the signed PDF or CAdES `.p7m`: its signature, signer and document verified by
//! `signatures`), which fulfils the order, and the signed file downloaded again.

use super::auth::SignedIn;
use super::AppState;
use crate::domain::contract::{contract_kind, ContractFileError};
use crate::domain::dates::italian_date;
use crate::domain::lifecycle::Date;
use crate::domain::records::OrderDetail;
use crate::error::AppError;
use crate::store::{FulfilError, SignedContract};
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Text for the PDF's standard fonts (WinAnsiEncoding): Italian letters and € are kept.
fn win_ansi(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

/// The contract of an order, as a PDF (A4, Helvetica, one line per mailbox, a signature box).
pub fn contract_pdf(order: &OrderDetail, today: Date) -> Vec<u8> {
    let mut lines: Vec<(f32, String)> = vec![
        (16.0, "Contratto di fornitura di caselle di Posta Elettronica Certificata".into()),
        (11.0, String::new()),
        (11.0, format!("Ordine: {}    Data: {}", order.number, today.italian())),
        (11.0, format!("Cliente: {} ({})", order.customer_name, order.customer_kind.label())),
        (11.0, format!("Legale rappresentante (codice fiscale): {}", order.legal_rep_cf)),
        (11.0, format!("Offerta: {}", order.offer_name)),
        (11.0, format!("Anno di scadenza delle caselle: {}", order.expiry_year)),
        (11.0, format!("Data della richiesta: {}", italian_date(&order.created_at))),
        (11.0, String::new()),
        (12.0, format!("Caselle ({})", order.mailboxes.len())),
    ];
    for m in &order.mailboxes {
        lines.push((9.0, format!("{}   {}   {}", m.userid, m.reference, m.address)));
    }
    lines.extend([
        (11.0, String::new()),
        (10.0, "Il cliente dichiara di aver letto e accettato le condizioni generali del servizio.".into()),
        (11.0, String::new()),
        (11.0, "Luogo e data ____________________".into()),
    ]);

    let (width, height, margin) = (595.0_f32, 842.0_f32, 56.0_f32);
    let mut pages: Vec<Vec<(f32, String)>> = vec![Vec::new()];
    let mut y = height - margin;
    for line in lines {
        let step = line.0 * 1.5;
        if y - step < margin + 120.0 {
            pages.push(Vec::new());
            y = height - margin;
        }
        y -= step;
        if let Some(page) = pages.last_mut() {
            page.push(line);
        }
    }

    let mut pdf = Pdf::new();
    let (catalog, tree, font) = (Ref::new(1), Ref::new(2), Ref::new(3));
    let page_refs: Vec<(Ref, Ref)> =
        (0..pages.len()).map(|i| (Ref::new(4 + 2 * i as i32), Ref::new(5 + 2 * i as i32))).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_refs.iter().map(|(p, _)| *p)).count(pages.len() as i32);
    pdf.type1_font(font).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let last = pages.len() - 1;
    for (i, (lines, (page_ref, content_ref))) in pages.iter().zip(&page_refs).enumerate() {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, width, height));
        page.parent(tree);
        page.contents(*content_ref);
        page.resources().fonts().pair(Name(b"F1"), font);
        page.finish();
        let mut content = Content::new();
        let mut y = height - margin;
        for (size, text) in lines {
            y -= size * 1.5;
            content.begin_text();
            content.set_font(Name(b"F1"), *size);
            content.next_line(margin, y);
            content.show(Str(&win_ansi(text)));
            content.end_text();
        }
        if i == last {
            // The signature box.
            content.rect(width - margin - 220.0, margin + 20.0, 220.0, 80.0);
            content.stroke();
            content.begin_text();
            content.set_font(Name(b"F1"), 9.0);
            content.next_line(width - margin - 214.0, margin + 88.0);
            content.show(Str(&win_ansi("Firma del legale rappresentante")));
            content.end_text();
        }
        content.begin_text();
        content.set_font(Name(b"F1"), 8.0);
        content.next_line(margin, margin - 20.0);
        content.show(Str(&win_ansi(&format!(
            "Ordine {} - pagina {} di {}",
            order.number,
            i + 1,
            pages.len()
        ))));
        content.end_text();
        pdf.stream(*content_ref, &content.finish());
    }
    pdf.finish()
}

/// The contract PDF of an order, noted as issued first: only a document issued here can come
/// back signed ("Download Contratto" and the API's contract).
pub async fn issue(
    store: &crate::store::Store,
    scope: crate::domain::auth::Scope,
    order: &OrderDetail,
) -> Result<Vec<u8>, crate::store::StoreError> {
    let pdf = contract_pdf(order, super::today());
    let bytes = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    store.record_issued_contract(scope, &order.number, &super::signatures::sha256_hex(&pdf), bytes).await?;
    Ok(pdf)
}

/// "Download Contratto".
pub async fn download(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let order = state.store.order(op.scope(), &number).await?.ok_or_else(|| AppError::no_order(&number))?;
    let pdf = issue(&state.store, op.scope(), &order).await?;
    let disposition = format!("attachment; filename=\"contratto-{}.pdf\"", order.number);
    let headers =
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)];
    Ok((headers, pdf).into_response())
}

/// The signed contract, as it was uploaded.
pub async fn download_signed(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let (_, kind, data) = state
        .store
        .signed_contract(op.scope(), &number)
        .await?
        .ok_or_else(|| AppError::NotFound("Contratto firmato non presente".into()))?;
    let (mime, ext) =
        if kind == "PDF" { ("application/pdf", "pdf") } else { ("application/pkcs7-mime", "p7m") };
    let disposition = format!("attachment; filename=\"contratto-firmato-{number}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], data)
        .into_response())
}

/// "Upload Firma Contratto": a multipart post with the file in `contratto`. The order page
/// then says what happened (`?esito=evaso` or `?errore=<code>`); a wrong file changes nothing.
pub async fn upload(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    use crate::routes::{order_outcome, order_refused, ContractRefusal, OrderOutcome};
    let back = |to: String| Ok(super::redirect::see_other(&to));
    let refused = |why: ContractFileError| back(order_refused(&number, ContractRefusal::File(why)));
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("contratto") {
            let name = field.file_name().unwrap_or_default().to_string();
            match field.bytes().await {
                Ok(bytes) => file = Some((name, bytes.to_vec())),
                Err(_) => return refused(ContractFileError::TooLarge),
            }
        }
    }
    let (file_name, data) = file.unwrap_or_default();
    let contract = match check_upload(&state, &op, &number, file_name, data).await? {
        Upload::Checked(contract) => contract,
        Upload::NotBooked => return back(order_refused(&number, ContractRefusal::NotBooked)),
        Upload::File(why) => return refused(why),
        Upload::Signature(why) => return back(order_refused(&number, ContractRefusal::Signature(why))),
    };
    let mail = super::mail::link_mail(&state.public_url);
    match state.store.fulfil_order(&op, &number, &contract, super::today(), &mail).await {
        Ok(_) => {
            state.mailer.wake();
            back(order_outcome(&number, OrderOutcome::Fulfilled))
        }
        Err(FulfilError::NotBooked(_)) => back(order_refused(&number, ContractRefusal::NotBooked)),
        Err(FulfilError::NotFound) => Err(AppError::no_order(&number)),
        Err(FulfilError::Store(e)) => Err(e.into()),
    }
}

/// What the check of an uploaded contract found.
pub enum Upload {
    /// Ready to fulfil the order with.
    Checked(SignedContract),
    NotBooked,
    File(ContractFileError),
    Signature(crate::domain::contract::SignatureRefusal),
}

/// Checks an uploaded contract for order `number` (the page's upload and the API's): a PDF or
/// CAdES file by its content, the order booked, and its signature by `signatures` against the
/// documents issued for the order and its legal representative. Changes nothing.
pub async fn check_upload(
    state: &AppState,
    op: &crate::domain::auth::Operator,
    number: &crate::domain::OrderNumber,
    file_name: String,
    data: Vec<u8>,
) -> Result<Upload, AppError> {
    let kind = match contract_kind(&data) {
        Ok(kind) => kind,
        Err(e) => return Ok(Upload::File(e)),
    };
    let order = state.store.order(op.scope(), number).await?.ok_or_else(|| AppError::no_order(number))?;
    if order.state != crate::domain::OrderState::Prenotato {
        return Ok(Upload::NotBooked);
    }
    let issued = state.store.issued_contracts(op.scope(), number).await?;
    // Parsing and verifying a 5 MB envelope is CPU work: off the async threads.
    let policy = state.signatures.clone();
    let legal_rep = order.legal_rep_cf.clone();
    let (data, checked) = tokio::task::spawn_blocking(move || {
        let checked = policy.check(&data, &issued, &legal_rep, chrono::Utc::now().timestamp());
        (data, checked)
    })
    .await
    .map_err(|_| AppError::Internal)?;
    Ok(match checked {
        Ok(signature) => Upload::Checked(SignedContract { file_name, kind, data, signature }),
        Err(why) => {
            tracing::info!("signed contract for order {number} refused: {}", why.code());
            Upload::Signature(why)
        }
    })
}
