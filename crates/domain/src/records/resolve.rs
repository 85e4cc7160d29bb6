//! Address-to-unit resolution, as a seam: the checks ask "which unit owns this address?" and the
//! caller answers with its own jurisdiction (gazetteer, old-ward mapping, geocoder, …).

use super::fxhash::FxHashSet;
use std::borrow::Cow;

/// Tells which commune/ward unit an address belongs to.
pub trait AddressResolver {
    /// The code of the unit owning `address`, or `None` when the address cannot be placed.
    /// Borrowing from the resolver avoids an allocation per address in large checks.
    fn resolve(&self, address: &str) -> Option<Cow<'_, str>>;
}

impl<F> AddressResolver for F
where
    F: Fn(&str) -> Option<String>,
{
    fn resolve(&self, address: &str) -> Option<Cow<'_, str>> {
        self(address).map(Cow::Owned)
    }
}

/// Resolves addresses whose last comma-separated part is a known unit code, e.g.
/// `"Số 12, ngõ 45, phố Hoa Lư, 00070"` → `00070`.
///
/// This is the address form written by the synthetic-data generator; real addresses need the
/// server's jurisdiction resolver.
#[derive(Debug, Clone, Default)]
pub struct UnitSuffixResolver {
    units: FxHashSet<String>,
}

impl UnitSuffixResolver {
    /// A resolver knowing these unit codes.
    pub fn new<I, S>(units: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        UnitSuffixResolver {
            units: units.into_iter().map(Into::into).collect(),
        }
    }
}

impl AddressResolver for UnitSuffixResolver {
    fn resolve(&self, address: &str) -> Option<Cow<'_, str>> {
        let last = address.rsplit(',').next()?.trim();
        self.units.get(last).map(|u| Cow::Borrowed(u.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_resolver_reads_the_last_part() {
        let r = UnitSuffixResolver::new(["00070", "00004"]);
        assert_eq!(
            r.resolve("Số 1, phố Hàng Bạc, 00070").as_deref(),
            Some("00070")
        );
        assert_eq!(r.resolve("Số 1, phố Hàng Bạc"), None);
        assert_eq!(r.resolve(""), None);
    }

    #[test]
    fn closures_are_resolvers() {
        let r = |a: &str| a.contains("Ba Đình").then(|| "00004".to_string());
        assert_eq!(r.resolve("phường Ba Đình").as_deref(), Some("00004"));
    }
}
