//! "Clienti": the customers an organisation serves, with the same field rules as step 1 of the
//! wizard (which creates a customer with its first order and offers the known ones).

use crate::fields::{self, FieldError};
use crate::request::{CustomerKind, RequestField};
use serde::{Deserialize, Serialize};

/// "Nuovo cliente" (and its edit form) exactly as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerForm {
    pub name: String,
    pub kind: String,
    pub legal_rep_cf: String,
    pub contact_email: String,
}

/// A checked customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub name: String,
    pub kind: CustomerKind,
    pub legal_rep_cf: String,
    pub contact_email: String,
}

/// Refusals only the store can tell; their codes travel in the page's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CustomerRefusal {
    #[error("Esiste già un cliente con questa denominazione")]
    Duplicate,
    #[error("Cliente non trovato")]
    NotFound,
}

impl crate::forms::Coded for CustomerRefusal {
    const ALL: &'static [Self] = &[Self::Duplicate, Self::NotFound];

    fn code(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicato",
            Self::NotFound => "non-trovato",
        }
    }
}

/// The fields of the form, in its order (step 1's fields, whose labels they share).
pub const FIELDS: [RequestField; 4] = [
    RequestField::CustomerName,
    RequestField::CustomerKind,
    RequestField::LegalRep,
    RequestField::ContactEmail,
];

/// The error of one field as typed (checked on every keystroke and on the server).
pub fn field_error(field: RequestField, value: &str) -> Option<FieldError> {
    match field {
        RequestField::CustomerName => fields::free_text(value, fields::CUSTOMER_NAME_MAX, true).err(),
        RequestField::CustomerKind => match value.trim() {
            "" => Some(FieldError::Required),
            code => CustomerKind::from_code(code).is_none().then_some(FieldError::UnknownOption),
        },
        RequestField::LegalRep => fields::tax_code(value, true).err(),
        RequestField::ContactEmail => fields::email(value, false).err(),
        _ => None,
    }
}

impl CustomerForm {
    pub fn get(&self, field: RequestField) -> &str {
        match field {
            RequestField::CustomerName => &self.name,
            RequestField::CustomerKind => &self.kind,
            RequestField::LegalRep => &self.legal_rep_cf,
            RequestField::ContactEmail => &self.contact_email,
            _ => "",
        }
    }

    pub fn of(c: &NewCustomer) -> Self {
        Self {
            name: c.name.clone(),
            kind: c.kind.code().into(),
            legal_rep_cf: c.legal_rep_cf.clone(),
            contact_email: c.contact_email.clone(),
        }
    }
}

/// Checks every field; the errors come in the form's order.
pub fn check_customer(form: &CustomerForm) -> Result<NewCustomer, Vec<(RequestField, FieldError)>> {
    let errors: Vec<_> =
        FIELDS.iter().filter_map(|f| field_error(*f, form.get(*f)).map(|e| (*f, e))).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let kind = CustomerKind::from_code(form.kind.trim())
        .ok_or_else(|| vec![(RequestField::CustomerKind, FieldError::UnknownOption)])?;
    let normalised = |r: Result<String, FieldError>, f: RequestField| r.map_err(|e| vec![(f, e)]);
    Ok(NewCustomer {
        name: normalised(
            fields::free_text(&form.name, fields::CUSTOMER_NAME_MAX, true),
            RequestField::CustomerName,
        )?,
        kind,
        legal_rep_cf: normalised(fields::tax_code(&form.legal_rep_cf, true), RequestField::LegalRep)?,
        contact_email: normalised(fields::email(&form.contact_email, false), RequestField::ContactEmail)?,
    })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub kind: String,
    pub legal_rep_cf: String,
    pub contact_email: String,
}

/// Human label for a customer kind code.
pub fn customer_kind_label(code: &str) -> &str {
    super::CustomerKind::from_code(code).map(|k| k.label()).unwrap_or(code)
}

/// One line of "Clienti".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub organisation: String,
    pub customer: crate::customers::NewCustomer,
    pub orders: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_is_checked_as_step_1_checks_it() {
        let form = CustomerForm {
            name: "  Comune di Prova ".into(),
            kind: "PA_LOCALE".into(),
            legal_rep_cf: "rclmra74d15f205v".into(),
            contact_email: "Protocollo@Comune.example".into(),
        };
        let c = check_customer(&form).unwrap();
        assert_eq!(c.name, "Comune di Prova");
        assert_eq!(c.kind, CustomerKind::PaLocale);
        assert_eq!(c.legal_rep_cf, "RCLMRA74D15F205V");
        assert_eq!(check_customer(&CustomerForm::of(&c)), Ok(c));

        let bad = CustomerForm {
            name: String::new(),
            kind: "ALTRO".into(),
            legal_rep_cf: "X".into(),
            contact_email: "no".into(),
        };
        let fields: Vec<RequestField> =
            check_customer(&bad).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, FIELDS.to_vec());
    }
}
