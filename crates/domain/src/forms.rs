//! What saving a back-office form (Offerte, Clienti) answers when it saves nothing: a field is
//! wrong (each field says why, on the form), or something only the stored data can tell. It
//! travels in the page's address as `errore=<code>`.

/// A refusal that only the stored data can tell, with a code for the address.
pub trait Coded: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;

    /// The refusal an address names, if any.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }
}

/// Why a form was not saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormRefusal<R> {
    /// A field is not valid.
    Fields,
    Data(R),
}

impl<R: Coded> FormRefusal<R> {
    pub fn code(self) -> &'static str {
        match self {
            Self::Fields => "campi",
            Self::Data(r) => r.code(),
        }
    }

    /// The refusal an address names, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        if code == "campi" {
            return Some(Self::Fields);
        }
        R::from_code(code).map(Self::Data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::CustomerRefusal;
    use crate::offers::OfferRefusal;

    #[test]
    fn refusals_have_stable_codes() {
        for r in OfferRefusal::ALL {
            assert_eq!(FormRefusal::from_code(FormRefusal::Data(*r).code()), Some(FormRefusal::Data(*r)));
        }
        for r in CustomerRefusal::ALL {
            assert_eq!(FormRefusal::from_code(FormRefusal::Data(*r).code()), Some(FormRefusal::Data(*r)));
        }
        assert_eq!(FormRefusal::<OfferRefusal>::from_code("campi"), Some(FormRefusal::Fields));
        assert_eq!(FormRefusal::<OfferRefusal>::from_code("<script>"), None);
    }
}
