//! DOM helpers shared by the browser tests (`mod dom;` in each test crate).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// A fresh element in the body to mount into.
pub fn fresh_root() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

/// Every element under `root` that matches `selector`, in document order.
pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .collect()
}

/// The text of `el`, hidden parts included.
pub fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}
