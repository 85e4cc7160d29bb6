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

/// The whole OpenAPI document: the foundation's paths merged with each area's.
pub fn document() -> utoipa::openapi::OpenApi {
    #[allow(unused_mut)]
    let mut doc = ApiDoc::openapi();
    // Areas, one line each: doc.merge(crate::api::<area>::Doc::openapi());
    doc.merge(crate::api::assistant::Doc::openapi());
    doc.merge(crate::api::facilities::Doc::openapi());
    doc.merge(crate::api::devices::Doc::openapi());
    doc.merge(crate::api::records::openapi());
    doc.merge(crate::api::incidents::Doc::openapi());
    doc.merge(crate::api::duplicates_check::Doc::openapi());
    doc.merge(crate::api::incident_classification::Doc::openapi());
    doc.merge(crate::api::incident_casualties::Doc::openapi());
    doc.merge(crate::api::vocabulary::Doc::openapi());
    doc.merge(crate::api::fire_report::Doc::openapi());
    doc.merge(crate::api::calls::Doc::openapi());
    doc.merge(crate::api::response_plans::Doc::openapi());
    doc.merge(crate::api::resources::Doc::openapi());
    doc.merge(crate::api::feed::Doc::openapi());
    doc.merge(crate::api::public_reports::Doc::openapi());
    doc.merge(crate::api::accountability::Doc::openapi());
    doc.merge(crate::api::alarm_queue::Doc::openapi());
    doc.merge(crate::api::users::Doc::openapi());
    doc
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

    /// Answers whose shape is not yet a named type. The list may only shrink: a new route
    /// must describe its answer with a typed view.
    const UNTYPED: &[&str] = &[
        "GET /api/audit",
        "GET /api/campaigns/{id}/progress",
        "GET /api/incidents/{id}/eido",
        "GET /api/jurisdiction",
        "GET /api/map/places",
        "GET /api/map/search",
        "GET /api/map/streets",
        "GET /api/organisation",
        "GET /api/stats/calls",
        "GET /api/stats/definitions",
        "GET /api/units.geojson",
        "GET /api/units/{code}/boundary",
        "POST /api/resources/{id}/status",
    ];

    /// Whether a response schema names its fields: a reference to a component, an array of
    /// typed items, or an object with properties (a free-form `Object` is not typed).
    fn typed(schema: &Value) -> bool {
        if schema.get("$ref").is_some() || schema.get("allOf").is_some() {
            return true;
        }
        if let Some(items) = schema.get("items") {
            return typed(items);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => schema.get("properties").is_some(),
            Some(_) => true,
            None => schema.get("oneOf").is_some() || schema.get("anyOf").is_some(),
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
        assert_eq!(untyped, UNTYPED, "answers without a typed schema");

        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but not described"
            );
        }
    }
}
