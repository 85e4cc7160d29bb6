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
