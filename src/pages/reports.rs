//! "Report" at `/report`: counts of mailboxes and orders, each a chart drawn on the server as
//! SVG in a `<figure>` (readable without JavaScript) next to its table (the chart's text
//! alternative), with an "Esporta CSV" link each. A reseller sees only its own numbers.

use crate::components::loaded;
use crate::domain::offers::Offer;
use crate::domain::reports::{scale_top, Report, ReportFilter, ReportKind, ReportRow, PERIODS};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportsData {
    /// Each report with the rows the page shows (the rest summed as "Altri").
    pub reports: Vec<Report>,
    pub offers: Vec<Offer>,
    /// The provider's "Rivenditore" filter (empty for a reseller).
    pub resellers: Vec<(i64, String)>,
}

#[server(endpoint = "report")]
pub async fn load_reports(filter: ReportFilter) -> Result<ReportsData, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let q = filter.query(crate::server::today());
    let reports = store.reports(op.scope(), &q).await?;
    let reports = reports
        .into_iter()
        .map(|r| Report { kind: r.kind, rows: r.shown_rows(), counted_at: r.counted_at })
        .collect();
    let resellers = if op.scope() == crate::domain::auth::Scope::All {
        store.organisations(op.scope()).await?.into_iter().map(|o| (o.id, o.name)).collect()
    } else {
        Vec::new()
    };
    Ok(ReportsData { reports, offers: store.offers().await?, resellers })
}

/// "Esporta CSV" of one report (`?report=<code>` and the page's filter): every row.
#[cfg(feature = "ssr")]
pub async fn export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    crate::server::auth::SignedIn(op): crate::server::auth::SignedIn,
    axum::extract::Query(query): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, AppError> {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    let kind = ReportKind::from_code(&get("report"))
        .ok_or_else(|| AppError::NotFound("Report non trovato".into()))?;
    let filter = ReportFilter::from_pairs(get);
    let report = state
        .store
        .report(op.scope(), kind, &filter.query(crate::server::today()))
        .await?
        .ok_or_else(|| AppError::NotFound("Report non trovato".into()))?;
    let rows = report.rows.iter().map(|r| r.cells()).collect();
    Ok(crate::server::csv_export(&format!("report-{}.csv", kind.code()), &kind.csv_header(), rows, None))
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> ReportFilter {
    ReportFilter::from_pairs(|k| q.get(k).unwrap_or_default())
}

/// The export's address: the report's code and the page's filter.
fn export_link(kind: ReportKind, f: &ReportFilter) -> String {
    let mut link = format!("{}?report={}", crate::routes::REPORTS_CSV, kind.code());
    for (key, value) in f.pairs() {
        if !value.is_empty() {
            link.push_str(&format!("&{key}={}", crate::routes::url_encode(value)));
        }
    }
    link
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || filter_from_query(&query.read()), load_reports);
    view! {
        <Title text="Report" />
        <h1>"Report"</h1>
        {loaded(
            data,
            move |d: ReportsData| {
                let f = filter_from_query(&query.read_untracked());
                view! {
                    <Filters f=f.clone() offers=d.offers.clone() resellers=d.resellers.clone() />
                    {d
                        .reports
                        .into_iter()
                        .map(|r| view! { <ReportSection report=r filter=f.clone() /> })
                        .collect_view()}
                }
            },
        )}
    }
}

/// A GET form: the filter lives in the address (works without JavaScript, bookmarkable).
#[component]
fn Filters(f: ReportFilter, offers: Vec<Offer>, resellers: Vec<(i64, String)>) -> impl IntoView {
    let months = f.months();
    view! {
        <form method="get" action=crate::routes::REPORTS class="filters">
            <div class="field">
                <label for="f-periodo">"Periodo"</label>
                <select id="f-periodo" name="periodo">
                    {PERIODS
                        .map(|m| {
                            view! {
                                <option value=m.to_string() selected=m == months>
                                    {format!("Ultimi {m} mesi")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-cliente">"Cliente"</label>
                <input type="text" id="f-cliente" name="cliente" value=f.customer.clone() />
            </div>
            <div class="field">
                <label for="f-offerta">"Offerta"</label>
                <select id="f-offerta" name="offerta">
                    <option value="">"Tutte"</option>
                    {offers
                        .into_iter()
                        .map(|o| {
                            let selected = o.code.eq_ignore_ascii_case(f.offer.trim());
                            view! {
                                <option value=o.code.clone() selected=selected>
                                    {o.name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {(!resellers.is_empty())
                .then(|| {
                    view! {
                        <div class="field">
                            <label for="f-rivenditore">"Rivenditore"</label>
                            <select id="f-rivenditore" name="rivenditore">
                                <option value="">"Tutti"</option>
                                {resellers
                                    .into_iter()
                                    .map(|(id, name)| {
                                        let selected = f.reseller.trim() == id.to_string();
                                        view! {
                                            <option value=id.to_string() selected=selected>
                                                {name}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                    }
                })}
            <button type="submit">"Filtra"</button>
        </form>
    }
}

#[component]
fn ReportSection(report: Report, filter: ReportFilter) -> impl IntoView {
    let kind = report.kind;
    let id = format!("report-{}", kind.code());
    let heading = format!("{id}-h");
    let caption = format!("{} ({})", kind.title(), report.when(filter.months()));
    let export = export_link(kind, &filter);
    let empty = report.rows.is_empty();
    let described_by = heading.clone();
    view! {
        <section aria-labelledby=heading.clone() class="report" id=id>
            <h2 id=heading.clone()>{kind.title()}</h2>
            {if empty {
                view! { <p>"Nessun dato per questo filtro."</p> }.into_any()
            } else {
                view! {
                    <figure>
                        <Chart kind=kind rows=report.rows.clone() />
                        <figcaption>{caption.clone()}</figcaption>
                    </figure>
                    <div class="table-wrap">
                        <table>
                            <caption>{caption}</caption>
                            <thead>
                                <tr>
                                    {kind
                                        .csv_header()
                                        .into_iter()
                                        .map(|h| view! { <th scope="col">{h}</th> })
                                        .collect_view()}
                                </tr>
                            </thead>
                            <tbody>
                                {report
                                    .rows
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <tr>
                                                <th scope="row">{r.label}</th>
                                                {r
                                                    .values
                                                    .into_iter()
                                                    .map(|v| view! { <td class="number">{v}</td> })
                                                    .collect_view()}
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
            <p>
                <a href=export download="" aria-describedby=described_by>
                    "Esporta CSV"
                </a>
            </p>
        </section>
    }
}

/// Geometry of the horizontal bar charts (SVG user units).
const WIDTH: i64 = 640;
const LABEL_W: i64 = 200;
const BAR_W: i64 = 360;
const BAR_H: i64 = 12;
const GAP: i64 = 10;
const LEGEND_H: i64 = 24;

/// A horizontal bar chart: one group of bars per row, one bar per series, the value at its
/// end. Decorative for assistive technology: the table next to it holds the same numbers.
#[component]
fn Chart(kind: ReportKind, rows: Vec<ReportRow>) -> impl IntoView {
    let series = kind.series();
    let top = scale_top(rows.iter().flat_map(|r| r.values.iter().copied()).max().unwrap_or(0));
    let group_h = BAR_H * series.len() as i64 + GAP;
    let legend = if series.len() > 1 { LEGEND_H } else { 0 };
    let height = legend + group_h * rows.len() as i64 + 20;
    let view_box = format!("0 0 {WIDTH} {height}");
    let length = move |v: i64| (v.max(0) * BAR_W) / top.max(1);
    view! {
        <svg class="chart" viewBox=view_box width="100%" aria-hidden="true" focusable="false">
            {(series.len() > 1)
                .then(|| {
                    series
                        .iter()
                        .enumerate()
                        .map(|(i, name)| {
                            let x = LABEL_W + i as i64 * 130;
                            view! {
                                <rect x=x y=4 width=12 height=12 class=format!("s{i}") />
                                <text x=x + 16 y=14>
                                    {*name}
                                </text>
                            }
                        })
                        .collect_view()
                })}
            {rows
                .into_iter()
                .enumerate()
                .map(|(row, r)| {
                    let y0 = legend + row as i64 * group_h;
                    let label_y = y0 + (BAR_H * series.len() as i64) / 2 + 4;
                    view! {
                        <text x=LABEL_W - 8 y=label_y text-anchor="end">
                            {r.label.chars().take(28).collect::<String>()}
                        </text>
                        {r
                            .values
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| {
                                let y = y0 + i as i64 * BAR_H;
                                let w = length(v);
                                view! {
                                    <rect x=LABEL_W y=y width=w height=BAR_H - 2 class=format!("s{i}") />
                                    <text x=LABEL_W + w + 4 y=y + BAR_H - 3 class="value">
                                        {v}
                                    </text>
                                }
                            })
                            .collect_view()}
                    }
                })
                .collect_view()}
            <line x1=LABEL_W y1=0 x2=LABEL_W y2=height - 18 class="axis" />
            <text x=LABEL_W y=height - 4 class="value">
                "0"
            </text>
            <text x=LABEL_W + BAR_W y=height - 4 text-anchor="end" class="value">
                {top}
            </text>
        </svg>
    }
}
