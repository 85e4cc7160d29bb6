//! The OpenAPI description, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bình Yên API",
        description = "Command information center for a city police force: units and jurisdiction, \
                       accounts, audit. Every error has the shape {\"error\":{\"code\",\"message\"}}."
    ),
    paths(
        crate::auth::login,
        crate::auth::logout,
        crate::auth::me,
        crate::api::users::list,
        crate::api::users::create,
        crate::api::units::list,
        crate::api::units::get,
        crate::api::units::boundary,
        crate::api::units::all_boundaries,
        crate::api::units::jurisdiction,
        crate::api::units::map_streets,
        crate::api::units::map_places,
        crate::api::units::map_search,
        crate::api::units::organisation,
        crate::api::audit::list,
        crate::api::health::healthz,
        crate::api::health::readyz,
        crate::api::health::metrics,
    ),
    components(schemas(
        // Query parameters of other areas refer to these by name.
        crate::api::accountability::Format,
        crate::api::accountability::LangParam,
        crate::api::facilities::ImportMode,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = []))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Each area's part of the document: the foundation's paths first.
fn parts() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        ApiDoc::openapi(),
        crate::api::assistant::Doc::openapi(),
        crate::api::facilities::Doc::openapi(),
        crate::api::devices::Doc::openapi(),
        crate::api::records::openapi(),
        crate::api::incidents::Doc::openapi(),
        crate::api::duplicates_check::Doc::openapi(),
        crate::api::incident_classification::Doc::openapi(),
        crate::api::incident_casualties::Doc::openapi(),
        crate::api::vocabulary::Doc::openapi(),
        crate::api::fire_report::Doc::openapi(),
        crate::api::calls::Doc::openapi(),
        crate::api::response_plans::Doc::openapi(),
        crate::api::resources::Doc::openapi(),
        crate::api::avl::Doc::openapi(),
        crate::api::incident_photos::Doc::openapi(),
        crate::api::feed::Doc::openapi(),
        crate::api::public_reports::Doc::openapi(),
        crate::api::accountability::tasks::Doc::openapi(),
        crate::api::accountability::campaigns::Doc::openapi(),
        crate::api::accountability::cases::Doc::openapi(),
        crate::api::accountability::crime_reports::Doc::openapi(),
        crate::api::accountability::case_import::Doc::openapi(),
        crate::api::accountability::stats::Doc::openapi(),
        crate::api::alarm_queue::Doc::openapi(),
        crate::api::users::Doc::openapi(),
        crate::api::water_sources::Doc::openapi(),
        crate::api::notifications::Doc::openapi(),
    ]
}

/// The whole OpenAPI document: the areas' parts merged (a schema name is one shape: the
/// tests check that two areas never describe different shapes under one name).
pub fn document() -> utoipa::openapi::OpenApi {
    let mut parts = parts().into_iter();
    let mut doc = parts.next().unwrap_or_else(ApiDoc::openapi);
    for part in parts {
        doc.merge(part);
    }
    name_operations(&mut doc);
    doc
}

/// Gives every operation a unique id from its method and path (`get_api_incidents_id`): the
/// handlers' own names repeat across areas (`list`, `get_one`), and OpenAPI requires ids to be
/// unique.
fn name_operations(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let slug: String = path
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        for (method, op) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
            ("head", &mut item.head),
            ("options", &mut item.options),
            ("trace", &mut item.trace),
        ] {
            if let Some(op) = op {
                op.operation_id = Some(format!("{method}_{slug}"));
            }
        }
    }
}

/// The OpenAPI document, built once.
pub async fn spec() -> impl IntoResponse {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    axum::Json(
        DOC.get_or_init(|| serde_json::to_value(document()).unwrap_or_default())
            .clone(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Fields that are free-form by nature: a GeoJSON geometry and its properties, the
    /// changes of a timeline and of the audit trail (their keys depend on the kind of change),
    /// the components of an EIDO document (the standard's own schema). Any other field must
    /// name its shape.
    const FREE_FORM: &[&str] = &[
        "AuditRecord.summary",
        "GeoFeature.geometry",
        "GeoFeature.properties",
        "GeoFeatureCollection.properties",
        "TimelineEntry.change",
    ];
    /// Schemas of other standards, described by name and left to them.
    const STANDARD_SCHEMAS: &[&str] = &["EidoDocument"];

    /// Whether a response schema names its fields: a reference to a component, an array of
    /// typed items, or an object with properties (a free-form `Object` is not typed).
    fn typed(schema: &Value) -> bool {
        if schema.get("$ref").is_some() || schema.get("allOf").is_some() {
            return true;
        }
        if let Some(items) = schema.get("items") {
            return typed(items);
        }
        // `type` is a name, or a list of names for a field that may be null.
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"object") {
            return schema.get("properties").is_some()
                || schema
                    .get("additionalProperties")
                    .is_some_and(|a| a.is_object() && typed(a));
        }
        if !types.is_empty() {
            return true;
        }
        ["oneOf", "anyOf"].iter().any(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .is_some_and(|list| {
                    list.iter()
                        .all(|s| s.get("type") == Some(&Value::from("null")) || typed(s))
                })
        })
    }

    #[test]
    fn no_two_areas_describe_different_shapes_under_one_name() {
        let mut seen: std::collections::HashMap<String, Value> = Default::default();
        for part in super::parts() {
            let part = serde_json::to_value(part).expect("a part serialises");
            for (name, schema) in part["components"]["schemas"]
                .as_object()
                .into_iter()
                .flatten()
            {
                if let Some(earlier) = seen.insert(name.clone(), schema.clone()) {
                    assert_eq!(&earlier, schema, "two shapes are named {name}");
                }
            }
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = serde_json::to_value(super::document()).expect("the document serialises");
        let mut seen = std::collections::HashSet::new();
        for item in doc["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("a path item").values() {
                if let Some(id) = op["operationId"].as_str() {
                    assert!(seen.insert(id.to_owned()), "operation id {id} twice");
                }
            }
        }
        assert!(seen.len() > 150, "{} ids", seen.len());
    }

    #[test]
    fn every_operation_documents_its_answers() {
        let doc = serde_json::to_value(super::document()).expect("the document serialises");
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                let answers = op["responses"].as_object().map_or(0, |r| r.len());
                assert!(answers > 0, "{method} {path} documents no answer");
            }
        }
    }

    #[test]
    fn every_successful_answer_has_a_typed_schema_and_every_reference_resolves() {
        let doc = serde_json::to_value(super::document()).expect("the document serialises");
        let mut untyped = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                    continue;
                };
                for (status, response) in responses {
                    if !status.starts_with('2') {
                        continue;
                    }
                    for media in response["content"].as_object().into_iter().flatten() {
                        let (kind, body) = media;
                        let schema = &body["schema"];
                        if kind.contains("json") && !schema.is_null() && !typed(schema) {
                            untyped.push(format!("{} {path}", method.to_uppercase()));
                        }
                    }
                }
            }
        }
        untyped.sort();
        untyped.dedup();
        assert_eq!(
            untyped,
            Vec::<String>::new(),
            "answers without a typed schema"
        );

        // Inside the described shapes, a field is free-form only where it has to be.
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        let mut free = Vec::new();
        for (name, schema) in schemas {
            if STANDARD_SCHEMAS.contains(&name.as_str()) {
                continue;
            }
            for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                if !typed(property) {
                    free.push(format!("{name}.{field}"));
                }
            }
        }
        free.sort();
        assert_eq!(free, FREE_FORM, "fields without a described shape");

        let text = doc.to_string();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but not described"
            );
        }
    }

    /// Every field a client can receive, as `Schema.field: type` lines, from the schemas
    /// reachable from a successful answer. A field reaches clients only once this list names
    /// it: a field added to a type that is answered (a view, or a domain value type inside
    /// one) fails here until `docs/api-fields.txt` is rewritten with `BINHYEN_BLESS=1` and the
    /// change is reviewed as a change of the API.
    #[test]
    fn every_field_a_client_receives_is_in_the_committed_list() {
        let doc = serde_json::to_value(super::document()).expect("the document serialises");
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        let mut lines = std::collections::BTreeSet::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut todo: Vec<(String, Value)> = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for op in item.as_object().expect("a path item").values() {
                let id = op["operationId"].as_str().unwrap_or(path).to_owned();
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    if !status.starts_with('2') {
                        continue;
                    }
                    for (kind, body) in response["content"].as_object().into_iter().flatten() {
                        if kind.contains("json") {
                            todo.push((format!("({id})"), body["schema"].clone()));
                        }
                    }
                }
            }
        }
        while let Some((owner, schema)) = todo.pop() {
            if let Some(name) = schema["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                if seen.insert(name.to_owned()) {
                    todo.push((name.to_owned(), schemas[name].clone()));
                }
                continue;
            }
            for key in ["allOf", "oneOf", "anyOf"] {
                for part in schema[key].as_array().into_iter().flatten() {
                    todo.push((owner.clone(), part.clone()));
                }
            }
            for key in ["items", "additionalProperties"] {
                if schema[key].is_object() {
                    todo.push((owner.clone(), schema[key].clone()));
                }
            }
            for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                lines.insert(format!("{owner}.{field}: {}", shape(property)));
                todo.push((owner.clone(), property.clone()));
            }
        }
        let listed: String = lines.into_iter().map(|l| l + "\n").collect();
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api-fields.txt");
        const HEADER: &str = "# Every field the API answers with, by schema (see docs/api.md).\n\
            # Generated from the OpenAPI document; a test keeps it equal.\n";
        if std::env::var_os("BINHYEN_BLESS").is_some() {
            std::fs::write(&path, format!("{HEADER}{listed}")).expect("list written");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let committed: std::collections::BTreeSet<&str> =
            committed.lines().filter(|l| !l.starts_with('#')).collect();
        let served: std::collections::BTreeSet<&str> = listed.lines().collect();
        let added: Vec<_> = served.difference(&committed).collect();
        let gone: Vec<_> = committed.difference(&served).collect();
        assert!(
            added.is_empty() && gone.is_empty(),
            "the fields clients receive changed; review, then BINHYEN_BLESS=1 rewrites \
             docs/api-fields.txt\nadded: {added:#?}\ngone: {gone:#?}"
        );
    }

    /// A field's shape in a word: the schema it names, or its type (with `[]` for a list).
    fn shape(schema: &Value) -> String {
        if let Some(r) = schema["$ref"].as_str() {
            return r.trim_start_matches("#/components/schemas/").to_owned();
        }
        if schema["items"].is_object() {
            return format!("{}[]", shape(&schema["items"]));
        }
        for (key, join) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
            if let Some(parts) = schema[key].as_array() {
                let named: Vec<String> = parts
                    .iter()
                    .filter(|p| p["type"] != "null")
                    .map(shape)
                    .collect();
                let nullable = named.len() < parts.len();
                return format!("{}{}", named.join(join), if nullable { "?" } else { "" });
            }
        }
        match &schema["type"] {
            Value::String(t) => t.clone(),
            Value::Array(list) => {
                let named: Vec<&str> = list
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                let nullable = named.len() < list.len();
                format!("{}{}", named.join(" | "), if nullable { "?" } else { "" })
            }
            _ => "any".to_owned(),
        }
    }
}
