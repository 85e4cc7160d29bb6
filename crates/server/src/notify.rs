//! Telling a facility's own people that its alarm opened an incident, off the alarm path.
//!
//! A background task on every node does two things each tick. It *plans*: for every alarm
//! raised lately whose incident has no plan yet, it reads the facility's contact list and the
//! device's test window, lets [`domain::notify::plan`] decide who is told through which
//! channel, and writes the plan with its notices (once per incident, whichever node is
//! first). It *sends*: it claims the e-mail and SMS notices that are due, hands each to its
//! channel (an SMTP relay, an HTTP SMS gateway), and records the attempt; a failure is tried
//! again with back-off, a permanent refusal is not. Console notices wait for the operator,
//! who phones the person and records the outcome (`api::notifications`).
//!
//! Nothing here runs inside the receiver: an alarm is stored and ACKed without waiting for any
//! of it, and every write here gives way to the alarm writer.

use crate::metrics::Metrics;
use chrono::{DateTime, Utc};
use domain::notify::{
    after_failure, phone_digits, phone_international, plan, render_template, AfterFailure,
    AlarmFacts, Channel, Channels, Escape, PlanOutcome, Recipient,
};
use std::sync::Arc;
use std::time::Duration;
use store::{AlarmToNotify, AttemptResult, NewNotice, NewPlan, Notice, Store};

/// The SMTP relay that sends e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpOptions {
    /// `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465`; user and password are optional.
    pub url: String,
    /// The sender address, e.g. `Trung tâm chỉ huy <cnch@congan.hanoi.gov.vn>`.
    pub from: String,
}

/// The HTTP SMS gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsOptions {
    /// Where to send; may hold `{to}`, `{to_intl}` and `{message}` (percent-encoded there).
    pub url: String,
    /// The request body; `None` sends a GET with everything in the URL. Placeholders are
    /// JSON-escaped when `content_type` is JSON, percent-encoded otherwise.
    pub body: Option<String>,
    pub content_type: String,
    /// The `Authorization` header's value, e.g. `Bearer …` (a secret: never logged).
    pub authorization: Option<String>,
}

/// The default SMS request body.
pub const DEFAULT_SMS_BODY: &str = r#"{"to":"{to}","message":"{message}"}"#;

/// How the building's people are told.
#[derive(Debug, Clone)]
pub struct NotifyOptions {
    pub smtp: Option<SmtpOptions>,
    pub sms: Option<SmsOptions>,
    /// The wait after a first failed attempt; it doubles with every further one.
    pub retry_base: Duration,
    /// How often the task plans and sends.
    pub tick: Duration,
    /// Alarms raised longer ago than this when first seen (a node that was down) are no
    /// longer announced to the building.
    pub lookback: Duration,
    /// The longest one send may take.
    pub send_timeout: Duration,
}

impl Default for NotifyOptions {
    fn default() -> Self {
        NotifyOptions {
            smtp: None,
            sms: None,
            retry_base: Duration::from_secs(30),
            tick: Duration::from_secs(1),
            lookback: Duration::from_secs(3600),
            send_timeout: Duration::from_secs(20),
        }
    }
}

impl NotifyOptions {
    /// The channels this server can send through.
    pub fn channels(&self) -> Channels {
        Channels {
            email: self.smtp.is_some(),
            sms: self.sms.is_some(),
        }
    }
}

/// How one send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted; the relay's or gateway's answer.
    Sent(String),
    /// Not accepted; `permanent` when trying again cannot help.
    Failed { detail: String, permanent: bool },
}

impl Delivery {
    fn failed(detail: impl Into<String>, permanent: bool) -> Delivery {
        Delivery::Failed {
            detail: detail.into(),
            permanent,
        }
    }
}

/// E-mail through an SMTP relay.
struct SmtpSender {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpSender {
    fn new(options: &SmtpOptions, timeout: Duration) -> anyhow::Result<SmtpSender> {
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&options.url)
                .map_err(|e| anyhow::anyhow!("invalid --smtp-url: {e}"))?
                .timeout(Some(timeout))
                .build();
        let from = options
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid --smtp-from {:?}: {e}", options.from))?;
        Ok(SmtpSender { transport, from })
    }

    async fn send(&self, notice: &Notice) -> Delivery {
        use lettre::AsyncTransport as _;
        let to = match notice.recipient.parse::<lettre::Address>() {
            Ok(address) => {
                lettre::message::Mailbox::new(Some(notice.contact_name.clone()), address)
            }
            Err(e) => return Delivery::failed(format!("invalid address: {e}"), true),
        };
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&notice.subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(notice.body.clone());
        let message = match message {
            Ok(m) => m,
            Err(e) => return Delivery::failed(format!("cannot build the message: {e}"), true),
        };
        match self.transport.send(message).await {
            Ok(response) => Delivery::Sent(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) => Delivery::failed(e.to_string(), e.is_permanent()),
        }
    }
}

/// Text messages through an HTTP SMS gateway.
struct SmsSender {
    client: reqwest::Client,
    options: SmsOptions,
}

impl SmsSender {
    fn new(options: &SmsOptions, timeout: Duration) -> anyhow::Result<SmsSender> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the SMS client: {e}"))?;
        Ok(SmsSender {
            client,
            options: options.clone(),
        })
    }

    async fn send(&self, notice: &Notice) -> Delivery {
        let (Some(to), Some(intl)) = (
            phone_digits(&notice.recipient),
            phone_international(&notice.recipient),
        ) else {
            return Delivery::failed("not a phone number a gateway can send to", true);
        };
        let values = [
            ("to", to.as_str()),
            ("to_intl", intl.as_str()),
            ("message", notice.body.as_str()),
        ];
        let url = render_template(&self.options.url, &values, Escape::Url);
        let request = match &self.options.body {
            None => self.client.get(&url),
            Some(template) => {
                let json = self.options.content_type.contains("json");
                let escape = if json { Escape::Json } else { Escape::Url };
                self.client
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, &self.options.content_type)
                    .body(render_template(template, &values, escape))
            }
        };
        let request = match &self.options.authorization {
            Some(auth) => request.header(reqwest::header::AUTHORIZATION, auth),
            None => request,
        };
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let detail = format!("HTTP {}: {}", status.as_u16(), short(&text));
                if status.is_success() {
                    Delivery::Sent(detail)
                } else {
                    // A gateway that is busy or down is tried again; one that refuses the
                    // request (bad number, bad credentials) would refuse it again.
                    let transient = status.is_server_error()
                        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
                        || status == reqwest::StatusCode::REQUEST_TIMEOUT;
                    Delivery::failed(detail, !transient)
                }
            }
            Err(e) => Delivery::failed(format!("gateway unreachable: {e}"), false),
        }
    }
}

/// At most 300 characters of a gateway's answer, on one line.
fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(300).collect()
}

/// The planner and sender.
pub struct Notifier {
    store: Store,
    options: NotifyOptions,
    smtp: Option<SmtpSender>,
    sms: Option<SmsSender>,
    metrics: Arc<Metrics>,
}

impl Notifier {
    /// Builds the channels the options name; a bad SMTP URL or sender is an error at start.
    pub fn new(
        store: Store,
        options: NotifyOptions,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Notifier> {
        let smtp = match &options.smtp {
            Some(o) => Some(SmtpSender::new(o, options.send_timeout)?),
            None => None,
        };
        let sms = match &options.sms {
            Some(o) => Some(SmsSender::new(o, options.send_timeout)?),
            None => None,
        };
        metrics.describe(
            "binhyen_notifications_total",
            "Attempts to tell a facility's people of its alarm, by channel and result.",
        );
        Ok(Notifier {
            store,
            options,
            smtp,
            sms,
            metrics,
        })
    }

    /// Plans the notices of the alarms that have none yet. Returns how many plans this node
    /// wrote.
    pub async fn plan_due(&self, now: DateTime<Utc>) -> usize {
        let since = now - chrono::Duration::from_std(self.options.lookback).unwrap_or_default();
        let alarms = match self.store.alarms_to_notify(since, 50).await {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the alarms to notify; retrying next tick");
                return 0;
            }
        };
        let mut written = 0;
        for alarm in alarms {
            match self.plan_one(&alarm, now).await {
                Ok(true) => written += 1,
                Ok(false) => {}
                Err(e) => tracing::error!(
                    error = %e,
                    incident = alarm.incident_id,
                    "cannot plan the facility's notices; retrying next tick"
                ),
            }
        }
        written
    }

    async fn plan_one(&self, alarm: &AlarmToNotify, now: DateTime<Utc>) -> store::Result<bool> {
        let facility = self.store.facility(alarm.facility_id).await?;
        let device_on_test = match alarm.device_id {
            Some(id) => self
                .store
                .device(id)
                .await?
                .is_some_and(|d| d.on_test_at(alarm.raised_at)),
            None => false,
        };
        let contacts: Vec<Recipient> = facility
            .iter()
            .flat_map(|f| f.contacts.iter())
            .map(|c| Recipient {
                name: c.name.clone(),
                role: c.role.clone(),
                phone: c.phone.clone(),
                email: c.email.clone(),
            })
            .collect();
        let (outcome, planned) = plan(&contacts, self.options.channels(), device_on_test);
        let facts = AlarmFacts {
            class: alarm.class,
            facility_name: facility.as_ref().map_or_else(
                || format!("cơ sở {}", alarm.facility_id),
                |f| f.name.clone(),
            ),
            address: facility.as_ref().map(|f| f.address.clone()),
            incident_number: alarm.incident_number.clone(),
            title: alarm.title.clone(),
            raised_at: alarm.raised_at,
        };
        let notices = planned
            .into_iter()
            .map(|p| {
                let message = facts.message(&p.contact_name);
                let body = match p.channel {
                    Channel::Sms => message.sms,
                    Channel::Email | Channel::Console => message.body,
                };
                NewNotice {
                    planned: p,
                    subject: message.subject,
                    body,
                }
            })
            .collect::<Vec<_>>();
        let wrote = self
            .store
            .write_notification_plan(
                &NewPlan {
                    incident_id: alarm.incident_id,
                    alarm_id: alarm.alarm_id,
                    facility_id: alarm.facility_id,
                    unit_code: alarm.unit_code.clone(),
                    outcome,
                    notices,
                },
                now,
            )
            .await?;
        if wrote {
            match outcome {
                PlanOutcome::Queued => tracing::info!(
                    incident = alarm.incident_id,
                    facility = alarm.facility_id,
                    "facility's people queued to be told of the alarm"
                ),
                other => tracing::info!(
                    incident = alarm.incident_id,
                    facility = alarm.facility_id,
                    outcome = other.code(),
                    "nobody at the facility is told of the alarm"
                ),
            }
        }
        Ok(wrote)
    }

    /// Sends the e-mail and SMS notices due at `now`, in order. Returns how many were tried.
    pub async fn send_due(&self, now: DateTime<Utc>) -> usize {
        let lease = self.options.send_timeout * 3;
        let due = match self.store.claim_due_notifications(now, lease, 20).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim due notifications; retrying next tick");
                return 0;
            }
        };
        let tried = due.len();
        for notice in due {
            let delivery = self.deliver(&notice).await;
            let at = Utc::now().max(now);
            let (result, label) = match delivery {
                Delivery::Sent(detail) => (
                    AttemptResult {
                        ok: true,
                        detail,
                        retry_at: None,
                    },
                    "sent",
                ),
                Delivery::Failed { detail, permanent } => {
                    let attempt = u32::try_from(notice.attempts + 1).unwrap_or(u32::MAX);
                    let retry_at =
                        match after_failure(attempt, permanent, self.options.retry_base, at) {
                            AfterFailure::RetryAt(t) => Some(t),
                            AfterFailure::GiveUp => None,
                        };
                    tracing::warn!(
                        notification = notice.id,
                        incident = notice.incident_id,
                        channel = notice.channel.code(),
                        attempt,
                        retry = retry_at.is_some(),
                        error = %detail,
                        "notification attempt failed"
                    );
                    let label = if retry_at.is_some() {
                        "retry"
                    } else {
                        "failed"
                    };
                    (
                        AttemptResult {
                            ok: false,
                            detail,
                            retry_at,
                        },
                        label,
                    )
                }
            };
            self.metrics.count(
                "binhyen_notifications_total",
                &[("channel", notice.channel.code()), ("result", label)],
                1,
            );
            if let Err(e) = self
                .store
                .record_notification_attempt(notice.id, &result, at)
                .await
            {
                // The lease runs out and the notice is sent again: twice rather than never.
                tracing::error!(error = %e, notification = notice.id, "cannot record the attempt");
            }
        }
        tried
    }

    async fn deliver(&self, notice: &Notice) -> Delivery {
        let not_configured =
            |what| Delivery::failed(format!("{what} is not configured on this server"), true);
        match notice.channel {
            Channel::Email => match &self.smtp {
                Some(s) => s.send(notice).await,
                None => not_configured("e-mail (--smtp-url)"),
            },
            Channel::Sms => match &self.sms {
                Some(s) => s.send(notice).await,
                None => not_configured("SMS (--sms-url)"),
            },
            Channel::Console => Delivery::failed("a call is made by the operator", true),
        }
    }

    /// Plans and sends every tick until shutdown.
    pub fn spawn(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(self.options.tick);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        let now = Utc::now();
                        self.plan_due(now).await;
                        self.send_due(now).await;
                    }
                    changed = shutdown.changed() => {
                        if changed.is_err() || *shutdown.borrow() {
                            break;
                        }
                    }
                }
            }
        });
    }
}
