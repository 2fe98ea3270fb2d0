//! Certificates for TLS servers: a test CA, a server certificate for `localhost` and
//! `127.0.0.1` signed by it, and an unrelated CA.

use std::fs;
use std::path::{Path, PathBuf};

/// CA material for a TLS server. `ca_pem` signed the server's certificate (valid for
/// `localhost` and `127.0.0.1`); `other_ca_pem` is an unrelated CA (for "unknown CA" tests).
#[derive(Clone, Debug)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub other_ca_pem: String,
    /// `ca_pem` written to a file, for "CA certificate as a path" tests.
    pub ca_file: PathBuf,
}

pub(super) fn write_tls_files(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    let new_ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("ca key");
        let cert = params.self_signed(&key).expect("self-sign ca");
        (cert.pem(), Issuer::new(params, key))
    };
    let (ca_pem, issuer) = new_ca("redis-rotator test CA");
    let (other_ca_pem, _) = new_ca("an unrelated CA");

    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &issuer).expect("sign server cert");

    fs::write(dir.join("ca.crt"), ca_pem).expect("write ca.crt");
    fs::write(dir.join("other-ca.crt"), other_ca_pem).expect("write other-ca.crt");
    fs::write(dir.join("server.crt"), cert.pem()).expect("write server.crt");
    fs::write(dir.join("server.key"), key.serialize_pem()).expect("write server.key");
}

/// The files `write_tls_files` wrote in `from`, copied into `to`.
pub(super) fn copy_tls_files(from: &Path, to: &Path) {
    for name in ["ca.crt", "other-ca.crt", "server.crt", "server.key"] {
        fs::copy(from.join(name), to.join(name))
            .unwrap_or_else(|e| panic!("copy {name} from {}: {e}", from.display()));
    }
}
