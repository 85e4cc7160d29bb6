//! HTTP [`Phraser`] for an OpenAI-compatible chat-completions endpoint (llama.cpp, Ollama,
//! vLLM…), built only with the `llm` feature. Configured from the environment:
//!
//! - `BINHYEN_LLM_URL`: base URL (e.g. `http://127.0.0.1:8080/v1`) or the full
//!   `…/chat/completions` URL;
//! - `BINHYEN_LLM_MODEL`: model name sent in the request (default `default`);
//! - `BINHYEN_LLM_API_KEY`: optional bearer token;
//! - `BINHYEN_LLM_TIMEOUT_MS`: request timeout (default 8000).
//!
//! Any failure is returned as a [`PhraseError`]; the assistant then uses its template answer.

use std::time::Duration;

use serde_json::{json, Value};

use crate::answer::{Phraser, Prompt};
use crate::error::PhraseError;

/// Client for `POST {url}/chat/completions`.
#[derive(Debug)]
pub struct HttpPhraser {
    endpoint: String,
    model: String,
    api_key: Option<String>,
    agent: ureq::Agent,
}

impl HttpPhraser {
    /// A client for an endpoint (base URL or full chat-completions URL).
    pub fn new(url: &str, model: &str, api_key: Option<String>, timeout: Duration) -> HttpPhraser {
        let trimmed = url.trim_end_matches('/');
        let endpoint = if trimmed.ends_with("/chat/completions") {
            trimmed.to_string()
        } else {
            format!("{trimmed}/chat/completions")
        };
        HttpPhraser {
            endpoint,
            model: model.to_string(),
            api_key,
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }

    /// Reads the configuration from the environment; `None` when `BINHYEN_LLM_URL` is unset.
    pub fn from_env() -> Option<HttpPhraser> {
        let url = std::env::var("BINHYEN_LLM_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let model = std::env::var("BINHYEN_LLM_MODEL").unwrap_or_else(|_| "default".into());
        let key = std::env::var("BINHYEN_LLM_API_KEY")
            .ok()
            .filter(|k| !k.is_empty());
        let timeout = std::env::var("BINHYEN_LLM_TIMEOUT_MS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(8000);
        Some(HttpPhraser::new(
            &url,
            &model,
            key,
            Duration::from_millis(timeout),
        ))
    }

    /// The URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The JSON body of a request.
    pub fn request_body(&self, prompt: &Prompt) -> Value {
        json!({
            "model": self.model,
            "temperature": 0.1,
            "max_tokens": 600,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
        })
    }
}

/// Extracts the completion text from a chat-completions response.
pub fn completion_text(body: &Value) -> Result<String, PhraseError> {
    body.pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| PhraseError::BadResponse("no choices[0].message.content".into()))
}

impl Phraser for HttpPhraser {
    fn phrase(&self, prompt: &Prompt) -> Result<String, PhraseError> {
        let mut req = self.agent.post(&self.endpoint);
        if let Some(key) = &self.api_key {
            req = req.set("Authorization", &format!("Bearer {key}"));
        }
        let resp = req
            .send_json(self.request_body(prompt))
            .map_err(|e| PhraseError::Transport(e.to_string()))?;
        let body: Value = resp
            .into_json()
            .map_err(|e| PhraseError::BadResponse(e.to_string()))?;
        completion_text(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn prompt() -> Prompt {
        Prompt {
            system: "sys".into(),
            user: "user".into(),
        }
    }

    #[test]
    fn endpoint_and_body() {
        let p = HttpPhraser::new(
            "http://127.0.0.1:1/v1/",
            "m",
            None,
            Duration::from_millis(50),
        );
        assert_eq!(p.endpoint(), "http://127.0.0.1:1/v1/chat/completions");
        let body = p.request_body(&prompt());
        assert_eq!(body["messages"][0]["content"], "sys");
        assert_eq!(body["model"], "m");
    }

    #[test]
    fn parses_completions_and_rejects_empty_ones() {
        let ok = json!({"choices": [{"message": {"content": " Trả lời "}}]});
        assert_eq!(completion_text(&ok).unwrap(), "Trả lời");
        assert!(completion_text(&json!({"choices": []})).is_err());
        assert!(completion_text(&json!({"choices": [{"message": {"content": ""}}]})).is_err());
    }

    #[test]
    fn unreachable_endpoint_is_an_error() {
        // Bind then drop to get a loopback port nobody listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let p = HttpPhraser::new(
            &format!("http://127.0.0.1:{port}/v1"),
            "m",
            None,
            Duration::from_millis(200),
        );
        assert!(matches!(
            p.phrase(&prompt()),
            Err(PhraseError::Transport(_))
        ));
    }

    #[test]
    fn talks_to_a_loopback_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 8192];
            let n = conn.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let body = r#"{"choices":[{"message":{"content":"Xin chào"}}]}"#;
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                body.len(),
                body
            );
            conn.write_all(resp.as_bytes()).unwrap();
            req
        });
        let p = HttpPhraser::new(
            &format!("http://127.0.0.1:{port}/v1"),
            "m",
            Some("k".into()),
            Duration::from_secs(2),
        );
        assert_eq!(p.phrase(&prompt()).unwrap(), "Xin chào");
        let req = server.join().unwrap();
        assert!(req.starts_with("POST /v1/chat/completions"));
        assert!(req.contains("Bearer k"));
    }
}
