//! Bearer JWTs from an OpenID provider, against the real server: a tiny provider on loopback
//! serves discovery and a JWKS built from keys generated here; tokens are minted here too.
//! Tokens with the wrong issuer, audience, signature, algorithm (`none`, HS256) or an expired
//! `exp` are refused with 401 and the reason; keys rotate; `--users` tokens keep working.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use action_center_server::auth::token_hash;
use action_center_server::cli::Config;
use action_center_server::oidc::{OidcConfig, OidcFlags};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use common::{spawn_with, TestServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

const AUDIENCE: &str = "api://action-center";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A signing key and its public JWK.
#[derive(Clone)]
struct Key {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
    /// The public key's DER (what an HS256 key-confusion attack uses as its "secret").
    public_der: Vec<u8>,
}

/// RSA key generation is slow in a debug build: one pool of keys for the whole file.
fn rsa_keys() -> &'static [rsa::RsaPrivateKey] {
    static KEYS: OnceLock<Vec<rsa::RsaPrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..3)
            .map(|_| rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap())
            .collect()
    })
}

fn rsa_key(index: usize, kid: &str) -> Key {
    let private = &rsa_keys()[index];
    let der = private.to_pkcs1_der().unwrap();
    let public_der = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&private.to_public_key())
        .unwrap()
        .as_bytes()
        .to_vec();
    Key {
        kid: kid.into(),
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": b64(&private.n().to_bytes_be()), "e": b64(&private.e().to_bytes_be()),
        }),
        public_der,
    }
}

fn ec_key(kid: &str) -> Key {
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let der = secret.to_pkcs8_der().unwrap();
    let point = secret.public_key().to_encoded_point(false);
    Key {
        kid: kid.into(),
        alg: Algorithm::ES256,
        encoding: EncodingKey::from_ec_der(der.as_bytes()),
        jwk: json!({
            "kty": "EC", "kid": kid, "crv": "P-256",
            "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap()),
        }),
        public_der: point.as_bytes().to_vec(),
    }
}

/// The provider: discovery and JWKS on loopback, the JWKS replaceable, fetches counted.
struct Provider {
    issuer: String,
    jwks: Arc<Mutex<Value>>,
    jwks_hits: Arc<AtomicU64>,
}

#[derive(Clone)]
struct ProviderState {
    issuer: String,
    jwks: Arc<Mutex<Value>>,
    jwks_hits: Arc<AtomicU64>,
}

async fn discovery(State(s): State<ProviderState>) -> Json<Value> {
    Json(json!({
        "issuer": s.issuer,
        "jwks_uri": format!("{}/jwks", s.issuer),
        "authorization_endpoint": format!("{}/auth", s.issuer),
        "token_endpoint": format!("{}/token", s.issuer),
        "end_session_endpoint": format!("{}/session/end", s.issuer),
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
    }))
}

async fn serve_jwks(State(s): State<ProviderState>) -> Json<Value> {
    s.jwks_hits.fetch_add(1, Ordering::SeqCst);
    Json(s.jwks.lock().unwrap().clone())
}

impl Provider {
    async fn start(keys: &[&Key]) -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let jwks = Arc::new(Mutex::new(Value::Null));
        let jwks_hits = Arc::new(AtomicU64::new(0));
        let state = ProviderState {
            issuer: issuer.clone(),
            jwks: jwks.clone(),
            jwks_hits: jwks_hits.clone(),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(serve_jwks))
            .with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let provider = Provider {
            issuer,
            jwks,
            jwks_hits,
        };
        provider.publish(keys);
        provider
    }

    fn publish(&self, keys: &[&Key]) {
        let list: Vec<Value> = keys.iter().map(|k| k.jwk.clone()).collect();
        *self.jwks.lock().unwrap() = json!({ "keys": list });
    }

    fn hits(&self) -> u64 {
        self.jwks_hits.load(Ordering::SeqCst)
    }

    fn flags(&self) -> OidcFlags {
        OidcFlags {
            issuer: Some(self.issuer.clone()),
            audiences: vec![AUDIENCE.into()],
            client_id: Some("action-center-app".into()),
            provider_name: Some("Test IdP".into()),
            ..OidcFlags::default()
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Standard claims of a good token for Dana (role responder), changed by `edit`.
fn claims(issuer: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut c = json!({
        "iss": issuer, "aud": AUDIENCE, "sub": "user-7f3a", "name": "Dana Demo",
        "iat": now(), "nbf": now(), "exp": now() + 600, "roles": ["responder"],
    });
    edit(&mut c);
    c
}

fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

/// A token with a header we write by hand (algorithms jsonwebtoken will not produce for us).
fn hand_made(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(signature)
    )
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().to_vec()
}

async fn server_with(provider: &Provider, edit: impl FnOnce(&mut Config)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(&dir);
    config.oidc = OidcConfig::from_flags(&provider.flags())
        .unwrap()
        .map(Box::new);
    edit(&mut config);
    spawn_with(dir, config).await
}

/// Asserts a refusal: 401, `WWW-Authenticate: Bearer … error="invalid_token"`, problem+json
/// whose detail contains `reason`, and not a trace of the token anywhere in the answer.
async fn assert_refused(server: &TestServer, token: &str, reason: &str) {
    let response = server.get("/me", token).await;
    assert_eq!(response.status(), 401, "{reason}");
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let headers = format!("{:?}", response.headers());
    let body = common::problem(response, 401, "unauthorized").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(reason), "'{detail}' should say '{reason}'");
    let text = format!("{body}{headers}");
    for part in token.split('.').filter(|p| p.len() > 8) {
        assert!(!text.contains(part), "the answer repeats the token");
    }
}

#[tokio::test]
async fn rs256_and_es256_tokens_sign_in_and_the_audit_trail_has_name_and_sub() {
    let (rsa, ec) = (rsa_key(0, "rsa-1"), ec_key("ec-1"));
    let provider = Provider::start(&[&rsa, &ec]).await;
    let mut server = server_with(&provider, |_| {}).await;

    let token = sign(&rsa, &claims(&provider.issuer, |_| {}));
    let me = server.get_json("/me", &token).await;
    assert_eq!(me["id"], "Dana Demo (user-7f3a)");
    assert_eq!(me["displayName"], "Dana Demo");
    assert_eq!(me["roles"], json!(["responder"]));
    assert_eq!(me["permissions"]["decide"], true);

    let viewer = sign(
        &ec,
        &claims(&provider.issuer, |c| {
            c["sub"] = json!("user-9");
            c["name"] = json!("Vic Viewer");
            c["roles"] = json!(["viewer"]);
            c["aud"] = json!(["other-api", AUDIENCE]);
        }),
    );
    let me = server.get_json("/me", &viewer).await;
    assert_eq!(me["id"], "Vic Viewer (user-9)");
    assert_eq!(me["permissions"]["decide"], false);

    // Dana approves; the decision and the audit trail record her name and stable id.
    let id = server.ids("view=pending&pageSize=1", &token).await[0].clone();
    let response = server
        .post(
            "/decisions",
            &token,
            json!({ "decision": "approve", "comment": "via SSO", "actions": [{ "id": id }] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let results: Value = response.json().await.unwrap();
    assert_eq!(results["results"][0]["outcome"], "applied", "{results}");
    let action = server.get_json(&format!("/actions/{id}"), &viewer).await;
    assert_eq!(action["decision"]["by"], "Dana Demo (user-7f3a)");
    let timeline = server
        .get_json(&format!("/actions/{id}/timeline"), &viewer)
        .await;
    assert!(
        timeline
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "Dana Demo (user-7f3a)" && e["comment"] == "via SSO"),
        "{timeline}"
    );
    // A viewer's token may read but not decide.
    let refused = server
        .post(
            "/decisions",
            &viewer,
            json!({ "decision": "reject", "actions": [{ "id": id }] }),
        )
        .await;
    let results: Value = refused.json().await.unwrap();
    assert_ne!(results["results"][0]["outcome"], "applied");
    server.stop().await;
}

#[tokio::test]
async fn wrong_issuer_audience_signature_algorithm_or_time_is_refused_with_the_reason() {
    let rsa = rsa_key(0, "rsa-1");
    let ec = ec_key("ec-1");
    let provider = Provider::start(&[&rsa, &ec]).await;
    let mut server = server_with(&provider, |_| {}).await;
    let iss = provider.issuer.clone();
    let good = claims(&iss, |_| {});

    let wrong_issuer = sign(
        &rsa,
        &claims(&iss, |c| c["iss"] = json!("https://evil.example")),
    );
    assert_refused(&server, &wrong_issuer, "wrong iss").await;
    let wrong_audience = sign(&rsa, &claims(&iss, |c| c["aud"] = json!("another-api")));
    assert_refused(&server, &wrong_audience, "wrong aud").await;
    let no_audience = sign(
        &rsa,
        &claims(&iss, |c| {
            c.as_object_mut().unwrap().remove("aud");
        }),
    );
    assert_refused(&server, &no_audience, "'aud' is missing").await;

    // Signed by another key that claims the provider's key id.
    let forger = Key {
        kid: "rsa-1".into(),
        ..rsa_key(1, "rsa-1")
    };
    assert_refused(&server, &sign(&forger, &good), "signature is not valid").await;
    // A valid signature on altered claims.
    let genuine = sign(&rsa, &good);
    let mut parts: Vec<&str> = genuine.split('.').collect();
    let promoted = b64(claims(&iss, |c| c["sub"] = json!("admin"))
        .to_string()
        .as_bytes());
    parts[1] = &promoted;
    assert_refused(&server, &parts.join("."), "signature is not valid").await;

    // `alg: none`, with and without a signature part.
    let none = hand_made(json!({ "alg": "none", "kid": "rsa-1" }), &good, b"");
    assert_refused(&server, &none, "'none' is not accepted").await;
    let none_upper = hand_made(json!({ "alg": "NONE", "typ": "JWT" }), &good, b"x");
    assert_refused(&server, &none_upper, "is not accepted").await;
    // HS256 keyed with the provider's public key (the key-confusion attack), and plain HS256.
    let message = |header: &Value| {
        format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(good.to_string().as_bytes())
        )
    };
    let hs_header = json!({ "alg": "HS256", "kid": "rsa-1" });
    let confused = format!(
        "{}.{}",
        message(&hs_header),
        b64(&hmac_sha256(
            &rsa.public_der,
            message(&hs_header).as_bytes()
        ))
    );
    assert_refused(&server, &confused, "'HS256' is not accepted").await;
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &good,
        &EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert_refused(&server, &hs, "'HS256' is not accepted").await;
    // RS384 and PS256 are not on the list either; ES256 in the header with an RSA key's id.
    let rs384 = Key {
        alg: Algorithm::RS384,
        ..rsa.clone()
    };
    assert_refused(&server, &sign(&rs384, &good), "'RS384' is not accepted").await;
    let mismatched = Key {
        kid: "rsa-1".into(),
        ..ec.clone()
    };
    assert_refused(
        &server,
        &sign(&mismatched, &good),
        "'ES256' is not accepted",
    )
    .await;

    // Time: expired, not yet valid; within the 60 s clock skew both pass.
    let expired = sign(&rsa, &claims(&iss, |c| c["exp"] = json!(now() - 300)));
    assert_refused(&server, &expired, "has expired").await;
    let early = sign(&rsa, &claims(&iss, |c| c["nbf"] = json!(now() + 300)));
    assert_refused(&server, &early, "not valid yet").await;
    let no_exp = sign(
        &rsa,
        &claims(&iss, |c| {
            c.as_object_mut().unwrap().remove("exp");
        }),
    );
    assert_refused(&server, &no_exp, "'exp' is missing").await;
    let skewed = sign(
        &rsa,
        &claims(&iss, |c| {
            c["exp"] = json!(now() - 20);
            c["nbf"] = json!(now() + 20);
        }),
    );
    assert_eq!(server.get("/me", &skewed).await.status(), 200);

    // Garbage that looks like a JWT, and an unknown opaque token.
    assert_refused(
        &server,
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln-not-base64!",
        "not a valid JWT",
    )
    .await;
    assert_refused(&server, "not-a-known-token-at-all", "not valid").await;
    // No token at all: a challenge without an error, as RFC 6750 says.
    let anonymous = server.client.get(server.url("/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let challenge = anonymous.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer") && !challenge.contains("error="));

    // After all that, the genuine token still works.
    assert_eq!(server.get("/me", &genuine).await.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn rotated_keys_are_fetched_and_unknown_key_ids_cannot_hammer_the_provider() {
    let (old, new) = (rsa_key(0, "2026-01"), rsa_key(2, "2026-02"));
    let provider = Provider::start(&[&old]).await;
    let mut server = server_with(&provider, |_| {}).await;
    let iss = provider.issuer.clone();
    assert_eq!(
        server
            .get("/me", &sign(&old, &claims(&iss, |_| {})))
            .await
            .status(),
        200
    );
    let before = provider.hits();
    assert_eq!(before, 1, "fetched once, at start");

    // The provider rotates: the new key id is unknown, so the server fetches the set again.
    provider.publish(&[&new]);
    let rotated = sign(&new, &claims(&iss, |_| {}));
    assert_eq!(server.get("/me", &rotated).await.status(), 200);
    assert_eq!(provider.hits(), before + 1);

    // Made-up key ids: refused as unknown, without a fetch per request.
    let stranger = Key {
        kid: "made-up".into(),
        ..rsa_key(1, "made-up")
    };
    for _ in 0..5 {
        assert_refused(
            &server,
            &sign(&stranger, &claims(&iss, |_| {})),
            "unknown key id",
        )
        .await;
    }
    assert_eq!(provider.hits(), before + 1, "rate-limited refetch");
    // The retired key is gone from the set.
    assert_refused(
        &server,
        &sign(&old, &claims(&iss, |_| {})),
        "unknown key id",
    )
    .await;
    assert_eq!(server.get("/me", &rotated).await.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn opaque_tokens_work_beside_jwts_and_roles_come_from_the_configured_claim() {
    let rsa = rsa_key(0, "k");
    let provider = Provider::start(&[&rsa]).await;
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    std::fs::write(
        &users,
        format!(
            "[[user]]\nid = \"robot@corp.example\"\ndisplayName = \"Robot\"\nroles = [\"integration\"]\ntokenSha256 = \"{}\"\n",
            token_hash("opaque-robot-token")
        ),
    )
    .unwrap();
    let mut flags = provider.flags();
    flags.roles_claim = Some("groups".into());
    flags.roles = vec!["SOC-L2=responder".into(), "SOC-L1=viewer".into()];
    let mut config = common::config(&dir);
    config.demo = false;
    config.users = Some(users);
    config.oidc = OidcConfig::from_flags(&flags).unwrap().map(Box::new);
    let mut server = spawn_with(dir, config).await;
    let iss = provider.issuer.clone();

    let robot = server.get_json("/me", "opaque-robot-token").await;
    assert_eq!(robot["id"], "robot@corp.example");
    let l2 = sign(
        &rsa,
        &claims(&iss, |c| c["groups"] = json!(["SOC-L2", "Everyone"])),
    );
    assert_eq!(
        server.get_json("/me", &l2).await["roles"],
        json!(["responder"])
    );
    // `roles: ["responder"]` means nothing here: only the groups claim counts.
    let outsider = sign(&rsa, &claims(&iss, |c| c["groups"] = json!(["Everyone"])));
    let response = server.get("/me", &outsider).await;
    let body = common::problem(response, 403, "forbidden").await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("no Action Center role"));
    // Without --demo there are no demo tokens.
    assert_eq!(server.get("/me", "demo-analyst").await.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn auth_config_tells_the_app_how_to_sign_in_and_the_csp_lets_it_reach_the_provider() {
    let mut plain = common::spawn().await;
    let response = plain
        .client
        .get(plain.url("/auth/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), Value::Null);
    plain.stop().await;

    let rsa = rsa_key(0, "k");
    let provider = Provider::start(&[&rsa]).await;
    let mut server = server_with(&provider, |_| {}).await;
    let response = server
        .client
        .get(server.url("/auth/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("connect-src 'self' {}", provider.issuer)),
        "{csp}"
    );
    let config: Value = response.json().await.unwrap();
    assert_eq!(
        config,
        json!({
            "issuer": provider.issuer,
            "clientId": "action-center-app",
            "scopes": ["openid", "profile", "email"],
            "audience": AUDIENCE,
            "providerName": "Test IdP",
            "authorizationEndpoint": format!("{}/auth", provider.issuer),
            "tokenEndpoint": format!("{}/token", provider.issuer),
            "endSessionEndpoint": format!("{}/session/end", provider.issuer),
        })
    );
    server.stop().await;
}

#[tokio::test]
async fn an_unreachable_provider_is_a_503_not_a_sign_out() {
    let rsa = rsa_key(0, "k");
    // A port that was free a moment ago: nothing answers there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let issuer = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(&dir);
    config.oidc = OidcConfig::from_flags(&OidcFlags {
        issuer: Some(issuer.clone()),
        audiences: vec![AUDIENCE.into()],
        ..OidcFlags::default()
    })
    .unwrap()
    .map(Box::new);
    let mut server = spawn_with(dir, config).await;
    let response = server
        .get("/me", &sign(&rsa, &claims(&issuer, |_| {})))
        .await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    // The demo tokens do not depend on the provider.
    assert_eq!(server.get("/me", common::ALICE).await.status(), 200);
    let config: Value = server
        .client
        .get(server.url("/auth/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["issuer"], issuer.as_str());
    assert!(config.get("tokenEndpoint").is_none());
    server.stop().await;
}
