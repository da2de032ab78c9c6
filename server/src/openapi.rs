//! The OpenAPI 3.1 document (`server/openapi.json`), served at `/api/v1/openapi.json` and held
//! against the router by a test.

/// The document, as written beside the code.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// The (method, path) pairs the document describes.
pub fn operations() -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap_or_default();
    let mut ops = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for method in ["get", "post", "put", "patch", "delete"] {
                    if item.contains_key(method) {
                        ops.push((method.to_uppercase(), path.clone()));
                    }
                }
            }
        }
    }
    ops.sort();
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_and_every_documented_route_exists() {
        let mut routes: Vec<(String, String)> = crate::routes::api()
            .1
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
        routes.sort();
        assert_eq!(routes, operations());
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    }
}
