//! The OpenAPI document as a readable page (`/api/v1/docs`): plain HTML from the same
//! document `/api/v1/openapi.json` serves, so that it reads without JavaScript.

use utoipa::openapi::path::Operation;
use utoipa::openapi::OpenApi;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn operations(item: &utoipa::openapi::PathItem) -> Vec<(&'static str, &Operation)> {
    [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
    .collect()
}

/// (method, path) of every operation of the document, e.g. `("POST", "/orders")`.
pub fn endpoints(doc: &OpenApi) -> Vec<(String, String)> {
    doc.paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            operations(item).into_iter().map(move |(m, _)| (m.to_string(), path.clone()))
        })
        .collect()
}

pub fn page(doc: &OpenApi) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>API v1 - pec-manager</title></head><body><main id=\"main\">",
    );
    html.push_str("<h1>API v1</h1>");
    if let Some(d) = &doc.info.description {
        html.push_str(&format!("<p>{}</p>", escape(d)));
    }
    html.push_str("<p>Documento OpenAPI 3.1: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. Base: <code>/api/v1</code>.</p>");
    for (path, item) in &doc.paths.paths {
        for (method, op) in operations(item) {
            let title = op.summary.clone().or_else(|| op.description.clone()).unwrap_or_default();
            html.push_str(&format!(
                "<section><h2><code>{method} /api/v1{}</code></h2><p>{}</p>",
                escape(path),
                escape(&title)
            ));
            if let Some(params) = &op.parameters {
                html.push_str("<p>Parametri:</p><ul>");
                for p in params.iter().filter_map(|p| match p {
                    utoipa::openapi::RefOr::T(p) => Some(p),
                    utoipa::openapi::RefOr::Ref(_) => None,
                }) {
                    html.push_str(&format!(
                        "<li><code>{}</code>{}</li>",
                        escape(&p.name),
                        p.description.as_deref().map(|d| format!(": {}", escape(d))).unwrap_or_default()
                    ));
                }
                html.push_str("</ul>");
            }
            html.push_str("<p>Risposte:</p><ul>");
            for (status, response) in &op.responses.responses {
                let text = match response {
                    utoipa::openapi::RefOr::T(r) => r.description.clone(),
                    utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
                };
                html.push_str(&format!("<li><code>{}</code> {}</li>", escape(status), escape(&text)));
            }
            html.push_str("</ul></section>");
        }
    }
    html.push_str("</main></body></html>");
    html
}
