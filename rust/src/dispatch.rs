//! The common request of `gobstopper.serving.serve`, served without Python frames of
//! Gobstopper's own: route it, call its handler, drive the handler's coroutine and send
//! the response it returns.
//!
//! `Dispatcher` is the application's RSGI callable. For a request it can serve (a route
//! of an application without middleware) it calls the handler, its call plan, or the
//! route's hooks around them, and returns a `Handling`, an awaitable that forwards `send` and `throw` to
//! the handler's coroutine, so whatever the handler awaits reaches the event loop as
//! with `await`. Everything else goes to Python, with identical results: a request it
//! does not serve, to `serve(scope, protocol)` before anything is called; a handler that
//! raised, a result other than a response held in memory, `after_this_request`
//! callbacks, to the coroutines `fail` and `finish`, whose progress `Handling` forwards
//! in turn.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use pyo3::exceptions::{PyException, PyRuntimeError, PyStopIteration};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple, PyType};

use crate::jsondepth::nests_deeper;
use crate::router::Router;
use crate::slotted::Layout;

/// Hashes an object's address: a multiplication, where SipHash would cost a tenth of
/// the dispatcher's own time. The keys are addresses the tables keep alive.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8 | u64::from(*byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, address: usize) {
        // Objects are 16-byte aligned: the low bits say nothing.
        self.0 = ((address as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The slots of a request given per request, in the order `make_request` passes them.
const REQUEST_FIELDS: [&str; 4] = ["scope", "protocol", "path_params", "endpoint"];

/// `(endpoint, target, passes_request, plan, name, direct_body, positional)`, as
/// `install` takes a route.
type RouteSpec<'py> = (
    Bound<'py, PyAny>,
    Py<PyAny>,
    bool,
    bool,
    Py<PyAny>,
    Option<BodySpec<'py>>,
    Option<Vec<Py<PyString>>>,
);

/// `(handler, body name, decoder, request first)`: a call plan's `direct_body`.
type BodySpec<'py> = (Py<PyAny>, Py<PyString>, Bound<'py, PyAny>, bool);

type ByAddress<V> = HashMap<usize, V, BuildHasherDefault<AddressHasher>>;

/// A route whose handler the dispatcher calls itself.
struct Route {
    target: Py<PyAny>,
    passes_request: bool,
    /// Whether `target` is a compiled call plan, called `target(request, params)`.
    plan: bool,
    name: Py<PyAny>,
    /// The path parameters in the order `target` declares them, when it takes them by
    /// position (after the request, when it passes one): a call by position costs less
    /// than one by keyword.
    positional: Option<Vec<Py<PyString>>>,
    /// How to read and decode the JSON body and call the handler with it, when the call
    /// plan allows (see `BodyCall`).
    body: Option<Arc<BodyCall>>,
    // Keeps the endpoint alive, so its address stays its key.
    _endpoint: Py<PyAny>,
}

/// A handler that takes a JSON body and otherwise only the path parameters (and perhaps
/// the request first): for a body declared `application/json` with a `Content-Length`
/// within the limit, the dispatcher reads it, decodes it and calls the handler, where the
/// call plan would have done the same in Python. Any other body goes through the plan.
struct BodyCall {
    handler: Py<PyAny>,
    name: Py<PyString>,
    decoder: Py<PyAny>,
    decode: Py<PyAny>,
    request_first: bool,
    /// Whether the handler takes the body alone, by position.
    alone: bool,
}

/// What a handler's result of one exact type becomes.
enum Convert {
    /// A response already.
    AsIs,
    /// `convert(result)` gives the response.
    Call(Py<PyAny>),
    /// Sent as the body `encode(result)` with the header `(name, value)`, no response
    /// made: what `convert` would make of it and send.
    Encoded {
        convert: Py<PyAny>,
        encode: Py<PyAny>,
        header: Py<PyTuple>,
    },
    /// A `str` sent as it is with the header `(name, value)`, as `convert` would send it.
    Text {
        convert: Py<PyAny>,
        header: Py<PyTuple>,
    },
}

/// The tables of an application, fixed when it starts serving.
struct Plan {
    static_routes: Py<PyDict>,
    match_dynamic: Py<PyAny>,
    /// The Rust router whose `match_dynamic` that is, when it is one: looked up directly.
    router: Option<Py<Router>>,
    routes: ByAddress<Route>,
    converters: ByAddress<Convert>,
    sendable: HashSet<usize, BuildHasherDefault<AddressHasher>>,
    coroutine_type: usize,
    request_class: Py<PyAny>,
    /// How to make a request without calling `request_class`, when it qualifies.
    request_layout: Option<Layout>,
    app: Py<PyAny>,
    finish: Py<PyAny>,
    fail: Py<PyAny>,
    finish_awaiting: Py<PyAny>,
    apply_cookies: Option<Py<PyAny>>,
    make_current: Option<Py<PyAny>>,
    /// The application's `json_max_bytes` and `json_max_depth`, as it starts serving.
    max_json_bytes: u64,
    max_json_depth: isize,
    /// `jsonbody.decode_json`, which raises the error for a body that does not decode.
    decode_json: Py<PyAny>,
    /// `dispatch.body_lost`: the error for a body whose read failed.
    body_lost: Py<PyAny>,
}

/// The RSGI callable of an application: `dispatcher(scope, protocol)`.
#[pyclass(frozen, module = "gobstopper_core._native", name = "Dispatcher")]
pub struct Dispatcher {
    serve: Py<PyAny>,
    plan: RwLock<Option<Arc<Plan>>>,
}

fn key(object: &Bound<'_, PyAny>) -> usize {
    object.as_ptr() as usize
}

fn type_key(object: &Bound<'_, PyAny>) -> usize {
    object.get_type().as_ptr() as usize
}

#[pymethods]
impl Dispatcher {
    /// `serve(scope, protocol)` answers every request until `install` is called, and
    /// afterwards those the dispatcher does not serve itself.
    #[new]
    fn new(serve: Py<PyAny>) -> Self {
        Dispatcher {
            serve,
            plan: RwLock::new(None),
        }
    }

    /// Serve the common requests from these tables (see `gobstopper.dispatch.install`).
    ///
    /// `routes` holds `(endpoint, target, passes_request, plan, name)`: the handler
    /// called with the path parameters (and the request first), or with `plan` the call
    /// plan called as `target(request, params)`; `converters` maps an
    /// exact result type to its converter, `None` for a response already; `direct` maps
    /// a converter to `(encode, header)` when its response is a body and one header, sent
    /// without making it: `encode(result)` (`None`: a `str` result as it is); `sendable`
    /// lists the response classes sent as `Response.send` sends them; `request_preset`,
    /// when given, maps the slots a new `request_class` instance holds besides
    /// `REQUEST_FIELDS` to the shared objects they hold, so requests are made in Rust
    /// (when the class qualifies, see `slotted`); `make_current`, when given, is called
    /// with each request (or the `Handling` that makes it) as its handler starts
    /// (`current_request.set`); `json_limits` holds the application's JSON body limits
    /// `(max bytes, max depth)`, and `decode_json` and `body_lost` make the errors of a
    /// body read by the dispatcher (routes whose `direct_body` is given).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (*, static_routes, match_dynamic, routes, converters, direct, sendable, request_class, request_preset, app, finish, fail, finish_awaiting, apply_cookies, make_current, json_limits, decode_json, body_lost))]
    fn install(
        &self,
        py: Python<'_>,
        static_routes: Bound<'_, PyDict>,
        match_dynamic: Py<PyAny>,
        routes: Vec<RouteSpec<'_>>,
        converters: Bound<'_, PyDict>,
        direct: Bound<'_, PyDict>,
        sendable: Vec<Bound<'_, PyAny>>,
        request_class: Bound<'_, PyType>,
        request_preset: Option<Bound<'_, PyDict>>,
        app: Py<PyAny>,
        finish: Py<PyAny>,
        fail: Py<PyAny>,
        finish_awaiting: Py<PyAny>,
        apply_cookies: Option<Py<PyAny>>,
        make_current: Option<Py<PyAny>>,
        json_limits: (u64, isize),
        decode_json: Py<PyAny>,
        body_lost: Py<PyAny>,
    ) -> PyResult<()> {
        let request_layout = match request_preset {
            Some(preset) => Layout::of(&request_class, &preset, &REQUEST_FIELDS)?,
            None => None,
        };
        let mut table_of_routes = ByAddress::default();
        for (endpoint, target, passes_request, plan, name, direct_body, positional) in routes {
            let body = match direct_body {
                Some((handler, name, decoder, request_first)) => Some(Arc::new(BodyCall {
                    // A planned route names what it takes by position only for a
                    // body it takes alone.
                    alone: !request_first && positional.is_some(),
                    handler,
                    name,
                    decode: decoder.getattr(intern!(py, "decode"))?.unbind(),
                    decoder: decoder.unbind(),
                    request_first,
                })),
                None => None,
            };
            let route = Route {
                target,
                passes_request,
                plan,
                name,
                positional: if plan { None } else { positional },
                body,
                _endpoint: endpoint.clone().unbind(),
            };
            table_of_routes.insert(key(&endpoint), route);
        }
        let mut table = ByAddress::default();
        for (cls, convert) in converters.iter() {
            let convert = if convert.is_none() {
                Convert::AsIs
            } else if let Some(how) = direct.get_item(&convert)? {
                let (encode, header) = how.extract::<(Bound<'_, PyAny>, Bound<'_, PyTuple>)>()?;
                let (convert, header) = (convert.unbind(), header.unbind());
                if encode.is_none() {
                    Convert::Text { convert, header }
                } else {
                    let encode = encode.unbind();
                    Convert::Encoded {
                        convert,
                        encode,
                        header,
                    }
                }
            } else {
                Convert::Call(convert.unbind())
            };
            // The type objects live in the dict, which the Python side keeps.
            table.insert(key(&cls), convert);
        }
        let coroutine_type = py.import("types")?.getattr("CoroutineType")?;
        let router = match_dynamic
            .bind(py)
            .getattr(intern!(py, "__self__"))
            .ok()
            .and_then(|owner| owner.cast_into::<Router>().ok())
            .map(Bound::unbind);
        let plan = Plan {
            static_routes: static_routes.unbind(),
            match_dynamic,
            router,
            routes: table_of_routes,
            converters: table,
            sendable: sendable.iter().map(key).collect(),
            coroutine_type: key(&coroutine_type),
            request_class: request_class.into_any().unbind(),
            request_layout,
            app,
            finish,
            fail,
            finish_awaiting,
            apply_cookies,
            make_current,
            max_json_bytes: json_limits.0,
            max_json_depth: json_limits.1,
            decode_json,
            body_lost,
        };
        *self.plan.write().expect("dispatch plan lock") = Some(Arc::new(plan));
        Ok(())
    }

    /// Serve every request through `serve` again.
    fn clear(&self) {
        *self.plan.write().expect("dispatch plan lock") = None;
    }

    /// Whether requests are made without calling their class (see `install`).
    #[getter]
    fn makes_requests_natively(&self) -> bool {
        self.plan
            .read()
            .expect("dispatch plan lock")
            .as_ref()
            .is_some_and(|plan| plan.request_layout.is_some())
    }

    /// Whether `install` has given the dispatcher requests of its own to serve.
    #[getter]
    fn installed(&self) -> bool {
        self.plan.read().expect("dispatch plan lock").is_some()
    }

    fn __call__(
        &self,
        py: Python<'_>,
        scope: Bound<'_, PyAny>,
        protocol: Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let plan = self.plan.read().expect("dispatch plan lock").clone();
        let Some(plan) = plan else {
            return self.serve.call1(py, (scope, protocol));
        };
        let path = scope.getattr(intern!(py, "path"))?;
        // A converter that fails while matching fails inside serve's error handling.
        let Ok(Some((endpoint, params))) = find(py, &plan, &scope, &path) else {
            return self.serve.call1(py, (scope, protocol));
        };
        let Some(route) = plan.routes.get(&key(&endpoint)) else {
            return self.serve.call1(py, (scope, protocol));
        };
        start(py, &plan, route, params, scope, protocol)
    }
}

/// The endpoint serving `scope` and its path parameters (`None` for a static path), or
/// `None` when Python must answer (a WebSocket, no route, a method not allowed).
#[allow(clippy::type_complexity)]
fn find<'py>(
    py: Python<'py>,
    plan: &Plan,
    scope: &Bound<'py, PyAny>,
    path: &Bound<'py, PyAny>,
) -> PyResult<Option<(Bound<'py, PyAny>, Option<Bound<'py, PyDict>>)>> {
    let proto = scope.getattr(intern!(py, "proto"))?;
    if !proto
        .cast::<PyString>()
        .is_ok_and(|p| p.to_str().is_ok_and(|p| p == "http"))
    {
        return Ok(None);
    }
    let (endpoints, params) = match plan.static_routes.bind(py).get_item(path)? {
        Some(endpoints) => (endpoints, None),
        None => match (&plan.router, path.cast::<PyString>()?.to_str()) {
            (Some(router), Ok(text)) => match router.bind(py).try_borrow() {
                Ok(router) => match router.lookup(py, text)? {
                    Some((endpoints, params)) => (endpoints, Some(params)),
                    None => return Ok(None),
                },
                Err(_) => return Ok(None),
            },
            _ => {
                let found = plan.match_dynamic.bind(py).call1((path,))?;
                if found.is_none() {
                    return Ok(None);
                }
                let found = found.cast_into::<PyTuple>()?;
                let params = found.get_item(1)?.cast_into::<PyDict>()?;
                (found.get_item(0)?, Some(params))
            }
        },
    };
    let method = scope.getattr(intern!(py, "method"))?;
    let endpoint = endpoints.cast::<PyDict>()?.get_item(method)?;
    Ok(endpoint.map(|endpoint| (endpoint, params)))
}

/// The path parameters a route matched with, or a new empty dict for a route without any.
fn params_or_empty<'py>(
    py: Python<'py>,
    params: Option<&Bound<'py, PyDict>>,
) -> Bound<'py, PyDict> {
    params.cloned().unwrap_or_else(|| PyDict::new(py))
}

/// The request `Request(scope, protocol, app)` with its path parameters and endpoint set,
/// as `gobstopper.serving.serve` makes it.
fn make_request<'py>(
    py: Python<'py>,
    plan: &Plan,
    scope: &Bound<'py, PyAny>,
    protocol: &Bound<'py, PyAny>,
    path_params: &Bound<'py, PyDict>,
    name: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(layout) = &plan.request_layout {
        return layout.make(py, &[scope, protocol, path_params.as_any(), name]);
    }
    let made = plan
        .request_class
        .bind(py)
        .call1((scope, protocol, plan.app.bind(py)))?;
    made.setattr(intern!(py, "path_params"), path_params)?;
    made.setattr(intern!(py, "endpoint"), name)?;
    Ok(made)
}

/// The arguments of `route`'s handler by position (the request first, when given), when
/// it takes its path parameters so; `None` when it takes them by keyword.
fn by_position<'py>(
    py: Python<'py>,
    route: &Route,
    params: Option<&Bound<'py, PyDict>>,
    request: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let Some(names) = &route.positional else {
        return Ok(None);
    };
    let mut arguments: Vec<Bound<'py, PyAny>> = Vec::with_capacity(names.len() + 1);
    arguments.extend(request.cloned());
    for name in names {
        let value = params
            .map(|params| params.get_item(name.bind(py)))
            .transpose()?
            .flatten();
        match value {
            Some(value) => arguments.push(value),
            // A parameter the router did not give: let the call by keyword say so.
            None => return Ok(None),
        }
    }
    PyTuple::new(py, arguments).map(Some)
}

/// Call the handler of `route` and return the awaitable that finishes the request.
fn start(
    py: Python<'_>,
    plan: &Arc<Plan>,
    route: &Route,
    params: Option<Bound<'_, PyDict>>,
    scope: Bound<'_, PyAny>,
    protocol: Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    if let Some(body) = &route.body {
        if declares_json_within(py, plan, &scope) {
            return start_reading(py, plan, route, body, params, scope, protocol);
        }
    }
    let name = route.name.bind(py);
    let target = route.target.bind(py);
    let (request, called) = if route.passes_request || route.plan {
        let path_params = params_or_empty(py, params.as_ref());
        let request = make_request(py, plan, &scope, &protocol, &path_params, name)?;
        let called = if route.plan {
            target.call1((&request, path_params))
        } else {
            match by_position(py, route, params.as_ref(), Some(&request))? {
                Some(arguments) => target.call1(arguments),
                None => target.call((&request,), params.as_ref()),
            }
        };
        (Some(request.unbind()), called)
    } else {
        match by_position(py, route, params.as_ref(), None)? {
            Some(arguments) => (None, target.call1(arguments)),
            None => (None, target.call((), params.as_ref())),
        }
    };
    let (coroutine, fallback) = match called {
        Ok(awaitable) if type_key(&awaitable) == plan.coroutine_type => {
            (Some(awaitable.unbind()), None)
        }
        Ok(awaitable) => (None, Some((&plan.finish_awaiting, awaitable))),
        Err(error) if error.is_instance_of::<PyException>(py) => {
            let error = error.into_value(py).into_bound(py).into_any();
            (None, Some((&plan.fail, error)))
        }
        Err(error) => return Err(error),
    };
    let handling = Handling {
        plan: plan.clone(),
        scope: scope.unbind(),
        protocol: protocol.unbind(),
        params: params.map(Bound::unbind),
        name: name.clone().unbind(),
        body: None,
        state: Mutex::new(State {
            coroutine,
            stage: Stage::Handler,
            starting: plan.make_current.is_some(),
            request,
            raw_body: None,
        }),
    };
    match fallback {
        None => Ok(Bound::new(py, handling)?.into_any().unbind()),
        Some((function, value)) => Ok(handling.fallback(py, function, value)?.unbind()),
    }
}

/// Whether the request declares exactly `application/json` and a `Content-Length` of
/// ASCII digits within the application's limit: the body the dispatcher reads itself.
/// Anything else (another JSON media type, no length, too long) is the call plan's to
/// accept or refuse.
fn declares_json_within(py: Python<'_>, plan: &Plan, scope: &Bound<'_, PyAny>) -> bool {
    let Ok(headers) = scope.getattr(intern!(py, "headers")) else {
        return false;
    };
    let json = header(&headers, intern!(py, "content-type")).is_some_and(|value| {
        value
            .to_str()
            .is_ok_and(|value| value == "application/json")
    });
    json && header(&headers, intern!(py, "content-length")).is_some_and(|value| {
        value.to_str().is_ok_and(|digits| {
            !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && digits
                    .parse::<u64>()
                    .is_ok_and(|length| length <= plan.max_json_bytes)
        })
    })
}

/// The request header `name`, when it is a `str`.
fn header<'py>(
    headers: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> Option<Bound<'py, PyString>> {
    let py = headers.py();
    headers
        .call_method1(intern!(py, "get"), (name,))
        .ok()
        .and_then(|value| value.cast_into::<PyString>().ok())
}

/// Start reading the JSON body of a `BodyCall` route; the handler is called once it
/// has arrived (`Handling::call_with_body`).
fn start_reading(
    py: Python<'_>,
    plan: &Arc<Plan>,
    route: &Route,
    body: &Arc<BodyCall>,
    params: Option<Bound<'_, PyDict>>,
    scope: Bound<'_, PyAny>,
    protocol: Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let name = route.name.bind(py);
    let request = if body.request_first {
        let path_params = params_or_empty(py, params.as_ref());
        Some(make_request(py, plan, &scope, &protocol, &path_params, name)?.unbind())
    } else {
        None
    };
    let reading = protocol.call0().and_then(|awaitable| {
        if type_key(&awaitable) == plan.coroutine_type {
            Ok(awaitable)
        } else {
            awaitable.call_method0(intern!(py, "__await__"))
        }
    });
    let mut handling = Handling {
        plan: plan.clone(),
        scope: scope.unbind(),
        protocol: protocol.unbind(),
        params: params.map(Bound::unbind),
        name: name.clone().unbind(),
        body: Some(body.clone()),
        state: Mutex::new(State {
            coroutine: None,
            stage: Stage::Body,
            starting: plan.make_current.is_some(),
            request,
            raw_body: None,
        }),
    };
    match reading {
        Ok(reading) => {
            handling
                .state
                .get_mut()
                .expect("request state lock")
                .coroutine = Some(reading.unbind());
            Ok(Bound::new(py, handling)?.into_any().unbind())
        }
        Err(error) if error.is_instance_of::<PyException>(py) => {
            let lost = plan.body_lost.bind(py).call1((error.into_value(py),))?;
            Ok(handling.fallback(py, &plan.fail, lost)?.unbind())
        }
        Err(error) => Err(error),
    }
}

/// What one step of a coroutine gave.
enum Outcome {
    Yielded(Py<PyAny>),
    Returned(Py<PyAny>),
    Raised(PyErr),
}

fn send(py: Python<'_>, coroutine: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> Outcome {
    let mut out: *mut ffi::PyObject = ptr::null_mut();
    // SAFETY: both objects are alive and the GIL is held; `out` receives a new reference
    // unless the call fails.
    let result = unsafe { ffi::PyIter_Send(coroutine.as_ptr(), value.as_ptr(), &mut out) };
    match result {
        ffi::PySendResult::PYGEN_NEXT => {
            Outcome::Yielded(unsafe { Bound::from_owned_ptr(py, out) }.unbind())
        }
        ffi::PySendResult::PYGEN_RETURN => {
            Outcome::Returned(unsafe { Bound::from_owned_ptr(py, out) }.unbind())
        }
        ffi::PySendResult::PYGEN_ERROR => Outcome::Raised(PyErr::fetch(py)),
    }
}

fn throw(py: Python<'_>, coroutine: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> Outcome {
    match coroutine.call_method1(intern!(py, "throw"), args) {
        Ok(yielded) => Outcome::Yielded(yielded.unbind()),
        Err(error) if error.is_instance_of::<PyStopIteration>(py) => {
            match error.value(py).getattr(intern!(py, "value")) {
                Ok(value) => Outcome::Returned(value.unbind()),
                Err(error) => Outcome::Raised(error),
            }
        }
        Err(error) => Outcome::Raised(error),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// Reading the JSON body of a `BodyCall` route.
    Body,
    /// Driving the handler's coroutine.
    Handler,
    /// Driving the Python coroutine that finishes the request.
    Python,
    /// Finished.
    Done,
}

/// Where a request stands: the coroutine it waits in, and which.
struct State {
    coroutine: Option<Py<PyAny>>,
    stage: Stage,
    /// Whether the request is still to be made current, as the handler starts.
    starting: bool,
    /// The request, once something has used it.
    request: Option<Py<PyAny>>,
    /// The body the dispatcher read, for the request's `cached_body`.
    raw_body: Option<Py<PyAny>>,
}

/// One request on its way: an awaitable (and its own iterator, like a coroutine).
///
/// Its `request` is made on first use: when the handler takes it, or when code reading
/// `gobstopper.request` (which finds this object current) asks for it. The state is
/// locked only between calls into Python, which may come back here for the request.
#[pyclass(frozen, module = "gobstopper_core._native", name = "Handling")]
pub struct Handling {
    plan: Arc<Plan>,
    scope: Py<PyAny>,
    protocol: Py<PyAny>,
    params: Option<Py<PyDict>>,
    name: Py<PyAny>,
    /// How to call the handler with the body, when the dispatcher reads it.
    body: Option<Arc<BodyCall>>,
    state: Mutex<State>,
}

impl Handling {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("request state lock")
    }

    /// The request, if something has used it.
    fn made_request<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.lock()
            .request
            .as_ref()
            .map(|request| request.bind(py).clone())
    }

    /// The coroutine `function(request, value)`, the request made first if need be.
    fn fallback<'py>(
        &self,
        py: Python<'py>,
        function: &Py<PyAny>,
        value: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = self.request(py)?;
        function.bind(py).call1((request, value))
    }

    /// Carry on from `outcome`: the value to yield, or `None` once the request is done.
    fn advance(&self, py: Python<'_>, mut outcome: Outcome) -> PyResult<Option<Py<PyAny>>> {
        loop {
            let stage = self.lock().stage;
            let next = match (stage, outcome) {
                (_, Outcome::Yielded(value)) => return Ok(Some(value)),
                (Stage::Handler, Outcome::Returned(result)) => {
                    self.respond(py, result.into_bound(py))?
                }
                (Stage::Handler, Outcome::Raised(error))
                    if error.is_instance_of::<PyException>(py) =>
                {
                    let error = error.into_value(py).into_bound(py).into_any();
                    Some(self.fallback(py, &self.plan.fail, error)?)
                }
                (Stage::Body, Outcome::Returned(raw)) => {
                    match self.call_with_body(py, raw.into_bound(py))? {
                        Ok(handler) => {
                            drop(self.replace_coroutine(&handler, Stage::Handler));
                            outcome = send(py, &handler, &py.None().into_bound(py));
                            continue;
                        }
                        Err((function, value)) => Some(self.fallback(py, function, value)?),
                    }
                }
                (Stage::Body, Outcome::Raised(error))
                    if error.is_instance_of::<PyException>(py) =>
                {
                    let lost = self
                        .plan
                        .body_lost
                        .bind(py)
                        .call1((error.into_value(py),))?;
                    Some(self.fallback(py, &self.plan.fail, lost)?)
                }
                (_, Outcome::Raised(error)) => {
                    self.finished();
                    return Err(error);
                }
                (_, Outcome::Returned(_)) => None,
            };
            let Some(finishing) = next else {
                self.finished();
                return Ok(None);
            };
            outcome = send(py, &finishing, &py.None().into_bound(py));
            drop(self.replace_coroutine(&finishing, Stage::Python));
        }
    }

    /// Wait in `coroutine` from now on, at `stage`; the coroutine waited in before, to
    /// drop unlocked (freeing a coroutine can run Python code).
    fn replace_coroutine(&self, coroutine: &Bound<'_, PyAny>, stage: Stage) -> Option<Py<PyAny>> {
        let mut state = self.lock();
        state.stage = stage;
        state.coroutine.replace(coroutine.clone().unbind())
    }

    /// Call the handler of a `BodyCall` route with the body `raw` decoded: the handler's
    /// coroutine, or the fallback that answers instead (the error of a body that does not
    /// decode, a handler that raised or returned another awaitable), as the call plan
    /// would have.
    #[allow(clippy::type_complexity)]
    fn call_with_body<'py, 'a>(
        &'a self,
        py: Python<'py>,
        raw: Bound<'py, PyAny>,
    ) -> PyResult<Result<Bound<'py, PyAny>, (&'a Py<PyAny>, Bound<'py, PyAny>)>> {
        let plan = &self.plan;
        let body = self
            .body
            .as_ref()
            .expect("a body is read only for a BodyCall");
        let request = {
            let mut state = self.lock();
            state.raw_body = Some(raw.clone().unbind());
            state
                .request
                .as_ref()
                .map(|request| request.bind(py).clone())
        };
        if let Some(request) = &request {
            request.setattr(intern!(py, "cached_body"), &raw)?;
        }
        let decoded = match self.decode_body(py, body, raw) {
            Ok(decoded) => decoded,
            Err(error) if error.is_instance_of::<PyException>(py) => {
                let error = error.into_value(py).into_bound(py).into_any();
                return Ok(Err((&plan.fail, error)));
            }
            Err(error) => return Err(error),
        };
        let handler = body.handler.bind(py);
        let called = if body.alone {
            handler.call1((decoded,))
        } else {
            let kwargs = match &self.params {
                Some(params) => params.bind(py).copy()?,
                None => PyDict::new(py),
            };
            kwargs.set_item(body.name.bind(py), decoded)?;
            match request {
                Some(request) if body.request_first => handler.call((request,), Some(&kwargs)),
                _ => handler.call((), Some(&kwargs)),
            }
        };
        Ok(match called {
            Ok(awaitable) if type_key(&awaitable) == plan.coroutine_type => Ok(awaitable),
            Ok(awaitable) => Err((&plan.finish_awaiting, awaitable)),
            Err(error) if error.is_instance_of::<PyException>(py) => {
                Err((&plan.fail, error.into_value(py).into_bound(py).into_any()))
            }
            Err(error) => return Err(error),
        })
    }

    /// The body decoded, or the error `decode_json` raises for it. An ordinary body is
    /// checked and decoded here; any other (empty, too deep, not valid) goes to
    /// `decode_json`, so its error is the call plan's word for word.
    fn decode_body<'py>(
        &self,
        py: Python<'py>,
        body: &BodyCall,
        raw: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let depth = self.plan.max_json_depth;
        if let Ok(bytes) = raw.cast::<PyBytes>() {
            let data = bytes.as_bytes();
            // As `decode_json` does: a well-formed document nesting past the limit is at
            // least twice as long as it; a shorter one is malformed, and the decoder says so.
            let too_deep = isize::try_from(data.len() / 2).map_or(true, |half| half > depth)
                && nests_deeper(data, depth);
            if !data.is_empty() && !too_deep {
                if let Ok(decoded) = body.decode.bind(py).call1((bytes,)) {
                    return Ok(decoded);
                }
            }
        }
        let raw = if raw.is_truthy()? {
            raw
        } else {
            PyBytes::new(py, b"").into_any()
        };
        let decoder = body.decoder.bind(py);
        self.plan.decode_json.bind(py).call1((raw, decoder, depth))
    }

    fn finished(&self) {
        let coroutine = {
            let mut state = self.lock();
            state.stage = Stage::Done;
            state.coroutine.take()
        };
        // Dropped unlocked: freeing a coroutine can run Python code.
        drop(coroutine);
    }

    /// Send the handler's `result` when it is a response held in memory (or converts to
    /// one) and nothing else is due; else the coroutine that finishes in Python.
    fn respond<'py>(
        &self,
        py: Python<'py>,
        result: Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let plan = &self.plan;
        // The request, if anything asked for it (only a request can hold callbacks).
        let request = self.made_request(py);
        let request = request.as_ref();
        let callbacks_due = match request {
            Some(request) => !request.getattr(intern!(py, "after_callbacks"))?.is_none(),
            None => false,
        };
        let convert = plan.converters.get(&type_key(&result));
        if !callbacks_due {
            match self.send_directly(py, &result, convert) {
                Ok(true) => return Ok(None),
                Ok(false) => {}
                Err(error) if error.is_instance_of::<PyException>(py) => {
                    let error = error.into_value(py).into_bound(py).into_any();
                    return self.fallback(py, &plan.fail, error).map(Some);
                }
                Err(error) => return Err(error),
            }
        }
        let response = match convert {
            Some(Convert::AsIs) => result,
            Some(
                Convert::Call(convert)
                | Convert::Encoded { convert, .. }
                | Convert::Text { convert, .. },
            ) => match convert.bind(py).call1((&result,)) {
                Ok(response) => response,
                Err(error) if error.is_instance_of::<PyException>(py) => {
                    let error = error.into_value(py).into_bound(py).into_any();
                    return self.fallback(py, &plan.fail, error).map(Some);
                }
                Err(error) => return Err(error),
            },
            None => return self.fallback(py, &plan.finish, result).map(Some),
        };
        let sendable = plan.sendable.contains(&type_key(&response));
        if callbacks_due || (!sendable && request.is_none()) {
            return self.fallback(py, &plan.finish, response).map(Some);
        }
        let headers = response.getattr(intern!(py, "raw_headers"))?;
        if let Some(apply) = &plan.apply_cookies {
            apply.bind(py).call1((&headers,))?;
        }
        let protocol = self.protocol.bind(py);
        if !sendable {
            // A file or a stream: its own send(), awaited when it returns an awaitable.
            let pending = response.call_method1(intern!(py, "send"), (protocol, request))?;
            if pending.is_none() {
                return Ok(None);
            }
            if type_key(&pending) == plan.coroutine_type {
                return Ok(Some(pending));
            }
            return pending.call_method0(intern!(py, "__await__")).map(Some);
        }
        let status = response.getattr(intern!(py, "status"))?;
        let body = response.getattr(intern!(py, "body"))?;
        let Ok(code) = status.extract::<i64>() else {
            response.call_method1(intern!(py, "send"), (protocol, request))?;
            return Ok(None);
        };
        let empty = (100..200).contains(&code) || code == 204 || code == 304;
        if !body.is_truthy()? || empty {
            protocol.call_method1(intern!(py, "response_empty"), (&status, &headers))?;
        } else if body.is_exact_instance_of::<pyo3::types::PyBytes>() {
            protocol.call_method1(intern!(py, "response_bytes"), (&status, &headers, &body))?;
        } else if body.is_exact_instance_of::<PyString>() {
            protocol.call_method1(intern!(py, "response_str"), (&status, &headers, &body))?;
        } else {
            response.call_method1(intern!(py, "send"), (protocol, request))?;
        }
        Ok(None)
    }

    /// Send `result` (whose converter is `convert`) without making its response, when
    /// the converter allows (see `Convert::Encoded` and `Convert::Text`), alone or as
    /// `(body, status)` with an `int` status, as `_from_tuple` converts it; whether it
    /// was sent. An error is the
    /// conversion's, as the converter would have raised it.
    fn send_directly(
        &self,
        py: Python<'_>,
        result: &Bound<'_, PyAny>,
        convert: Option<&Convert>,
    ) -> PyResult<bool> {
        let (body, convert, status) = if result.is_exact_instance_of::<PyTuple>() {
            let pair = result.cast::<PyTuple>()?;
            if pair.len() != 2 {
                return Ok(false);
            }
            let (body, status) = (pair.get_item(0)?, pair.get_item(1)?);
            if !status.is_exact_instance_of::<PyInt>() {
                return Ok(false);
            }
            let convert = self.plan.converters.get(&type_key(&body));
            (body, convert, status)
        } else if matches!(
            convert,
            Some(Convert::Encoded { .. } | Convert::Text { .. })
        ) {
            let status = 200i32.into_pyobject(py)?.into_any();
            (result.clone(), convert, status)
        } else {
            return Ok(false);
        };
        let (encoded, header) = match convert {
            Some(Convert::Encoded { encode, header, .. }) => {
                (encode.bind(py).call1((&body,))?, header)
            }
            Some(Convert::Text { header, .. }) if body.is_exact_instance_of::<PyString>() => {
                (body, header)
            }
            _ => return Ok(false),
        };
        let code = status.extract::<i64>()?;
        let headers = PyList::new(py, [header.bind(py)])?;
        let protocol = self.protocol.bind(py);
        let empty = (100..200).contains(&code) || code == 204 || code == 304;
        if empty || !encoded.is_truthy()? {
            protocol.call_method1(intern!(py, "response_empty"), (status, headers))?;
        } else if encoded.is_exact_instance_of::<PyString>() {
            protocol.call_method1(intern!(py, "response_str"), (status, headers, encoded))?;
        } else {
            protocol.call_method1(intern!(py, "response_bytes"), (status, headers, encoded))?;
        }
        Ok(true)
    }

    /// Resume the request with `value`: the handler's coroutine, made current first when
    /// it starts, or the coroutine finishing it in Python.
    fn step(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        let py = slf.py();
        let this = slf.get();
        let (coroutine, current) = {
            let mut state = this.lock();
            let Some(coroutine) = &state.coroutine else {
                return Err(PyRuntimeError::new_err(
                    "cannot reuse an already awaited request",
                ));
            };
            let coroutine = coroutine.bind(py).clone();
            // As the handler starts: the request itself once made; until then this, which
            // makes it on demand.
            let current = std::mem::take(&mut state.starting).then(|| match &state.request {
                Some(request) => request.bind(py).clone(),
                None => slf.clone().into_any(),
            });
            (coroutine, current)
        };
        if let (Some(make_current), Some(current)) = (&this.plan.make_current, current) {
            make_current.bind(py).call1((current,))?;
        }
        let outcome = send(py, &coroutine, value);
        this.advance(py, outcome)
    }
}

#[pymethods]
impl Handling {
    /// The request being served, made now if nothing needed it before.
    #[getter]
    fn request(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(request) = self.made_request(py) {
            return Ok(request.unbind());
        }
        let path_params = params_or_empty(py, self.params.as_ref().map(|params| params.bind(py)));
        let scope = self.scope.bind(py);
        let protocol = self.protocol.bind(py);
        let name = self.name.bind(py);
        let made = make_request(py, &self.plan, scope, protocol, &path_params, name)?;
        let raw_body = {
            let mut state = self.lock();
            if let Some(request) = &state.request {
                // Made meanwhile, by another thread this request's context was copied to.
                return Ok(request.clone_ref(py));
            }
            state.request = Some(made.clone().unbind());
            state.raw_body.as_ref().map(|raw| raw.clone_ref(py))
        };
        if let Some(raw) = raw_body {
            made.setattr(intern!(py, "cached_body"), raw)?;
        }
        Ok(made.unbind())
    }

    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(slf: &Bound<'_, Self>) -> PyResult<Option<Py<PyAny>>> {
        Self::step(slf, &slf.py().None().into_bound(slf.py()))
    }

    /// Resume with `value`, as `coroutine.send`.
    fn send(slf: &Bound<'_, Self>, value: Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match Self::step(slf, &value)? {
            Some(yielded) => Ok(yielded),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    /// Raise an exception where the request waits, as `coroutine.throw`.
    #[pyo3(signature = (*args))]
    fn throw(&self, py: Python<'_>, args: Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let coroutine = self
            .lock()
            .coroutine
            .as_ref()
            .map(|coroutine| coroutine.bind(py).clone());
        let Some(coroutine) = coroutine else {
            return Err(PyErr::from_value(args.get_item(0)?));
        };
        let outcome = throw(py, &coroutine, &args);
        match self.advance(py, outcome)? {
            Some(yielded) => Ok(yielded),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    /// Close the coroutine the request waits in, as `coroutine.close`.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let coroutine = {
            let mut state = self.lock();
            state.stage = Stage::Done;
            state.coroutine.take()
        };
        match coroutine {
            Some(coroutine) => coroutine
                .bind(py)
                .call_method0(intern!(py, "close"))
                .map(drop),
            None => Ok(()),
        }
    }
}
