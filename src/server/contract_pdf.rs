//! The contract of an order as a PDF ("Download Contratto", the API's contract): what the
//! customer's legal representative signs and uploads again (`usecases::contracts`).

use crate::domain::lifecycle::Date;
use crate::domain::orders::OrderDetail;
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
        (11.0, format!("Data della richiesta: {}", order.created_at.italian_date())),
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
