//! Instances of a `__slots__` class made without running its Python `__init__`: what a
//! fresh instance holds is fixed (the same shared objects in the same slots), so Rust
//! writes those and the values of the instance's own fields into a zeroed object.
//!
//! A class qualifies only when its instances are nothing but object slots: `object` as
//! its only base, no `__dict__` or `__weakref__`, no `__new__` of its own, the default
//! allocator. Anything else is made by calling the class.

use std::ffi::{c_int, CStr};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

/// Where a qualifying class keeps its slots, and what every new instance holds.
pub struct Layout {
    cls: Py<PyType>,
    /// `(offset, object)`: the shared objects every instance starts with.
    preset: Vec<(isize, Py<PyAny>)>,
    /// The offsets of the fields `make` is given, in order.
    fields: Vec<isize>,
}

impl Layout {
    /// The layout of `cls` whose instances start with `preset` (slot name to object) and
    /// take `fields` (slot names) one by one; `None` when `cls` does not qualify.
    pub fn of(
        cls: &Bound<'_, PyType>,
        preset: &Bound<'_, PyDict>,
        fields: &[&str],
    ) -> PyResult<Option<Self>> {
        let py = cls.py();
        let object = py.import("builtins")?.getattr("object")?;
        let plain = cls.getattr("__bases__")?.len()? == 1
            && cls.getattr("__base__")?.is(&object)
            && cls.getattr("__dictoffset__")?.extract::<isize>()? == 0
            && cls.getattr("__weakrefoffset__")?.extract::<isize>()? == 0
            && cls.getattr("__itemsize__")?.extract::<isize>()? == 0
            && cls.getattr("__new__")?.is(object.getattr("__new__")?);
        if !plain {
            return Ok(None);
        }
        let type_ptr = cls.as_type_ptr();
        // SAFETY: a live type object; PyType_GetSlot reads its slots (limited API, 3.10+).
        let (alloc, members) = unsafe {
            (
                ffi::PyType_GetSlot(type_ptr, ffi::Py_tp_alloc),
                ffi::PyType_GetSlot(type_ptr, ffi::Py_tp_members) as *const ffi::PyMemberDef,
            )
        };
        if alloc != ffi::PyType_GenericAlloc as *mut std::ffi::c_void || members.is_null() {
            return Ok(None);
        }
        let mut offsets = Vec::new();
        // SAFETY: tp_members is an array ending with a member without a name.
        unsafe {
            let mut member = members;
            while !(*member).name.is_null() {
                let name = CStr::from_ptr((*member).name).to_str().unwrap_or("");
                offsets.push((
                    name.to_owned(),
                    (*member).type_code,
                    (*member).flags,
                    (*member).offset,
                ));
                member = member.add(1);
            }
        }
        let header = std::mem::size_of::<ffi::PyObject>() as isize;
        let pointer = std::mem::size_of::<*mut ffi::PyObject>() as isize;
        let basic_size = cls.getattr("__basicsize__")?.extract::<isize>()?;
        let only_objects = offsets
            .iter()
            .all(|(_, code, flags, _)| *code == ffi::Py_T_OBJECT_EX && *flags == 0 as c_int);
        if !only_objects || header + pointer * offsets.len() as isize != basic_size {
            return Ok(None);
        }
        let offset_of = |name: &str| {
            offsets
                .iter()
                .find(|(slot, ..)| slot == name)
                .map(|(.., offset)| *offset)
        };
        let mut layout = Layout {
            cls: cls.clone().unbind(),
            preset: Vec::new(),
            fields: Vec::new(),
        };
        for field in fields {
            let Some(offset) = offset_of(field) else {
                return Ok(None);
            };
            layout.fields.push(offset);
        }
        for (name, value) in preset.iter() {
            let Some(offset) = offset_of(name.cast::<PyString>()?.to_str()?) else {
                return Ok(None);
            };
            layout.preset.push((offset, value.unbind()));
        }
        Ok(Some(layout))
    }

    /// A new instance holding the preset objects and `values`, one per field.
    pub fn make<'py>(
        &self,
        py: Python<'py>,
        values: &[&Bound<'py, PyAny>],
    ) -> PyResult<Bound<'py, PyAny>> {
        assert_eq!(values.len(), self.fields.len(), "one value per field");
        // SAFETY: `of` checked that an instance is an object header followed by object
        // slots at these offsets, and that PyType_GenericAlloc makes it (zeroed); each
        // slot receives a new reference, which the instance's deallocator releases.
        unsafe {
            let instance = ffi::PyType_GenericAlloc(self.cls.as_ptr().cast(), 0);
            if instance.is_null() {
                return Err(PyErr::fetch(py));
            }
            let base = instance.cast::<u8>();
            let store = |offset: isize, value: *mut ffi::PyObject| {
                ffi::Py_IncRef(value);
                *base.offset(offset).cast::<*mut ffi::PyObject>() = value;
            };
            for (offset, value) in &self.preset {
                store(*offset, value.as_ptr());
            }
            for (offset, value) in self.fields.iter().zip(values) {
                store(*offset, value.as_ptr());
            }
            Ok(Bound::from_owned_ptr(py, instance))
        }
    }
}
