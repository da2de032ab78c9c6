//! The embedding API in a real browser: the host's config is read and checked, a bad one is
//! reported (readable error, `actioncenter:fatal`) and unmounting leaves the element empty.
#![cfg(target_arch = "wasm32")]

use action_center::embed::config::parse;
use action_center::embed::links::LinkRule;
use action_center::embed::theme::ThemeMode;
use action_center::embed::time::TimeZone;
use action_center::{Auth, UrlState};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A JavaScript value from an expression, e.g. a config object with functions in it.
fn js(expression: &str) -> JsValue {
    js_sys::Function::new_no_args(&format!("return ({expression});"))
        .call0(&JsValue::NULL)
        .unwrap()
}

#[wasm_bindgen_test]
fn a_full_config_is_read() {
    let config = parse(&js(r##"{
        apiBaseUrl: "https://actions.example.com/api/v1",
        getToken: async () => "t",
        basePath: "/security/action-center",
        links: { investigation: "/inv/{investigationId}", hunt: (a) => "/hunt/" + a.id },
        locale: "en-GB",
        timeZone: "Europe/Berlin",
        theme: { mode: "dark", tokens: { "--ac-accent": "#5b2a86" } },
    }"##))
    .unwrap();
    assert_eq!(config.api_base, "https://actions.example.com/api/v1");
    assert!(matches!(config.auth, Auth::GetToken(_)));
    assert_eq!(
        config.url,
        UrlState::AddressBar {
            base_path: Some("/security/action-center".into())
        }
    );
    assert!(
        matches!(&config.links.investigation, LinkRule::Template(t) if t == "/inv/{investigationId}")
    );
    assert!(matches!(config.links.hunt, LinkRule::Function(_)));
    assert_eq!(config.time.locale.as_deref(), Some("en-GB"));
    assert_eq!(
        config.time.time_zone,
        TimeZone::Named("Europe/Berlin".into())
    );
    assert_eq!(config.theme.mode, ThemeMode::Dark);
    assert_eq!(
        config.theme.tokens,
        vec![("--ac-accent".into(), "#5b2a86".into())]
    );
    assert!(!config.standalone);
}

#[wasm_bindgen_test]
fn cookies_with_csrf_and_defaults() {
    let config = parse(&js(
        r#"{ credentials: "include", csrf: { header: "X-CSRF-Token", value: "abc" } }"#,
    ))
    .unwrap();
    assert!(matches!(
        config.auth,
        Auth::Cookies { csrf: Some((ref h, ref v)) } if h == "X-CSRF-Token" && v == "abc"
    ));
    assert_eq!(config.api_base, "/api/v1");
    assert_eq!(config.url, UrlState::Memory);
    assert_eq!(config.theme.mode, ThemeMode::System);
}

#[wasm_bindgen_test]
fn every_problem_is_reported_at_once() {
    let error = parse(&js(
        r#"{ apiBaseUrl: 42, getToken: "nope", theme: "purple", basePath: "relative",
             links: { investigation: "/inv/{investigation}" }, timeZone: "Mars/Olympus" }"#,
    ))
    .unwrap_err();
    for needle in [
        "apiBaseUrl",
        "getToken",
        "theme",
        "basePath",
        "{investigation}",
        "Mars/Olympus",
    ] {
        assert!(error.contains(needle), "{needle} in {error}");
    }
    assert!(parse(&js("{}")).unwrap_err().contains("getToken"));
    assert!(parse(&JsValue::from_str("x")).is_err());
    assert!(parse(&js(r#"{ getToken: () => "t", credentials: "include" }"#)).is_err());
    assert!(parse(&js(
        r#"{ getToken: () => "t", theme: { tokens: { color: "red" } } }"#
    ))
    .unwrap_err()
    .contains("--ac-"));
}

#[wasm_bindgen_test]
fn a_bad_config_shows_an_error_tells_the_host_and_unmounts_cleanly() {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&element).unwrap();
    let messages = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let seen = messages.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |ev: web_sys::CustomEvent| {
            let message = js_sys::Reflect::get(&ev.detail(), &"message".into()).unwrap();
            seen.borrow_mut().push(message.as_string().unwrap());
        });
    element
        .add_event_listener_with_callback("actioncenter:fatal", listener.as_ref().unchecked_ref())
        .unwrap();

    let mut handle = action_center::embed::mount(element.clone(), js("{ apiBaseUrl: 7 }"));
    assert_eq!(messages.borrow().len(), 1);
    assert!(messages.borrow()[0].contains("apiBaseUrl"));
    let alert = element.query_selector("[role='alert']").unwrap().unwrap();
    assert!(alert.text_content().unwrap().contains("apiBaseUrl"));

    handle.unmount();
    assert_eq!(element.child_nodes().length(), 0);
    handle.unmount();
    element.remove();
}
