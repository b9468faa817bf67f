//! `gobstopper_core._native`: the optional Rust accelerators of Gobstopper.
//!
//! Each component mirrors a pure-Python implementation in the `gobstopper` runtime and
//! passes the same test vectors; the runtime picks this module when it is importable and
//! `GOBSTOPPER_NO_RUST` is unset.

use pyo3::prelude::*;

mod dispatch;
mod jsondepth;
mod pyrepr;
mod router;
mod slotted;
mod statics;
mod templates;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<dispatch::Dispatcher>()?;
    module.add_class::<dispatch::Handling>()?;
    module.add_function(wrap_pyfunction!(jsondepth::json_nests_deeper, module)?)?;
    module.add_class::<router::Router>()?;
    module.add_class::<statics::StaticFiles>()?;
    module.add_class::<templates::TemplateEngine>()?;
    module.add(
        "TemplateError",
        module.py().get_type::<templates::TemplateError>(),
    )?;
    Ok(())
}
