//! What "Gestione scadenze caselle" and "Gestione scadenze prodotti" say after an action, in
//! one place: the outcome (`esito=` in the page's address) and the refusal (`rifiuto=`), each an
//! enum that writes and reads its own query and carries its Italian text.

use crate::ids::OrderNumber;
use crate::renewals::RENEW_MAX;

/// What is being renewed: the two expiry pages differ only in this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renewables {
    Mailboxes,
    Products,
}

impl Renewables {
    /// The plural in Italian, which also names the count in the address.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Mailboxes => "caselle",
            Self::Products => "prodotti",
        }
    }

    fn renewed(self) -> &'static str {
        match self {
            Self::Mailboxes => "rinnovate",
            Self::Products => "rinnovati",
        }
    }
}

/// What an action on the expiry page did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenewalNotice {
    /// `count` items renewed, in these renewal orders.
    Renewed { what: Renewables, count: usize, orders: Vec<OrderNumber> },
    /// Tacit renewal switched on (or off) for `count` mailboxes.
    Tacit { on: bool, count: usize },
}

/// The values of "Rinnovo tacito"'s buttons, which the notice repeats.
pub const TACIT_ON: &str = "tacito-si";
pub const TACIT_OFF: &str = "tacito-no";

impl RenewalNotice {
    /// The notice as the query of the page's address.
    pub fn query(&self) -> String {
        match self {
            Self::Renewed { what, count, orders } => {
                let orders: Vec<&str> = orders.iter().map(OrderNumber::as_str).collect();
                format!("esito={}&{}={count}&ordini={}", what.renewed(), what.plural(), orders.join(","))
            }
            Self::Tacit { on, count } => {
                format!("esito={}&caselle={count}", if *on { TACIT_ON } else { TACIT_OFF })
            }
        }
    }

    /// The notice named by a page's address (`get` reads one of its parameters), if any. Only
    /// valid order numbers are repeated from the address.
    pub fn from_query(what: Renewables, get: impl Fn(&str) -> String) -> Option<Self> {
        let count = |key: &str| get(key).parse().unwrap_or(0);
        let outcome = get("esito");
        if outcome == what.renewed() {
            let orders = get("ordini").split(',').filter_map(OrderNumber::parse).take(RENEW_MAX).collect();
            return Some(Self::Renewed { what, count: count(what.plural()), orders });
        }
        match (what, outcome.as_str()) {
            (Renewables::Mailboxes, TACIT_ON) => Some(Self::Tacit { on: true, count: count("caselle") }),
            (Renewables::Mailboxes, TACIT_OFF) => Some(Self::Tacit { on: false, count: count("caselle") }),
            _ => None,
        }
    }

    /// The notice in Italian.
    pub fn text(&self) -> String {
        match self {
            Self::Renewed { what, count, .. } => {
                format!("Rinnovo eseguito: {count} {} {}.", what.plural(), what.renewed())
            }
            Self::Tacit { on, count } => {
                format!(
                    "Rinnovo tacito {} per {count} caselle.",
                    if *on { "attivato" } else { "disattivato" }
                )
            }
        }
    }
}

/// Why an action on the expiry page did nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenewalRefusal {
    /// "Tutte" with a filter that cannot be used.
    BadFilter,
    /// More than one renewal may hold.
    TooMany,
    NoneChosen,
    /// Some chosen are not (or no longer) there.
    Gone,
    /// Another request renewed some of them a moment ago.
    Conflict,
    /// This many cannot be renewed (each says why, beside the notice).
    Refused(usize),
}

impl RenewalRefusal {
    /// The refusal as the query of the page's address.
    pub fn query(self, what: Renewables) -> String {
        match self {
            Self::BadFilter => "rifiuto=filtro".into(),
            Self::TooMany => "rifiuto=troppe".into(),
            Self::NoneChosen => "rifiuto=nessuna".into(),
            Self::Gone => "rifiuto=non-trovate".into(),
            Self::Conflict => "rifiuto=conflitto".into(),
            Self::Refused(n) => format!("rifiuto={}&n={n}", what.plural()),
        }
    }

    /// The refusal named by a page's address, if any.
    pub fn from_query(what: Renewables, get: impl Fn(&str) -> String) -> Option<Self> {
        Some(match get("rifiuto").as_str() {
            "filtro" => Self::BadFilter,
            "troppe" => Self::TooMany,
            "nessuna" => Self::NoneChosen,
            "non-trovate" => Self::Gone,
            "conflitto" => Self::Conflict,
            code if code == what.plural() => Self::Refused(get("n").parse().unwrap_or(0)),
            _ => return None,
        })
    }

    /// The refusal in Italian.
    pub fn text(self, what: Renewables) -> String {
        let mailboxes = what == Renewables::Mailboxes;
        match self {
            Self::BadFilter => "Il filtro non è valido: correggere le date".into(),
            Self::TooMany if mailboxes => format!("Troppe caselle in una volta: al massimo {RENEW_MAX}"),
            Self::TooMany => format!("Troppi prodotti in una volta: al massimo {RENEW_MAX}"),
            Self::NoneChosen if mailboxes => "Nessuna casella selezionata".into(),
            Self::NoneChosen => "Nessun prodotto selezionato".into(),
            Self::Gone if mailboxes => {
                "Alcune caselle selezionate non esistono più: nulla è stato rinnovato".into()
            }
            Self::Gone => "Alcuni prodotti selezionati non esistono più: nulla è stato rinnovato".into(),
            Self::Conflict if mailboxes => {
                "Alcune caselle sono state appena rinnovate da un'altra richiesta: \
                                            nulla è stato rinnovato. Ricaricare la pagina"
                    .into()
            }
            Self::Conflict => "Alcuni prodotti sono stati appena rinnovati da un'altra richiesta: nulla è \
                               stato rinnovato. Ricaricare la pagina"
                .into(),
            Self::Refused(n) => {
                format!("Rinnovo rifiutato per {n} {}: nulla è stato rinnovato", what.plural())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn read(query: &str) -> impl Fn(&str) -> String {
        let map: BTreeMap<String, String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn notices_and_refusals_read_back_what_they_wrote() {
        let orders = vec![OrderNumber::parse("2026000001").unwrap_or_else(|| unreachable!())];
        for what in [Renewables::Mailboxes, Renewables::Products] {
            let notice = RenewalNotice::Renewed { what, count: 3, orders: orders.clone() };
            assert_eq!(RenewalNotice::from_query(what, read(&notice.query())), Some(notice));
            for refusal in [
                RenewalRefusal::BadFilter,
                RenewalRefusal::TooMany,
                RenewalRefusal::NoneChosen,
                RenewalRefusal::Gone,
                RenewalRefusal::Conflict,
                RenewalRefusal::Refused(7),
            ] {
                assert_eq!(RenewalRefusal::from_query(what, read(&refusal.query(what))), Some(refusal));
            }
        }
        let tacit = RenewalNotice::Tacit { on: false, count: 2 };
        assert_eq!(RenewalNotice::from_query(Renewables::Mailboxes, read(&tacit.query())), Some(tacit));
        // A product page never shows the mailboxes' tacit renewal, nor the other page's refusal.
        assert_eq!(RenewalNotice::from_query(Renewables::Products, read("esito=tacito-si&caselle=2")), None);
        assert_eq!(RenewalRefusal::from_query(Renewables::Products, read("rifiuto=caselle&n=2")), None);
    }

    #[test]
    fn only_order_numbers_are_repeated_from_the_address() {
        let notice = RenewalNotice::from_query(
            Renewables::Mailboxes,
            read("esito=rinnovate&caselle=2&ordini=2026000001,<script>,2026000002"),
        );
        let Some(RenewalNotice::Renewed { orders, .. }) = notice else { unreachable!("{notice:?}") };
        assert_eq!(orders.len(), 2);
    }

    #[test]
    fn the_texts_are_those_the_pages_showed() {
        let m = Renewables::Mailboxes;
        let p = Renewables::Products;
        let renewed = RenewalNotice::Renewed { what: m, count: 2, orders: Vec::new() };
        assert_eq!(renewed.text(), "Rinnovo eseguito: 2 caselle rinnovate.");
        let renewed = RenewalNotice::Renewed { what: p, count: 1, orders: Vec::new() };
        assert_eq!(renewed.text(), "Rinnovo eseguito: 1 prodotti rinnovati.");
        assert_eq!(
            RenewalNotice::Tacit { on: true, count: 2 }.text(),
            "Rinnovo tacito attivato per 2 caselle."
        );
        assert_eq!(RenewalRefusal::NoneChosen.text(m), "Nessuna casella selezionata");
        assert_eq!(
            RenewalRefusal::Refused(3).text(p),
            "Rinnovo rifiutato per 3 prodotti: nulla è stato rinnovato"
        );
    }
}
