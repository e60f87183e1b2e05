//! The login screen: a form (login URI, first and last name, masked
//! password, "Use the embedded region"), a status line that follows the
//! circuit (Logging in… / Handshake… / Connected / the error), and the
//! connection itself on a thread of its own: the render thread only polls a
//! bounded channel each frame and never waits for the network.

use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use egui::{Color32, Key, Ui};
use kestrel_actors::bus::Latest;
use kestrel_actors::circuit::{CircuitState, CircuitStats, LoginParams};
use kestrel_protocol::login::StartLocation;

use crate::app::{LoginTarget, Session, SessionOptions};
use crate::sim::SimConfig;

/// The login URI the form starts with when none is given: an
/// OpenSimulator standalone on this machine.
pub const DEFAULT_LOGIN_URI: &str = "http://127.0.0.1:9000/";

/// How long a login may take before the screen gives up.
pub const DEFAULT_CONNECT_DEADLINE: Duration = Duration::from_secs(60);

/// The form's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    /// The grid's login URI.
    pub login_uri: String,
    /// Avatar first name.
    pub first: String,
    /// Avatar last name.
    pub last: String,
    /// Password (shown masked).
    pub password: String,
}

/// Why the form cannot be submitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginFormError {
    /// A required field is empty.
    #[error("the {0} is empty")]
    Missing(&'static str),
    /// The login URI is not an http(s) URL.
    #[error("the login URI {0:?} does not start with http:// or https://")]
    BadUri(String),
}

impl LoginForm {
    /// The grid login these fields describe.
    pub fn to_params(&self) -> Result<LoginParams, LoginFormError> {
        let uri = self.login_uri.trim();
        for (value, name) in [
            (uri, "login URI"),
            (self.first.trim(), "first name"),
            (self.last.trim(), "last name"),
            (self.password.as_str(), "password"),
        ] {
            if value.is_empty() {
                return Err(LoginFormError::Missing(name));
            }
        }
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            return Err(LoginFormError::BadUri(uri.to_owned()));
        }
        Ok(LoginParams {
            login_uri: uri.to_owned(),
            first: self.first.trim().to_owned(),
            last: self.last.trim().to_owned(),
            password: self.password.clone(),
            start: StartLocation::Last,
        })
    }
}

/// Where the login screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginState {
    /// The user is filling in the form.
    Editing,
    /// A login is running on its thread.
    Connecting,
    /// The session is connected (and was handed to the viewer).
    Connected,
    /// The login failed; the text says why.
    Failed(String),
}

/// What the login thread reports.
enum LoginEvent {
    /// The actors are up: follow the circuit's state through these stats.
    Started(Latest<CircuitStats>),
    /// Connected, or why not.
    Done(Result<Box<Session>, String>),
}

/// Reports the login thread can send (it sends at most two).
const EVENT_CAPACITY: usize = 4;

/// The login form and the login it starts.
pub struct LoginScreen {
    form: LoginForm,
    embedded: SimConfig,
    state: LoginState,
    events: Option<Receiver<LoginEvent>>,
    circuit: Option<Latest<CircuitStats>>,
    embedded_login: bool,
    deadline: Duration,
    options: SessionOptions,
}

impl LoginScreen {
    /// A screen with `form` prefilled; "Use the embedded region" starts a
    /// region with `embedded`.
    pub fn new(form: LoginForm, embedded: SimConfig) -> Self {
        LoginScreen {
            form,
            embedded,
            state: LoginState::Editing,
            events: None,
            circuit: None,
            embedded_login: false,
            deadline: DEFAULT_CONNECT_DEADLINE,
            options: SessionOptions::default(),
        }
    }

    /// Starts sessions with `options` (the user's performance settings and
    /// governor) instead of the defaults.
    pub fn with_session_options(mut self, options: SessionOptions) -> Self {
        self.options = options;
        self
    }

    /// Gives up a login after `deadline` instead of [`DEFAULT_CONNECT_DEADLINE`].
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The form's fields.
    pub fn form(&self) -> &LoginForm {
        &self.form
    }

    /// The form's fields, to edit.
    pub fn form_mut(&mut self) -> &mut LoginForm {
        &mut self.form
    }

    /// Where the screen is.
    pub fn state(&self) -> &LoginState {
        &self.state
    }

    /// The status line's text.
    pub fn status_text(&self) -> String {
        match &self.state {
            LoginState::Editing => String::new(),
            LoginState::Connected => "Connected".to_owned(),
            LoginState::Failed(e) => e.clone(),
            LoginState::Connecting => match &self.circuit {
                None if self.embedded_login => "Starting the embedded region…".to_owned(),
                None => "Starting…".to_owned(),
                Some(stats) => match stats.load().state {
                    CircuitState::Idle | CircuitState::LoggingIn => "Logging in…".to_owned(),
                    CircuitState::Connecting => "Handshake…".to_owned(),
                    CircuitState::Connected => "Connected".to_owned(),
                    other => format!("{}…", super::panels::state_text(other)),
                },
            },
        }
    }

    /// Logs in to the grid the form names (on a thread; see [`Self::poll`]).
    /// A form that cannot be submitted puts the screen in `Failed` with the reason.
    pub fn submit(&mut self) {
        if self.state == LoginState::Connecting {
            return;
        }
        match self.form.to_params() {
            Ok(params) => {
                self.embedded_login = false;
                self.start(LoginTarget::Grid(params));
            }
            Err(e) => self.state = LoginState::Failed(e.to_string()),
        }
    }

    /// Starts the embedded region and logs in to it (on a thread).
    pub fn use_embedded(&mut self) {
        if self.state == LoginState::Connecting {
            return;
        }
        self.embedded_login = true;
        self.start(LoginTarget::Embedded(self.embedded.clone()));
    }

    fn start(&mut self, target: LoginTarget) {
        let (tx, rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        let deadline = self.deadline;
        let options = self.options.clone();
        let spawned = std::thread::Builder::new()
            .name("kestrel-login".into())
            .spawn(move || login_thread(target, options, deadline, tx));
        match spawned {
            Ok(_) => {
                self.events = Some(rx);
                self.circuit = None;
                self.state = LoginState::Connecting;
            }
            Err(e) => self.state = LoginState::Failed(format!("cannot start the login: {e}")),
        }
    }

    /// Takes what the login thread reported (never waits). Returns the
    /// session once, when it is connected.
    pub fn poll(&mut self) -> Option<Session> {
        let events = self.events.as_ref()?;
        loop {
            match events.try_recv() {
                Ok(LoginEvent::Started(stats)) => self.circuit = Some(stats),
                Ok(LoginEvent::Done(Ok(session))) => {
                    self.state = LoginState::Connected;
                    self.events = None;
                    return Some(*session);
                }
                Ok(LoginEvent::Done(Err(e))) => {
                    self.state = LoginState::Failed(e);
                    self.events = None;
                    return None;
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    self.state = LoginState::Failed("the login thread stopped".to_owned());
                    self.events = None;
                    return None;
                }
            }
        }
    }

    /// Draws the form and the status line.
    pub fn ui(&mut self, ui: &mut Ui) {
        let busy = self.state == LoginState::Connecting;
        let mut submit = false;
        let mut embedded = false;
        egui::Window::new("Log in to a grid")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ui.ctx(), |ui| {
                ui.add_enabled_ui(!busy, |ui| {
                    egui::Grid::new("login_form").num_columns(2).show(ui, |ui| {
                        ui.label("Login URI");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.form.login_uri)
                                .desired_width(320.0),
                        );
                        ui.end_row();
                        ui.label("First name");
                        ui.text_edit_singleline(&mut self.form.first);
                        ui.end_row();
                        ui.label("Last name");
                        ui.text_edit_singleline(&mut self.form.last);
                        ui.end_row();
                        ui.label("Password");
                        let pw = ui.add(
                            egui::TextEdit::singleline(&mut self.form.password).password(true),
                        );
                        if pw.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                            submit = true;
                        }
                        ui.end_row();
                    });
                    ui.horizontal(|ui| {
                        submit |= ui.button("Log in").clicked();
                        embedded = ui.button("Use the embedded region").clicked();
                    });
                });
                let status = self.status_text();
                match &self.state {
                    LoginState::Failed(_) => {
                        ui.colored_label(Color32::LIGHT_RED, status);
                    }
                    LoginState::Editing => {}
                    LoginState::Connecting => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(status);
                        });
                    }
                    LoginState::Connected => {
                        ui.colored_label(Color32::LIGHT_GREEN, status);
                    }
                }
            });
        if submit {
            self.submit();
        } else if embedded {
            self.use_embedded();
        }
    }
}

/// Starts the session and logs in; reports through `tx` (bounded, and
/// never full: it sends two events into room for four).
fn login_thread(
    target: LoginTarget,
    options: SessionOptions,
    deadline: Duration,
    tx: Sender<LoginEvent>,
) {
    let session = match Session::start_with(target, options) {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.try_send(LoginEvent::Done(Err(e.to_string())));
            return;
        }
    };
    let _ = tx.try_send(LoginEvent::Started(session.net.circuit.stats.clone()));
    match session.connect(deadline) {
        Ok(()) => {
            if let Err(e) = tx.try_send(LoginEvent::Done(Ok(Box::new(session)))) {
                // The screen is gone: log the session out rather than leak it.
                if let LoginEvent::Done(Ok(session)) = e.into_inner() {
                    session.shutdown();
                }
            }
        }
        Err(e) => {
            let text = e.to_string();
            // Stop the actors (and the embedded region) of the failed attempt.
            drop(session);
            let _ = tx.try_send(LoginEvent::Done(Err(text)));
        }
    }
}
