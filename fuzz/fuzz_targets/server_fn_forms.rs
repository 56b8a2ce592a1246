//! Form posts to the server functions (no JavaScript, or the hydrated app): any body, decoded
//! exactly as leptos' server functions decode `application/x-www-form-urlencoded`, then the
//! wizard's rules on what was decoded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pec_domain::mailbox::{validate_mailboxes, Rules};
use pec_manager::pages::wizard::{ConfirmOrder, SaveMailboxes, SaveRequest, SaveRow};

/// As `server_fn::codec::PostUrl` does.
fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Option<T> {
    serde_qs::Config::new(5, false).deserialize_str::<T>(body).ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let rules = Rules {
        current_year: 2026,
        domains: vec!["legalmail.it".into()],
        offers: vec!["CONSIP".into()],
        ..Rules::default()
    };
    if let Some(form) = decode::<SaveMailboxes>(body) {
        let reports = validate_mailboxes(&form.mailboxes, &rules);
        assert_eq!(reports.len(), form.mailboxes.len());
        if let Some(row) = form.riga {
            let _ = validate_mailboxes(&[row], &rules);
        }
    }
    if let Some(row) = decode::<SaveRow>(body) {
        let _ = validate_mailboxes(&[row.mailbox], &rules);
    }
    let _ = decode::<SaveRequest>(body);
    let _ = decode::<ConfirmOrder>(body);
});
