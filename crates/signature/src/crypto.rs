//! The signature algorithms a qualified certificate uses: RSA PKCS#1 v1.5 and ECDSA on P-256
//! and P-384, with SHA-256, SHA-384 or SHA-512.

use der::asn1::ObjectIdentifier;
use der::Encode;
use pec_domain::contract::SignatureRefusal;
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;
use spki::SubjectPublicKeyInfoOwned;

const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn of_digest_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            SHA256 => Some(Self::Sha256),
            SHA384 => Some(Self::Sha384),
            SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The hash a signature algorithm names (certificates name it there, not apart).
    pub fn of_signature_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            RSA_SHA256 | ECDSA_SHA256 => Some(Self::Sha256),
            RSA_SHA384 | ECDSA_SHA384 => Some(Self::Sha384),
            RSA_SHA512 | ECDSA_SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// Verifies `signature` of a message whose `hash` digest is `digest`, with the key of `spki`,
/// under the signature algorithm `algorithm` (which must agree with the key and the hash).
pub fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &ObjectIdentifier,
    hash: Hash,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), SignatureRefusal> {
    let key = spki.subject_public_key.raw_bytes();
    match spki.algorithm.oid {
        RSA => {
            // CMS often names plain rsaEncryption and gives the hash apart; when the algorithm
            // names a hash too, it must be the same one.
            if *algorithm != RSA && Hash::of_signature_oid(algorithm) != Some(hash) {
                return Err(SignatureRefusal::Unsupported);
            }
            use rsa::pkcs8::DecodePublicKey;
            let der = spki.to_der().map_err(|_| SignatureRefusal::Invalid)?;
            let key = rsa::RsaPublicKey::from_public_key_der(&der).map_err(|_| SignatureRefusal::Invalid)?;
            let scheme = match hash {
                Hash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                Hash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                Hash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
            };
            key.verify(scheme, digest, signature).map_err(|_| SignatureRefusal::Invalid)
        }
        EC_PUBLIC_KEY => {
            if Hash::of_signature_oid(algorithm) != Some(hash) {
                return Err(SignatureRefusal::Unsupported);
            }
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or(SignatureRefusal::Invalid)?;
            let valid = match curve {
                P256 => {
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                        .map_err(|_| SignatureRefusal::Invalid)?;
                    let sig =
                        p256::ecdsa::Signature::from_der(signature).map_err(|_| SignatureRefusal::Invalid)?;
                    key.verify_prehash(digest, &sig).is_ok()
                }
                P384 => {
                    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                        .map_err(|_| SignatureRefusal::Invalid)?;
                    let sig =
                        p384::ecdsa::Signature::from_der(signature).map_err(|_| SignatureRefusal::Invalid)?;
                    key.verify_prehash(digest, &sig).is_ok()
                }
                _ => return Err(SignatureRefusal::Unsupported),
            };
            if valid {
                Ok(())
            } else {
                Err(SignatureRefusal::Invalid)
            }
        }
        _ => Err(SignatureRefusal::Unsupported),
    }
}
