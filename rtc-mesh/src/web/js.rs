//! Bridges to JavaScript: exceptions as [`BrowserError`]s, promises as
//! futures, and a timer.

use core::time::Duration;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{BrowserError, WebError};

/// A thrown or rejected value: the `name` and `message` of an `Error` or
/// `DOMException`, or the value's own text.
pub(crate) fn browser_error(value: JsValue) -> WebError {
    let field = |key: &str| {
        Reflect::get(&value, &JsValue::from_str(key))
            .ok()
            .and_then(|field| field.as_string())
    };
    let name = field("name").unwrap_or_else(|| "Error".to_owned());
    let message = field("message")
        .or_else(|| value.as_string())
        .unwrap_or_default();
    WebError::Browser(BrowserError::new(name, message))
}

/// Awaits `promise`; a rejection becomes a [`WebError::Browser`].
pub(crate) async fn settle(promise: Promise) -> Result<JsValue, WebError> {
    JsFuture::from(promise).await.map_err(browser_error)
}

/// Resolves after `duration`, through the global `setTimeout` (windows and
/// workers alike; where there is none it never resolves). Dropping it
/// early leaves only a JS timer that resolves a promise nobody awaits.
pub(crate) fn sleep(duration: Duration) -> JsFuture {
    let millis = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    JsFuture::from(Promise::new(&mut |resolve, _reject| {
        let global = js_sys::global();
        let set_timeout = Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|function| function.dyn_into::<Function>().ok());
        if let Some(set_timeout) = set_timeout {
            let _ = set_timeout.call2(&global, &resolve, &JsValue::from(millis));
        }
    }))
}
