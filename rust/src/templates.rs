//! A minijinja environment that renders the Jinja2 subset Gobstopper's checker admits
//! (`gobstopper/templating_rust.py`) with Jinja2's exact output.
//!
//! Python values keep Python semantics: strings, numbers, booleans and `None` become
//! minijinja values, everything else stays a Python object reached through [`PyValue`]
//! (attribute and item lookup, calls, truthiness and `str()` all run in Python). Output
//! is formatted the way Jinja2 prints (`True`, `None`, Python float repr) and escaped the
//! way markupsafe escapes.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use minijinja::value::{DynObject, Enumerator, Object, ObjectRepr, Rest, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State};
use pyo3::exceptions::{PyAttributeError, PyLookupError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::pyrepr::{escape_html, float_repr};

pyo3::create_exception!(
    _native,
    TemplateError,
    PyRuntimeError,
    "A template the Rust engine could not render."
);

thread_local! {
    /// A Python exception raised where minijinja cannot return one (attribute lookups);
    /// it fails the render afterwards, so Jinja2 can raise it properly.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

fn remember(error: PyErr) {
    PENDING.with(|pending| {
        pending.borrow_mut().get_or_insert(error);
    });
}

fn py_error(error: PyErr) -> Error {
    let message = Python::attach(|py| error.value(py).to_string());
    remember(error);
    Error::new(ErrorKind::InvalidOperation, message)
}

static MARKUP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn markup(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(MARKUP
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("markupsafe")?.getattr("Markup")?.unbind())
        })?
        .bind(py))
}

/// A Python object seen from a template.
struct PyValue {
    object: Py<PyAny>,
    repr: ObjectRepr,
}

impl fmt::Debug for PyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<python object>")
    }
}

/// Which exceptions of a lookup step mean "not there" (Jinja2's `Environment.getattr`
/// and `getitem`); any other exception fails the render.
#[derive(Clone, Copy)]
enum Step {
    /// `getattr(obj, name)`: AttributeError.
    Attribute,
    /// `obj[key]` after a failed `getattr`: TypeError, LookupError.
    ItemAfterAttribute,
    /// `obj[key]` tried first: AttributeError, TypeError, LookupError.
    Item,
}

fn means_missing(py: Python<'_>, error: &PyErr, step: Step) -> bool {
    let attribute = error.is_instance_of::<PyAttributeError>(py);
    let item = error.is_instance_of::<PyTypeError>(py) || error.is_instance_of::<PyLookupError>(py);
    match step {
        Step::Attribute => attribute,
        Step::ItemAfterAttribute => item,
        Step::Item => attribute || item,
    }
}

/// `Some(value)`, `None` for a failed lookup Jinja2 would call undefined, or a pending
/// error for anything else.
fn looked_up(
    py: Python<'_>,
    result: PyResult<Bound<'_, PyAny>>,
    step: Step,
) -> Result<Option<Value>, ()> {
    match result {
        Ok(found) => match to_value(&found) {
            Ok(value) => Ok(Some(value)),
            Err(error) => {
                remember(error);
                Err(())
            }
        },
        Err(error) if means_missing(py, &error, step) => Ok(None),
        Err(error) => {
            remember(error);
            Err(())
        }
    }
}

impl Object for PyValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        self.repr
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Python::attach(|py| {
            let object = self.object.bind(py);
            let name = key.as_str();
            let by_item = |step| -> Result<Option<Value>, ()> {
                let py_key = to_py(py, key).map_err(remember)?;
                looked_up(py, object.get_item(py_key), step)
            };
            let by_attribute = || match name {
                Some(name) => looked_up(py, object.getattr(name), Step::Attribute),
                None => Ok(None),
            };
            // Jinja2's order: mappings by key first, everything else by attribute first.
            let found = match (self.repr, name) {
                (ObjectRepr::Map, _) => match by_item(Step::Item) {
                    Ok(None) => by_attribute(),
                    other => other,
                },
                (_, Some(_)) => match by_attribute() {
                    Ok(None) => by_item(Step::ItemAfterAttribute),
                    other => other,
                },
                (_, None) => by_item(Step::Item),
            };
            found.ok().flatten()
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Python::attach(|py| {
            let object = self.object.bind(py);
            match self.repr {
                ObjectRepr::Seq => match object.len() {
                    Ok(length) => Enumerator::Seq(length),
                    Err(error) => {
                        remember(error);
                        Enumerator::NonEnumerable
                    }
                },
                ObjectRepr::Map => {
                    let keys: PyResult<Vec<Value>> = object.try_iter().and_then(|keys| {
                        keys.map(|key| key.and_then(|key| to_value(&key))).collect()
                    });
                    match keys {
                        Ok(keys) => Enumerator::Values(keys),
                        Err(error) => {
                            remember(error);
                            Enumerator::NonEnumerable
                        }
                    }
                }
                ObjectRepr::Iterable => {
                    // Iterated anew each time, as Jinja2 would: a generator runs out once.
                    let items: PyResult<Vec<Value>> = object.try_iter().and_then(|items| {
                        items
                            .map(|item| item.and_then(|item| to_value(&item)))
                            .collect()
                    });
                    match items {
                        Ok(items) => Enumerator::Values(items),
                        Err(error) => {
                            remember(error);
                            Enumerator::NonEnumerable
                        }
                    }
                }
                _ => Enumerator::NonEnumerable,
            }
        })
    }

    fn is_true(self: &Arc<Self>) -> bool {
        Python::attach(|py| {
            self.object.bind(py).is_truthy().unwrap_or_else(|error| {
                remember(error);
                false
            })
        })
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        Python::attach(|py| call_python(py, self.object.bind(py), args))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        Python::attach(|py| {
            let function = self.object.bind(py).getattr(method).map_err(py_error)?;
            call_python(py, &function, args)
        })
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        let other = other.downcast_ref::<Self>()?;
        Python::attach(|py| {
            let (left, right) = (self.object.bind(py), other.object.bind(py));
            if left.eq(right).ok()? {
                Some(Ordering::Equal)
            } else if left.lt(right).ok()? {
                Some(Ordering::Less)
            } else {
                Some(Ordering::Greater)
            }
        })
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Python::attach(|py| match self.object.bind(py).str() {
            Ok(text) => f.write_str(&text.to_string_lossy()),
            Err(error) => {
                remember(error);
                Err(fmt::Error)
            }
        })
    }
}

fn call_python(
    py: Python<'_>,
    function: &Bound<'_, PyAny>,
    args: &[Value],
) -> Result<Value, Error> {
    let mut positional = Vec::with_capacity(args.len());
    let keywords = PyDict::new(py);
    for arg in args {
        if arg.is_kwargs() {
            for key in arg.try_iter()? {
                let value = arg.get_item(&key)?;
                keywords
                    .set_item(
                        to_py(py, &key).map_err(py_error)?,
                        to_py(py, &value).map_err(py_error)?,
                    )
                    .map_err(py_error)?;
            }
        } else {
            positional.push(to_py(py, arg).map_err(py_error)?);
        }
    }
    let positional = PyTuple::new(py, positional).map_err(py_error)?;
    let result = function
        .call(positional, Some(&keywords))
        .map_err(py_error)?;
    if result.hasattr("__await__").map_err(py_error)? {
        // Jinja2 would await what the call returned; the render goes to Jinja2, which
        // calls again, so this one is closed unawaited (without a warning).
        if result.hasattr("close").map_err(py_error)? {
            result.call_method0("close").map_err(py_error)?;
        }
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "a template called a coroutine function",
        ));
    }
    to_value(&result).map_err(py_error)
}

fn wrap(object: &Bound<'_, PyAny>, repr: ObjectRepr) -> Value {
    Value::from_object(PyValue {
        object: object.clone().unbind(),
        repr,
    })
}

/// A Python value as a template value: plain data converted, everything else wrapped.
fn to_value(object: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(text) = object.cast_exact::<PyString>() {
        return Ok(Value::from(text.to_str()?));
    }
    if object.is_none() {
        return Ok(Value::from(()));
    }
    if let Ok(flag) = object.cast_exact::<PyBool>() {
        return Ok(Value::from(flag.is_true()));
    }
    if object.is_exact_instance_of::<PyInt>() {
        if let Ok(number) = object.extract::<i64>() {
            return Ok(Value::from(number));
        }
        if let Ok(number) = object.extract::<i128>() {
            return Ok(Value::from(number));
        }
        return Ok(wrap(object, ObjectRepr::Plain));
    }
    if let Ok(number) = object.cast_exact::<PyFloat>() {
        return Ok(Value::from(number.value()));
    }
    if object.is_exact_instance_of::<PyList>() || object.is_exact_instance_of::<PyTuple>() {
        return Ok(wrap(object, ObjectRepr::Seq));
    }
    if object.is_instance_of::<PyDict>() {
        return Ok(wrap(object, ObjectRepr::Map));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        return Ok(wrap(object, ObjectRepr::Seq));
    }
    if let Ok(text) = object.cast::<PyString>() {
        // Markup (a str with __html__) is the same text whether escaping or not.
        if object.hasattr("__html__")? {
            return Ok(Value::from_safe_string(text.to_str()?.to_owned()));
        }
        return Ok(Value::from(object.str()?.to_str()?));
    }
    if object.hasattr("__await__")? {
        // Jinja2's async mode awaits it; only Jinja2 can render this. Jinja2 reads the
        // value again, so a coroutine read here is closed (without an unawaited warning).
        if object.hasattr("close")? {
            object.call_method0("close")?;
        }
        return Err(TemplateError::new_err("an awaitable reached the template"));
    }
    if object.hasattr("__iter__")? {
        return Ok(wrap(object, ObjectRepr::Iterable));
    }
    Ok(wrap(object, ObjectRepr::Plain))
}

/// A template value as the Python value Jinja2 would have had.
fn to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    if let Some(wrapped) = value.downcast_object_ref::<PyValue>() {
        return Ok(wrapped.object.clone_ref(py));
    }
    Ok(match value.kind() {
        ValueKind::None => py.None(),
        ValueKind::Bool => PyBool::new(py, value.is_true())
            .to_owned()
            .into_any()
            .unbind(),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            if value.is_safe() {
                markup(py)?.call1((text,))?.unbind()
            } else {
                PyString::new(py, text).into_any().unbind()
            }
        }
        ValueKind::Number if value.is_integer() => match i64::try_from(value.clone()) {
            Ok(number) => number.into_pyobject(py)?.into_any().unbind(),
            Err(_) => py.get_type::<PyInt>().call1((value.to_string(),))?.unbind(),
        },
        ValueKind::Number => f64::try_from(value.clone())
            .map_err(|error| TemplateError::new_err(error.to_string()))?
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        ValueKind::Seq => {
            let items = value
                .try_iter()
                .map_err(|error| TemplateError::new_err(error.to_string()))?
                .map(|item| to_py(py, &item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any().unbind()
        }
        ValueKind::Map => {
            let map = PyDict::new(py);
            let keys = value
                .try_iter()
                .map_err(|error| TemplateError::new_err(error.to_string()))?;
            for key in keys {
                let item = value
                    .get_item(&key)
                    .map_err(|error| TemplateError::new_err(error.to_string()))?;
                map.set_item(to_py(py, &key)?, to_py(py, &item)?)?;
            }
            map.into_any().unbind()
        }
        other => {
            return Err(TemplateError::new_err(format!(
                "a {other} value cannot reach Python"
            )))
        }
    })
}

/// What Jinja2 prints for `value`, and whether that text is already markup.
fn python_text(value: &Value, escaping: bool) -> Result<(String, bool), Error> {
    if value.is_safe() {
        return Ok((value.as_str().unwrap_or_default().to_owned(), true));
    }
    Ok(match value.kind() {
        ValueKind::Undefined => (String::new(), false),
        ValueKind::None => ("None".to_owned(), false),
        ValueKind::Bool => (
            (if value.is_true() { "True" } else { "False" }).to_owned(),
            false,
        ),
        ValueKind::String => (value.as_str().unwrap_or_default().to_owned(), false),
        ValueKind::Number if value.is_integer() => (value.to_string(), false),
        ValueKind::Number => (float_repr(f64::try_from(value.clone())?), false),
        _ => Python::attach(|py| -> PyResult<(String, bool)> {
            let object = to_py(py, value)?;
            let object = object.bind(py);
            if escaping && object.hasattr("__html__")? {
                return Ok((
                    object.call_method0("__html__")?.str()?.to_str()?.to_owned(),
                    true,
                ));
            }
            Ok((object.str()?.to_str()?.to_owned(), false))
        })
        .map_err(py_error)?,
    })
}

fn escaping(state: &State<'_, '_>) -> bool {
    !matches!(state.auto_escape(), AutoEscape::None)
}

fn format(out: &mut Output<'_>, state: &mut State<'_, '_>, value: &Value) -> Result<(), Error> {
    let escape = escaping(state);
    if let (Some(text), false) = (value.as_str(), value.is_safe()) {
        if value.kind() == ValueKind::String {
            return if escape {
                escape_html(out, text)
            } else {
                out.write_str(text)
            }
            .map_err(Error::from);
        }
    }
    let (text, safe) = python_text(value, escape)?;
    if escape && !safe {
        escape_html(out, &text)
    } else {
        out.write_str(&text)
    }
    .map_err(Error::from)
}

/// Jinja2's `escape`: markup stays as it is, anything else is escaped text.
fn escape_filter(value: Value) -> Result<Value, Error> {
    let (text, safe) = python_text(&value, true)?;
    if safe {
        return Ok(Value::from_safe_string(text));
    }
    let mut escaped = String::with_capacity(text.len());
    escape_html(&mut escaped, &text).map_err(Error::from)?;
    Ok(Value::from_safe_string(escaped))
}

fn safe_filter(value: Value) -> Result<Value, Error> {
    Ok(Value::from_safe_string(python_text(&value, true)?.0))
}

fn length_filter(value: Value) -> Result<Value, Error> {
    if let Some(text) = value.as_str() {
        return Ok(Value::from(text.chars().count()));
    }
    value
        .len()
        .map(Value::from)
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "object has no len()"))
}

/// Jinja2's `default(value, default_value='', boolean=False)`.
fn default_filter(value: Value, args: Rest<Value>) -> Result<Value, Error> {
    if args.len() > 2 {
        return Err(Error::from(ErrorKind::TooManyArguments));
    }
    let boolean = args.get(1).is_some_and(Value::is_true);
    if value.is_undefined() || (boolean && !value.is_true()) {
        Ok(args.first().cloned().unwrap_or_else(|| Value::from("")))
    } else {
        Ok(value)
    }
}

/// A `str` method of Python applied to Jinja2's `soft_str(value)`; markup stays markup.
fn string_method(value: Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    let (text, safe) = python_text(&value, false)?;
    Python::attach(|py| -> PyResult<Value> {
        let args = args
            .iter()
            .map(|arg| to_py(py, arg))
            .collect::<PyResult<Vec<_>>>()?;
        let result = PyString::new(py, &text).call_method1(method, PyTuple::new(py, args)?)?;
        let result = result.cast_into::<PyString>()?;
        let result = result.to_str()?.to_owned();
        Ok(if safe {
            Value::from_safe_string(result)
        } else {
            Value::from(result)
        })
    })
    .map_err(py_error)
}

/// The template environment of one application: sources come from `loader(name)`, which
/// returns the (already checked) source or `None`.
#[pyclass(module = "gobstopper_core._native", name = "TemplateEngine")]
pub struct TemplateEngine {
    environment: Environment<'static>,
}

#[pymethods]
impl TemplateEngine {
    #[new]
    fn new(loader: Py<PyAny>, autoescape_extensions: Vec<String>) -> Self {
        let mut environment = Environment::new();
        environment.set_auto_reload(false);
        environment.set_loader(move |name: &str| {
            Python::attach(|py| -> PyResult<Option<String>> {
                loader.call1(py, (name,))?.extract(py)
            })
            .map_err(py_error)
        });
        environment.set_auto_escape_callback(move |name: &str| {
            let extension = name
                .rsplit_once('.')
                .map(|(_, extension)| extension.to_ascii_lowercase());
            match extension {
                Some(extension) if autoescape_extensions.contains(&extension) => AutoEscape::Html,
                _ => AutoEscape::None,
            }
        });
        environment.set_formatter(format);
        // Methods of strings, numbers and literals are those of the Python value.
        environment.set_unknown_method_callback(|_state, value, method, args| {
            Python::attach(|py| {
                let object = to_py(py, value).map_err(py_error)?;
                let function = object.bind(py).getattr(method).map_err(py_error)?;
                call_python(py, &function, args)
            })
        });
        environment.add_filter("escape", escape_filter);
        environment.add_filter("e", escape_filter);
        environment.add_filter("safe", safe_filter);
        environment.add_filter("length", length_filter);
        environment.add_filter("count", length_filter);
        environment.add_filter("default", default_filter);
        environment.add_filter("d", default_filter);
        environment.add_filter("upper", |value: Value| string_method(value, "upper", &[]));
        environment.add_filter("lower", |value: Value| string_method(value, "lower", &[]));
        environment.add_filter("trim", |value: Value, chars: Option<Value>| {
            string_method(value, "strip", chars.as_slice())
        });
        TemplateEngine { environment }
    }

    /// Render the template `name` with the variables of `context` (a dict).
    fn render(&self, name: &str, context: &Bound<'_, PyDict>) -> PyResult<String> {
        PENDING.with(|pending| pending.borrow_mut().take());
        let mut variables = Vec::with_capacity(context.len());
        for (key, value) in context.iter() {
            variables.push((
                key.cast_into::<PyString>()?.to_str()?.to_owned(),
                to_value(&value)?,
            ));
        }
        let result = self
            .environment
            .get_template(name)
            .and_then(|template| template.render(Value::from_pairs(variables)));
        if let Some(error) = PENDING.with(|pending| pending.borrow_mut().take()) {
            return Err(error);
        }
        result.map_err(|error| TemplateError::new_err(format!("{error:#}")))
    }

    /// Make the filter `name` call the Python function `function(value, *args)`.
    fn add_filter(&mut self, name: String, function: Py<PyAny>) {
        self.environment
            .add_filter(name, move |value: Value, args: Rest<Value>| {
                let mut arguments = Vec::with_capacity(args.len() + 1);
                arguments.push(value);
                arguments.extend(args.iter().cloned());
                Python::attach(|py| call_python(py, function.bind(py), &arguments))
            });
    }

    /// Forget every compiled template (after a source changed).
    fn clear(&mut self) {
        self.environment.clear_templates();
    }
}
