//! The Hà Nội reference data shared by the integration tests: `../shared/data/hanoi`, or the
//! folder named by `BINHYEN_UNITS`, loaded once per test binary.

use std::path::PathBuf;
use std::sync::OnceLock;

use domain::units::UnitDirectory;

pub fn data_dir() -> PathBuf {
    std::env::var_os("BINHYEN_UNITS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/hanoi"
            ))
        })
}

pub fn hanoi() -> &'static UnitDirectory {
    static DIR: OnceLock<UnitDirectory> = OnceLock::new();
    DIR.get_or_init(|| UnitDirectory::load(&data_dir()).expect("Hà Nội units load"))
}

/// The code of the unit with this full name.
pub fn code_of(name: &str) -> String {
    hanoi()
        .units()
        .iter()
        .find(|u| u.full_name == name)
        .unwrap_or_else(|| panic!("no unit named {name}"))
        .code
        .clone()
}
